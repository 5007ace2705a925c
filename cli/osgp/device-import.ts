// `osgp devices import`: a CSV of devices added with core.addDevices in chunks. The rows done are recorded in
// a state file next to the CSV after every chunk, so an interrupted import resumes where it stopped (a chunk
// that was sent but not recorded is sent again: its devices answer EXISTS, which is harmless). Every row that
// was not added is written, with the reason, to a report next to the CSV.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { z } from 'zod';
import { platformContract } from '../../api/client';
import { usageError } from './exit-codes';

const newDeviceSchema = platformContract.core.addDevices.body.shape.devices.element;
export type NewDeviceRow = z.input<typeof newDeviceSchema>;

/** The CSV's columns: the fields of core.addDevices, by the same names. */
export const deviceCsvColumns = [
  'deviceIdentification',
  'alias',
  'protocol',
  'networkAddress',
  'port',
  'deviceUid',
  'publicKey',
  'latitude',
  'longitude',
  'activated',
  'deviceType',
] as const;
type Column = (typeof deviceCsvColumns)[number];
const numberColumns: ReadonlySet<Column> = new Set(['port', 'latitude', 'longitude']);

/** One data row of the CSV: the device to add, or why it cannot be sent. `row` counts data rows from 1. */
export type CsvRow = { row: number; deviceIdentification: string } & ({ device: NewDeviceRow } | { rejected: string });

function cellValue(column: Column, text: string): unknown {
  if (numberColumns.has(column)) {
    const value = Number(text);
    return Number.isFinite(value) ? value : text;
  }
  if (column === 'activated') return text === 'true' ? true : text === 'false' ? false : text;
  return text;
}

/**
 * Reads the CSV (a header row naming columns of `deviceCsvColumns`; quoted cells may span lines, as a PEM
 * key does) and checks each row against the API's own schema, so a bad row is reported with the field at
 * fault without being sent. A header it cannot use is a usage error.
 */
export function parseDeviceCsv(text: string): CsvRow[] {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, trim: true, relax_column_count: true }) as string[][];
  } catch (error) {
    throw usageError(`the CSV cannot be read: ${(error as Error).message}`);
  }
  const [header, ...data] = records;
  if (!header) throw usageError('the CSV is empty: it needs a header row, e.g. deviceIdentification,deviceUid,publicKey');
  const unknown = header.filter((name) => !(deviceCsvColumns as readonly string[]).includes(name));
  if (unknown.length) throw usageError(`unknown CSV column(s) ${unknown.join(', ')}; the columns are ${deviceCsvColumns.join(', ')}`);
  if (!header.includes('deviceIdentification')) throw usageError('the CSV has no deviceIdentification column');
  const columns = header as Column[];
  const seen = new Set<string>();
  return data.map((cells, index): CsvRow => {
    const row = index + 1;
    const fields: Record<string, unknown> = { protocol: 'OSLP' };
    columns.forEach((column, position) => {
      const cell = cells[position];
      if (cell !== undefined && cell !== '') fields[column] = cellValue(column, cell);
    });
    const deviceIdentification = typeof fields.deviceIdentification === 'string' ? fields.deviceIdentification : '';
    if (cells.length !== columns.length) {
      return { row, deviceIdentification, rejected: `has ${cells.length} cells, the header ${columns.length}` };
    }
    if (deviceIdentification && seen.has(deviceIdentification)) {
      return { row, deviceIdentification, rejected: `deviceIdentification ${deviceIdentification} appears earlier in the file` };
    }
    const checked = newDeviceSchema.safeParse(fields);
    if (!checked.success) {
      const reason = checked.error.issues.map((issue) => `${issue.path.join('.') || 'row'}: ${issue.message}`).join('; ');
      return { row, deviceIdentification, rejected: reason };
    }
    seen.add(deviceIdentification);
    return { row, deviceIdentification, device: fields as NewDeviceRow };
  });
}

export interface ImportState {
  /** The CSV this state belongs to (its SHA-256): a changed file is not resumed. */
  csvSha256: string;
  /** Data rows handled (sent and answered, or rejected here), from the first. */
  rowsDone: number;
  added: number;
  existing: number;
  rejected: number;
  completed: boolean;
}

export interface ImportFiles {
  state: string;
  report: string;
}

export function importFilesFor(csvPath: string): ImportFiles {
  return { state: `${csvPath}.import-state.json`, report: `${csvPath}.rejected.csv` };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function writeAtomically(file: string, content: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, content);
  fs.renameSync(temporary, file);
}

/** The state to continue from: the recorded one for this very CSV, or a fresh one (and a fresh report). */
export function startState(files: ImportFiles, csvSha256: string, restart: boolean): ImportState {
  if (!restart && fs.existsSync(files.state)) {
    const recorded = JSON.parse(fs.readFileSync(files.state, 'utf8')) as ImportState;
    if (recorded.csvSha256 !== csvSha256) {
      throw usageError(`${files.state} belongs to another version of this CSV (it changed since that import); run again with --restart to import it from the first row`);
    }
    return recorded;
  }
  fs.writeFileSync(files.report, 'row,deviceIdentification,reason\n');
  return { csvSha256, rowsDone: 0, added: 0, existing: 0, rejected: 0, completed: false };
}

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One row's outcome at the platform (core.addDevices' result row). */
export interface AddResult {
  deviceIdentification: string;
  result: 'ADDED' | 'EXISTS' | 'REFUSED';
  code?: string;
  message?: string;
}

export interface ImportOptions {
  rows: CsvRow[];
  files: ImportFiles;
  state: ImportState;
  chunkSize: number;
  /** Sends one chunk with core.addDevices; answers a result per device, in order. */
  addDevices: (devices: NewDeviceRow[]) => Promise<AddResult[]>;
  onChunk?: (state: ImportState) => void;
  /** Checked between chunks: true stops the import after recording the last chunk (Ctrl-C). */
  shouldStop?: () => boolean;
}

/** Runs (or resumes) the import; returns the final state (completed false when stopped). */
export async function runImport({ rows, files, state, chunkSize, addDevices, onChunk, shouldStop }: ImportOptions): Promise<ImportState> {
  const current = { ...state };
  while (current.rowsDone < rows.length) {
    if (shouldStop?.()) return current;
    const chunk = rows.slice(current.rowsDone, current.rowsDone + chunkSize);
    const toSend = chunk.filter((row): row is Extract<CsvRow, { device: NewDeviceRow }> => 'device' in row);
    const results = toSend.length ? await addDevices(toSend.map((row) => row.device)) : [];
    if (results.length !== toSend.length) throw new Error(`core.addDevices answered ${results.length} results for ${toSend.length} devices`);
    const resultOf = new Map(toSend.map((row, index) => [row.row, results[index]]));
    const reportLines: string[] = [];
    for (const row of chunk) {
      const result = resultOf.get(row.row);
      if ('rejected' in row) {
        reportLines.push([row.row, csvCell(row.deviceIdentification), csvCell(row.rejected)].join(','));
        current.rejected += 1;
      } else if (result?.result === 'ADDED') current.added += 1;
      else if (result?.result === 'EXISTS') current.existing += 1;
      else {
        reportLines.push([row.row, csvCell(row.deviceIdentification), csvCell(`${result?.code ?? 'REFUSED'}: ${result?.message ?? ''}`)].join(','));
        current.rejected += 1;
      }
    }
    // The report first: after a crash between the two writes a resumed import repeats report lines rather than losing them.
    if (reportLines.length) fs.appendFileSync(files.report, `${reportLines.join('\n')}\n`);
    current.rowsDone += chunk.length;
    writeAtomically(files.state, `${JSON.stringify(current, null, 2)}\n`);
    onChunk?.(current);
  }
  current.completed = true;
  writeAtomically(files.state, `${JSON.stringify(current, null, 2)}\n`);
  return current;
}
