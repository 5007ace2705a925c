// What a fresh benchmark run starts for itself, each in its own process: a PostgreSQL server (the tests'
// throwaway cluster), the platform (`tsx cli/start.ts`: Temporal dev server, migrations, worker, OSLP adapter,
// API) on free ports with a data directory of its own, and simulator fleets (bench/fleet-process.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import net from 'node:net';
import type { SimulatedDeviceEntry } from '../simulators/oslp/provision';
import { startPostgres, type TestPostgres } from '../test/support/postgres';
import { findProcess } from './proc';

export const root = path.resolve(__dirname, '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

export { startPostgres, type TestPostgres };

/**
 * A free port below Linux's ephemeral range (32768-60999): a port the kernel may hand to any outgoing
 * connection (and a mass switch opens tens of thousands) can be taken between choosing and listening.
 */
async function listenablePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

export interface PlatformProcess {
  child: ChildProcess;
  /** The Temporal dev server's address (host:port). */
  temporalAddress: string;
  /** The node process running cli/start.ts (tsx starts node as its child). */
  nodePid: number;
  /** The Temporal dev server the platform started. */
  temporalPid: number | undefined;
  baseUrl: string;
  apiKey: string;
  dataDir: string;
  /** Where the OSLP listener takes device registrations. */
  listenerPort: number;
  platformKeyFile: string;
  output(): string;
  stop(): Promise<void>;
}

export interface PlatformProcessOptions {
  /** PostgreSQL; without it the platform runs on its embedded PGlite (`npm start`'s default). */
  databaseUrl?: string;
  /** Extra environment (tuning knobs). */
  env?: NodeJS.ProcessEnv;
  /** Node options NODE_OPTIONS may not carry (--cpu-prof): then node runs cli/start.ts with tsx's loader itself. */
  nodeArgs?: string[];
  startTimeoutMs?: number;
}

/** Starts the platform on its embedded Temporal dev server against `databaseUrl`, and waits for its first admin key. */
export async function startPlatformProcess(options: PlatformProcessOptions): Promise<PlatformProcess> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'osgp-bench-'));
  const [port, temporalPort, uiPort, listenerPort] = [await listenablePort(), await listenablePort(), await listenablePort(), await listenablePort()];
  const [command, args] = options.nodeArgs?.length
    ? [process.execPath, [...options.nodeArgs, '--import', 'tsx', 'cli/start.ts']]
    : [tsx, ['cli/start.ts']];
  const child = spawn(command, args, {
    cwd: root,
    env: {
      ...process.env,
      OSGP_DATA_DIR: dataDir,
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
      PORT: String(port),
      TEMPORAL_DEV_SERVER_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(uiPort),
      OSLP_LISTENER_PORT: String(listenerPort),
      // The benchmark pages through tens of thousands of results: no rate limit in its way.
      RATE_LIMIT_PER_SECOND: '100000',
      RATE_LIMIT_BURST: '100000',
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: stopping it stops tsx, node and the dev server together
  });
  let output = '';
  const started = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`platform did not start:\n${output.slice(-3000)}`)), options.startTimeoutMs ?? 180_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const key = /First admin API key[^\n]*\n\s*(\S+)/.exec(output)?.[1];
      if (key && output.includes('Press Ctrl-C to stop.')) {
        clearTimeout(timer);
        resolve(key);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > 1_000_000) output = output.slice(-100_000);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`platform exited with ${code}:\n${output.slice(-3000)}`));
    });
  });
  const apiKey = await started.catch((error: unknown) => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // exited already
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  const nodePid = findProcess(child.pid!, (cmd) => cmd.includes('cli/start.ts') && !cmd.includes('node_modules/.bin/tsx')) ?? child.pid!;
  const temporalPid = findProcess(child.pid!, (cmd) => cmd.includes('server start-dev'));
  // Its own dev server, or the cluster TEMPORAL_ADDRESS named (`Temporal   <address>  namespace …`).
  const temporalAddress = (/Temporal dev server\s+(\S+)/.exec(output) ?? /Temporal\s+(\S+)\s+namespace/.exec(output))?.[1];
  if (!temporalAddress) throw new Error(`platform did not say where its Temporal is:\n${output.slice(-3000)}`);
  return {
    child,
    temporalAddress,
    nodePid,
    temporalPid,
    baseUrl: `http://127.0.0.1:${port}`,
    apiKey,
    dataDir,
    listenerPort,
    platformKeyFile: path.join(dataDir, 'keys', 'oslp-platform.pem'),
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        process.kill(-child.pid!, 'SIGINT');
        const timer = setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            // gone already
          }
        }, 30_000);
        await exited;
        clearTimeout(timer);
      }
      // The dev server runs in a process group of its own; make sure it is gone before the data goes.
      if (temporalPid) {
        try {
          process.kill(temporalPid, 'SIGKILL');
        } catch {
          // stopped with the platform
        }
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface FleetProcess {
  pid: number;
  port: number;
  devices: SimulatedDeviceEntry[];
  stats(): Promise<{ lightsOn: number; setLightRequests: number; devices: number }>;
  stop(): Promise<void>;
}

export interface FleetProcessOptions {
  count: number;
  firstDeviceNumber: number;
  prefix: string;
  platformPublicKeyFile: string;
}

/** Starts one fleet process (node with tsx's loader, no wrapper process) and reads its device list. */
export async function startFleetProcess(options: FleetProcessOptions): Promise<FleetProcess> {
  const out = path.join(os.tmpdir(), `osgp-bench-fleet-${process.pid}-${options.firstDeviceNumber}.json`);
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'bench/fleet-process.ts',
      '--count',
      String(options.count),
      '--first',
      String(options.firstDeviceNumber),
      '--prefix',
      options.prefix,
      '--platform-public-key',
      options.platformPublicKeyFile,
      '--out',
      out,
    ],
    { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = readline.createInterface({ input: child.stdout! });
  const waiting: Array<(line: string) => void> = [];
  const early: string[] = [];
  lines.on('line', (line) => {
    const next = waiting.shift();
    if (next) next(line);
    else early.push(line);
  });
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      const line = early.shift();
      if (line !== undefined) return resolve(line);
      waiting.push(resolve);
      child.once('exit', (code) => reject(new Error(`fleet process exited with ${code}`)));
    });
  const ready = await nextLine();
  const port = Number(/^READY (\d+)$/.exec(ready)?.[1]);
  if (!port) throw new Error(`fleet process said "${ready}"`);
  const devices = JSON.parse(fs.readFileSync(out, 'utf8')) as SimulatedDeviceEntry[];
  fs.rmSync(out, { force: true });
  return {
    pid: child.pid!,
    port,
    devices,
    async stats() {
      child.stdin!.write('stats\n');
      return JSON.parse(await nextLine()) as { lightsOn: number; setLightRequests: number; devices: number };
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin!.write('exit\n');
      await exited;
    },
  };
}

export interface AdapterProcess {
  child: ChildProcess;
  nodePid: number;
  stop(): Promise<void>;
}

/**
 * One more OSLP adapter (`tsx cli/start.ts --role adapter-oslp`) on the platform's Temporal and database,
 * with the platform's key: adapters share the `adapter-oslp` task queue, so this is how the adapter scales
 * out (and, on one machine, how it gets a core of its own).
 */
export async function startAdapterProcess(platform: PlatformProcess, databaseUrl: string, env: NodeJS.ProcessEnv = {}): Promise<AdapterProcess> {
  const child = spawn(tsx, ['cli/start.ts', '--role', 'adapter-oslp'], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: platform.temporalAddress,
      OSGP_DATA_DIR: platform.dataDir,
      OSLP_PLATFORM_KEY_FILE: platform.platformKeyFile,
      OSLP_LISTENER_PORT: String(await listenablePort()),
      // Each extra adapter its own health and metrics port (the role's default would collide with the next one).
      METRICS_PORT: String(await listenablePort()),
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`adapter did not start:\n${output.slice(-3000)}`)), 120_000);
    const onData = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-100_000);
      if (output.includes('Press Ctrl-C to stop.')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`adapter exited with ${code}:\n${output.slice(-3000)}`));
    });
  });
  const nodePid = findProcess(child.pid!, (cmd) => cmd.includes('cli/start.ts') && !cmd.includes('node_modules/.bin/tsx')) ?? child.pid!;
  return {
    child,
    nodePid,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid!, 'SIGINT');
      await exited;
    },
  };
}
