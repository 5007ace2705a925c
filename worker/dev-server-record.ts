// The Temporal dev server `npm start` started, recorded in the data directory: a start after a SIGKILL (which
// leaves the server running in its own process group) stops that orphan instead of silently reusing it. A
// process counts as ours only while its command line is exactly the one recorded (binary, port, database
// file), so a recycled pid or anyone else's server is never touched.
import fs from 'node:fs';

export interface DevServerRecord {
  pid: number;
  /** The server's argv, as /proc/<pid>/cmdline shows it. */
  command: string[];
}

export function writeDevServerRecord(file: string, record: DevServerRecord): void {
  fs.writeFileSync(file, JSON.stringify(record));
}

/** Forgets the record; with `pid`, only a record of that process (a later start may have recorded its own). */
export function removeDevServerRecord(file: string, pid?: number): void {
  if (pid !== undefined && readRecord(file)?.pid !== pid) return;
  fs.rmSync(file, { force: true });
}

function readRecord(file: string): DevServerRecord | undefined {
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (
      parsed && typeof parsed === 'object' && 'pid' in parsed && 'command' in parsed &&
      Number.isInteger(parsed.pid) && Array.isArray(parsed.command) && parsed.command.every((part) => typeof part === 'string')
    ) {
      return { pid: parsed.pid as number, command: parsed.command as string[] };
    }
  } catch {
    // missing or unreadable: nothing recorded
  }
  return undefined;
}

/** True while `pid` runs exactly `command` (a zombie or an exited process has no command line). */
export function runsCommand(pid: number, command: readonly string[]): boolean {
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline === command.map((part) => `${part}\0`).join('');
  } catch {
    return false;
  }
}

/**
 * Stops the server recorded in `file` if that process still runs the recorded command (SIGTERM, SIGKILL
 * after `graceMs`), and forgets the record. Returns the pid it stopped, if any.
 */
export async function stopRecordedDevServer(file: string, graceMs = 10_000): Promise<number | undefined> {
  const record = readRecord(file);
  removeDevServerRecord(file);
  if (!record || !runsCommand(record.pid, record.command)) return undefined;
  process.kill(record.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (runsCommand(record.pid, record.command)) {
    if (Date.now() > deadline) process.kill(record.pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return record.pid;
}
