// What commands print: a table (cli-table3) or text for people, or JSON on stdout for scripts (--json).
// Progress and notes go to stderr so stdout stays a clean result.
import Table from 'cli-table3';

export interface OutputOptions {
  json?: boolean;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** One JSON value per line (for following commands such as `events tail --json`). */
export function printJsonLine(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

export function printTable(head: string[], rows: Array<Array<string | number | boolean | null | undefined>>): void {
  // No rule between rows: long lists stay readable (and half as tall).
  const table = new Table({ head, style: { head: [], border: [] }, chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' } });
  for (const row of rows) table.push(row.map((cell) => (cell === null || cell === undefined ? '' : String(cell))));
  process.stdout.write(`${table.toString()}\n`);
}

export function note(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** A time as the operator reads it: local, to the second. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString('sv-SE');
}
