/**
 * The production topology on one machine: a Temporal cluster (test/support/temporal-cluster.ts, mutual TLS),
 * the platform's own PostgreSQL, and platform processes started as production starts them, one role each
 * (`tsx cli/start.ts --role …`), configured only through the environment. Used by the cluster tests and by
 * `npm run bench -- --temporal cluster`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../common/free-port';
import { openDatabase } from '../../db/client';
import { migrateToLatest } from '../../db/migrate';
import { loadOrCreatePlatformKey, type PlatformKey } from '../../worker/platform-key';
import { loadOrCreateDlmsKeyStore } from '../../core/keys/dlms-key-store';
import { startPostgres, type TestPostgres } from './postgres';
import { startTemporalCluster, type TemporalCluster } from './temporal-cluster';

const root = path.resolve(__dirname, '..', '..');

export type PlatformRole = 'api' | 'worker' | 'adapter-oslp';

export interface PlatformProcess {
  name: string;
  role: PlatformRole;
  /** The API's base URL (api role only). */
  baseUrl?: string;
  child: ChildProcess;
  output(): string;
  /** SIGKILL of the process group (tsx runs node as its child). */
  kill(): Promise<void>;
  /** SIGTERM and wait: a clean stop. */
  stop(): Promise<void>;
  /** Starts the same role again with the same settings (an API keeps its port). */
  restart(): Promise<void>;
}

export interface ClusterTopology {
  temporal: TemporalCluster;
  /** The platform's PostgreSQL (not Temporal's). */
  postgres: TestPostgres;
  databaseUrl: string;
  platformKey: PlatformKey;
  /** The environment every platform process gets. */
  env: NodeJS.ProcessEnv;
  processes: PlatformProcess[];
  /** Processes that ended without being told to (crashes), as `name (role): exit code`. */
  unexpectedExits: string[];
  byName(name: string): PlatformProcess;
  start(name: string, role: PlatformRole): Promise<PlatformProcess>;
  stop(): Promise<void>;
}

export interface ClusterTopologyOptions {
  /** Processes to start: name -> role, e.g. { 'api-1': 'api', 'worker-1': 'worker' }. APIs start after the rest. */
  processes: Record<string, PlatformRole>;
  /** Extra environment of every platform process. */
  env?: Record<string, string>;
}

export async function startClusterTopology(options: ClusterTopologyOptions): Promise<ClusterTopology> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'osgp-topology-'));
  const cleanups: Array<() => Promise<void>> = [async () => fs.rmSync(dataDir, { recursive: true, force: true })];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const [temporal, postgres] = await Promise.all([
      startTemporalCluster().then((c) => (cleanups.push(() => c.stop()), c)),
      startPostgres({ database: 'osgp_cluster', maxConnections: 300 }).then((p) => (cleanups.push(() => p.stop()), p)),
    ]);
    // Migrations are their own step, before any process starts (several starting at once must not race them).
    const db = await openDatabase({ url: postgres.url, embeddedDir: '' });
    try {
      await migrateToLatest(db);
    } finally {
      await db.close();
    }
    const platformKey = loadOrCreatePlatformKey(path.join(dataDir, 'keys', 'oslp-platform.pem'));
    const dlmsKeys = loadOrCreateDlmsKeyStore(path.join(dataDir, 'keys', 'dlms-keys.key'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...temporal.env,
      DATABASE_URL: postgres.url,
      DATABASE_POOL_SIZE: '10',
      OSGP_DATA_DIR: dataDir,
      OSLP_PLATFORM_KEY_FILE: platformKey.file,
      DLMS_KEY_FILE: dlmsKeys.file,
      OSLP_LISTENER_PORT: '0',
      OSLP_CONNECT_TIMEOUT_MS: '2000',
      OSLP_RESPONSE_TIMEOUT_MS: '3000',
      RATE_LIMIT_PER_SECOND: '100000',
      RATE_LIMIT_BURST: '100000',
      LOG_LEVEL: 'warn',
      ...options.env,
    };
    // The jest worker's NODE_OPTIONS (vm modules) are not the platform's.
    delete env.NODE_OPTIONS;

    const processes: PlatformProcess[] = [];
    const unexpectedExits: string[] = [];
    cleanups.push(async () => {
      await Promise.all(processes.map((p) => p.kill()));
    });
    const start = async (name: string, role: PlatformRole): Promise<PlatformProcess> => {
      const existing = processes.find((p) => p.name === name);
      if (existing) throw new Error(`${name} already exists`);
      const proc = await launch(name, role, env, role === 'api' ? await freePort() : undefined, path.join(dataDir, `${name}.log`), unexpectedExits);
      processes.push(proc);
      return proc;
    };
    const entries = Object.entries(options.processes);
    await Promise.all(entries.filter(([, role]) => role !== 'api').map(([name, role]) => start(name, role)));
    // APIs one after the other: the first one creates the platform's admin organisation.
    for (const [name, role] of entries.filter(([, r]) => r === 'api')) await start(name, role);

    return {
      temporal,
      postgres,
      databaseUrl: postgres.url,
      platformKey,
      env,
      processes,
      unexpectedExits,
      byName(name) {
        const found = processes.find((p) => p.name === name);
        if (!found) throw new Error(`no platform process ${name}`);
        return found;
      },
      start,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function launch(name: string, role: PlatformRole, env: NodeJS.ProcessEnv, port: number | undefined, logFile: string, unexpectedExits: string[]): Promise<PlatformProcess> {
  let output = '';
  let child!: ChildProcess;
  let expectedExit = false;
  // Several processes of one role on one host: each its own health and metrics port (the role defaults collide).
  const metricsPort = await freePort();
  const spawnIt = () =>
    new Promise<void>((resolve, reject) => {
      output = '';
      child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), ['cli/start.ts', '--role', role], {
        cwd: root,
        env: { ...env, METRICS_PORT: String(metricsPort), ...(port ? { PORT: String(port), HOST: '127.0.0.1' } : {}) },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      const timer = setTimeout(() => reject(new Error(`${name} (${role}) did not start within 180 s:\n${output.slice(-3000)}`)), 180_000);
      expectedExit = false;
      const log = fs.createWriteStream(logFile, { flags: 'a' });
      child.stdout!.pipe(log);
      child.stderr!.pipe(log);
      child.stdout!.on('data', (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-200_000);
        if (output.includes('Open Smart Grid Platform is running')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-200_000)));
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${name} (${role}) exited (${code ?? signal}) while starting:\n${output.slice(-3000)}`));
        // A process that dies on its own is a finding: say so, with its last words.
        if (!expectedExit) unexpectedExits.push(`${name} (${role}): ${code ?? signal}`);
        if (!expectedExit) console.error(`[topology] ${name} (${role}) exited by itself (${code ?? signal}); its last output:\n${output.slice(-4000)}`);
      });
    });
  const alive = () => child.exitCode === null && child.signalCode === null;
  const signal = async (sig: NodeJS.Signals) => {
    if (!alive()) return;
    expectedExit = true;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      process.kill(-child.pid!, sig);
    } catch {
      return;
    }
    await exited;
  };
  await spawnIt();
  const proc: PlatformProcess = {
    name,
    role,
    baseUrl: port ? `http://127.0.0.1:${port}` : undefined,
    get child() {
      return child;
    },
    output: () => output,
    kill: () => signal('SIGKILL'),
    stop: () => signal('SIGTERM'),
    restart: async () => {
      await signal('SIGKILL');
      await spawnIt();
    },
  };
  return proc;
}
