/**
 * `npm start` on its embedded defaults, as a newcomer runs it: it starts a Temporal dev server, an embedded
 * database and every role, prints where they are and the first admin key; Ctrl-C stops all of it; a restart
 * keeps the data (organisations, and the Temporal history of a request).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../common/free-port';
import { generateKeyPair, publicKeyToPem } from '../../adapters/oslp/envelope';
import { platformClient } from '../../simulators/oslp/provision';
import { waitForRequest } from '../support/requests';

jest.setTimeout(180_000);

const root = path.resolve(__dirname, '..', '..');
let dataDir: string;
let env: NodeJS.ProcessEnv;
let running: ChildProcess | undefined;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'osgp-embedded-'));
  env = {
    ...process.env,
    OSGP_DATA_DIR: dataDir,
    PORT: String(await freePort()),
    TEMPORAL_DEV_SERVER_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    OSLP_LISTENER_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
    DEVICE_COMMAND_MAX_ATTEMPTS: '2',
    METRICS_PORT: String(await freePort()),
  };
  delete env.DATABASE_URL;
  delete env.TEMPORAL_ADDRESS;
});

afterAll(async () => {
  if (running?.pid && running.exitCode === null && running.signalCode === null) {
    try {
      process.kill(-running.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Runs `npm start` and resolves with its output once it says it is running. */
function start(): Promise<{ child: ChildProcess; output: () => string }> {
  let output = '';
  const child = spawn('npm', ['start'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  running = child;
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes('Press Ctrl-C to stop.')) {
        clearInterval(timer);
        resolve({ child, output: () => output });
      }
    }, 100);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`npm start exited with ${code}:\n${output.slice(-3000)}`));
    });
  });
}

/** Ctrl-C: SIGINT to the whole process group, as a terminal sends it; resolves once npm has exited. */
async function interrupt(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-child.pid!, 'SIGINT');
  await exited;
}

async function waitFor(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function portIsOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

test('npm start runs everything embedded, stops on Ctrl-C, and keeps its data across a restart', async () => {
  const first = await start();
  const printed = first.output();
  const api = `http://127.0.0.1:${env.PORT}`;
  expect(printed).toContain(`Temporal Web UI      http://127.0.0.1:${env.TEMPORAL_UI_PORT}`);
  expect(printed).toContain(`embedded PGlite at ${path.join(dataDir, 'pglite')}`);
  expect(printed).toContain(`HTTP API             ${api}`);
  const adminKey = /First admin API key \(shown once, store it now\):\n\s+(osgp_\S+)/.exec(printed)?.[1];
  expect(adminKey).toBeDefined();

  const health = await fetch(`${api}/health`);
  expect(await health.json()).toEqual({ status: 'ok', database: 'ok', temporal: 'ok' });
  expect((await fetch(`http://127.0.0.1:${env.TEMPORAL_UI_PORT}/`)).status).toBe(200);

  const admin = platformClient(api, adminKey!);
  const created = await admin.admin.createOrganisation({
    body: { organisationIdentification: 'city-of-test', name: 'City of Test', platformFunctionGroup: 'USER' },
  });
  expect(created.status).toBe(201);
  // A device that is not there (nothing listens on its port): the request ends NOT_OK after its attempts.
  const added = await admin.core.addDevice({
    body: {
      deviceIdentification: 'LAMP-GONE',
      protocol: 'OSLP',
      networkAddress: '127.0.0.1',
      port: await freePort(),
      deviceUid: randomBytes(12).toString('base64'),
      publicKey: publicKeyToPem(generateKeyPair().publicKey),
      activated: true,
    },
  });
  expect(added.status).toBe(201);
  const accepted = await admin.publicLighting.setLight({
    body: { deviceIdentifications: ['LAMP-GONE'], lightValues: [{ index: 0, on: true }] },
  });
  if (accepted.status !== 202) throw new Error(`setLight answered ${accepted.status}`);
  const { correlationUid } = accepted.body;
  const before = await waitForRequest(admin, correlationUid);
  expect(before.devices[0]).toMatchObject({ result: 'NOT_OK', errorCode: 'CONNECT_FAILED', attempts: 2 });

  await interrupt(first.child);
  await waitFor(() => first.output().includes('Stopped.'));
  expect(await portIsOpen(Number(env.TEMPORAL_DEV_SERVER_PORT))).toBe(false);
  expect(await portIsOpen(Number(env.PORT))).toBe(false);

  const second = await start();
  expect(second.output()).toContain('Admin API key: create one with `npm run admin-key`');
  const again = await admin.admin.createOrganisation({
    body: { organisationIdentification: 'city-of-test', name: 'City of Test', platformFunctionGroup: 'USER' },
  });
  expect(again.status).toBe(409);
  // The request's record and its Temporal history survived the restart.
  expect(await waitForRequest(admin, correlationUid)).toEqual(before);
  const history = await fetch(
    `http://127.0.0.1:${env.TEMPORAL_UI_PORT}/api/v1/namespaces/default/workflows/${encodeURIComponent(correlationUid)}`,
  );
  expect(history.status).toBe(200);
  expect(JSON.stringify(await history.json())).toContain('setLightWorkflow');
  await interrupt(second.child);
  await waitFor(() => second.output().includes('Stopped.'));
});
