/**
 * A dev server left running by a start that was killed (SIGKILL gives it no chance to stop its child) is
 * stopped by the next start with the same record file, and a process that is not the recorded server is
 * never touched.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../common/free-port';
import { runsCommand, stopRecordedDevServer, writeDevServerRecord } from '../../worker/dev-server-record';
import { startTemporalDevServer } from '../../worker/temporal-dev-server';

jest.setTimeout(120_000);

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'osgp-orphan-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the next start stops the orphaned dev server of an earlier start, and a clean stop forgets it', async () => {
  const recordFile = path.join(dir, 'temporal-dev-server.json');
  const port = await freePort();
  // The earlier start: never stopped, as after a SIGKILL of `npm start`.
  const orphan = await startTemporalDevServer({ port, ui: false, recordFile });
  const { pid, command } = JSON.parse(fs.readFileSync(recordFile, 'utf8')) as { pid: number; command: string[] };
  expect(runsCommand(pid, command)).toBe(true);

  const next = await startTemporalDevServer({ port, ui: false, recordFile });
  try {
    expect(next.orphanStopped).toBe(pid);
    expect(runsCommand(pid, command)).toBe(false);
    expect(JSON.parse(fs.readFileSync(recordFile, 'utf8'))).not.toMatchObject({ pid });
  } finally {
    await next.stop();
    await orphan.stop();
  }
  expect(fs.existsSync(recordFile)).toBe(false);
});

test('a recorded pid that now runs something else is left alone', async () => {
  const recordFile = path.join(dir, 'other.json');
  const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  try {
    writeDevServerRecord(recordFile, { pid: other.pid!, command: ['/usr/bin/temporal', 'server', 'start-dev'] });
    expect(await stopRecordedDevServer(recordFile)).toBeUndefined();
    expect(other.exitCode).toBeNull();
    expect(runsCommand(other.pid!, [process.execPath, '-e', 'setInterval(() => {}, 1000)'])).toBe(true);
  } finally {
    other.kill();
  }
});
