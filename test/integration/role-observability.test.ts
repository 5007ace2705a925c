/**
 * A worker-role process (`--role worker,adapter-oslp`, as a deployment runs it) serves /health/live,
 * /health/ready and /metrics on its own port: ready once its database, Temporal and both Temporal workers are
 * up, with process, event-loop and worker-state metrics; not ready any more once it is stopping.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../common/free-port';
import { startTestPlatform, type TestPlatform } from '../support/platform';

jest.setTimeout(180_000);

const root = path.resolve(__dirname, '..', '..');
let platform: TestPlatform;
let child: ChildProcess | undefined;
let output = '';
let base: string;

async function waitFor<T>(what: string, attempt: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen:\n${output.slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  platform = await startTestPlatform({ workers: false });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), ['cli/start.ts', '--role', 'worker,adapter-oslp'], {
    cwd: root,
    env: { ...platform.childEnv, LOG_LEVEL: 'info', METRICS_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
});

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
  }
  await platform?.stop();
});

test('health, readiness and metrics of a worker-role process on its own port', async () => {
  const ready = await waitFor('readiness', async () => {
    const response = await fetch(`${base}/health/ready`);
    return response.status === 200 ? ((await response.json()) as { checks: Record<string, string> }) : undefined;
  });
  expect(ready.checks).toEqual({ database: 'ok', temporal: 'ok', 'worker core': 'ok', 'worker adapter-oslp': 'ok' });
  expect((await fetch(`${base}/health/live`)).status).toBe(200);

  const metrics = await (await fetch(`${base}/metrics`)).text();
  expect(metrics).toMatch(/^osgp_temporal_worker_running\{task_queue="core"\} 1$/m);
  expect(metrics).toMatch(/^osgp_temporal_worker_running\{task_queue="adapter-oslp"\} 1$/m);
  expect(metrics).toMatch(/^osgp_db_statements_total \d+$/m);
  expect(metrics).toMatch(/^nodejs_eventloop_lag_seconds /m);
  expect(metrics).toMatch(/^process_cpu_user_seconds_total /m);
  expect(metrics).toContain('# TYPE osgp_device_command_duration_seconds histogram');
  expect(metrics).toContain('# TYPE osgp_device_commands_queued gauge');

  // One JSON format, the SDK's records included (the worker logs its state at INFO only when debugging, so
  // check the platform's own lines).
  const jsonLines = output.split('\n').filter((line) => line.startsWith('{'));
  expect(jsonLines.length).toBeGreaterThan(0);
  for (const line of jsonLines) expect(JSON.parse(line)).toEqual(expect.objectContaining({ level: expect.any(String), message: expect.any(String) }));

  const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
  process.kill(child!.pid!, 'SIGTERM');
  await exited;
  await expect(fetch(`${base}/health/live`)).rejects.toThrow();
});
