/**
 * A throwaway PostgreSQL cluster for tests.
 *
 * `startPostgres()` finds the server binaries (initdb, pg_ctl: PATH, then /usr/lib/postgresql/<newest>/bin),
 * creates a cluster in a fresh temporary directory, starts it on 127.0.0.1 with a free port (unix socket inside
 * that directory, durability off for speed), creates a database and returns its URL. `stop()` stops the server
 * and deletes the directory. PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres`
 * system user, or as a system user `osgptest` created with useradd when that does not exist.
 *
 * With DATABASE_URL_TEST set, that database is used instead and nothing is started.
 * Binaries come from scripts/install-tools.sh (apt-get install postgresql) when a machine lacks them;
 * OSGP_PG_BINDIR names their directory explicitly.
 */
import { freePort } from '../../common/free-port';
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const execFileAsync = promisify(execFile);

export interface TestPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/<database>` (or DATABASE_URL_TEST). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  /** False when DATABASE_URL_TEST was used and nothing was started. */
  readonly started: boolean;
  /** The cluster's temporary directory (data, socket, log); undefined when nothing was started. */
  readonly baseDir?: string;
  /** Stops the server and deletes its directory; a no-op for DATABASE_URL_TEST. Safe to call twice. */
  stop(): Promise<void>;
  /** Stops the server but keeps its data, to start it again with `resume` (a database outage in a test). */
  pause(): Promise<void>;
  /** Starts a paused server again on the same port. */
  resume(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Database to create (default `osgp_test`). */
  database?: string;
  /** max_connections (default 200: several jest workers with connection pools). */
  maxConnections?: number;
  /** Extra `-c name=value` server settings. */
  settings?: Record<string, string | number>;
}

const SUPERUSER = 'postgres';
const FALLBACK_OS_USER = 'osgptest';

/** Directory holding initdb and pg_ctl, or undefined when this machine has none. */
export function findPostgresBinDir(): string | undefined {
  const has = (dir: string) => ['initdb', 'pg_ctl'].every((b) => isExecutable(path.join(dir, b)));
  const explicit = process.env.OSGP_PG_BINDIR?.trim();
  if (explicit) {
    if (!has(explicit)) throw new Error(`OSGP_PG_BINDIR=${explicit} does not contain initdb and pg_ctl`);
    return explicit;
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && has(dir)) return dir;
  }
  const root = '/usr/lib/postgresql';
  let versions: string[] = [];
  try {
    versions = fs.readdirSync(root);
  } catch {
    return undefined;
  }
  versions.sort((a, b) => Number(b) - Number(a) || b.localeCompare(a)); // newest first
  for (const v of versions) {
    const dir = path.join(root, v, 'bin');
    if (has(dir)) return dir;
  }
  return undefined;
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<TestPostgres> {
  const external = process.env.DATABASE_URL_TEST?.trim();
  if (external) return fromExistingUrl(external);

  const binDir = findPostgresBinDir();
  if (!binDir) {
    throw new Error(
      'PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in /usr/lib/postgresql/*/bin. ' +
        'Run `bash scripts/install-tools.sh` (installs Debian\'s postgresql package as root), ' +
        'or set DATABASE_URL_TEST to an existing database.',
    );
  }
  const database = options.database ?? 'osgp_test';
  const runAs = isRoot() ? ensureOsUser() : undefined;
  // As root, /tmp rather than os.tmpdir(): the server's user must be able to reach the directory.
  const baseDir = fs.mkdtempSync(path.join(runAs ? '/tmp' : os.tmpdir(), 'osgp-pg-'));
  const dataDir = path.join(baseDir, 'data');
  const socketDir = path.join(baseDir, 'socket');
  const logFile = path.join(baseDir, 'postgres.log');
  fs.mkdirSync(socketDir);
  if (runAs) chownRecursive(baseDir, runAs.uid, runAs.gid);

  const cmd = (bin: string, args: string[]): [string, string[]] => {
    const file = path.join(binDir, bin);
    return runAs ? [runuserPath(), ['-u', runAs.name, '--', file, ...args]] : [file, args];
  };
  const run = async (bin: string, args: string[], timeoutMs = 120_000): Promise<void> => {
    const [file, argv] = cmd(bin, args);
    try {
      await execFileAsync(file, argv, { cwd: baseDir, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      let log = '';
      try {
        log = fs.readFileSync(logFile, 'utf8').slice(-4000);
      } catch {
        /* no log yet */
      }
      throw new Error(
        `${bin} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}${log ? `\n--- ${logFile} ---\n${log}` : ''}`,
      );
    }
  };

  let started = false;
  let stopped = false;
  const stopSync = () => {
    // Last resort on process exit (a test run that never reached stop()).
    if (stopped) return;
    stopped = true;
    if (started) {
      const [file, argv] = cmd('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', '-s', 'stop']);
      spawnSync(file, argv, { cwd: baseDir, stdio: 'ignore', timeout: 30_000 });
    }
    fs.rmSync(baseDir, { recursive: true, force: true });
  };
  process.once('exit', stopSync);

  try {
    await run('initdb', ['-D', dataDir, '-U', SUPERUSER, '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    const port = await freePort();
    const settings: Record<string, string | number> = {
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      max_connections: options.maxConnections ?? 200,
      ...options.settings,
    };
    // pg_ctl hands -o to a shell: quote every value.
    const serverOpts = [
      `-h 127.0.0.1`,
      `-p ${port}`,
      `-k ${shellQuote(socketDir)}`,
      ...Object.entries(settings).map(([k, v]) => `-c ${shellQuote(`${k}=${v}`)}`),
    ].join(' ');
    started = true;
    const startServer = () => run('pg_ctl', ['-D', dataDir, '-l', logFile, '-o', serverOpts, '-w', '-t', '60', '-s', 'start'], 90_000);
    await startServer();

    const admin = new Client({ host: '127.0.0.1', port, user: SUPERUSER, database: 'postgres' });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${quoteIdent(database)}`);
    } finally {
      await admin.end();
    }

    const url = `postgres://${SUPERUSER}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
    return {
      url,
      host: '127.0.0.1',
      port,
      database,
      started: true,
      baseDir,
      pause: () => run('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-s', 'stop'], 60_000),
      resume: startServer,
      async stop() {
        if (stopped) return;
        stopped = true;
        process.removeListener('exit', stopSync);
        try {
          await run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', '-s', 'stop'], 60_000);
        } finally {
          fs.rmSync(baseDir, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    process.removeListener('exit', stopSync);
    stopSync();
    throw err;
  }
}

function fromExistingUrl(url: string): TestPostgres {
  const u = new URL(url);
  return {
    url,
    host: u.hostname,
    port: Number(u.port || 5432),
    database: decodeURIComponent(u.pathname.replace(/^\//, '')),
    started: false,
    async stop() {
      /* not ours */
    },
    pause: () => Promise.reject(new Error('DATABASE_URL_TEST: the database is not ours to stop')),
    resume: () => Promise.reject(new Error('DATABASE_URL_TEST: the database is not ours to start')),
  };
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

function lookupUser(name: string): OsUser | undefined {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** The non-root user the server runs as when we are root: `postgres`, else `osgptest` (created if needed). */
function ensureOsUser(): OsUser {
  const existing = lookupUser('postgres') ?? lookupUser(FALLBACK_OS_USER);
  if (existing) return existing;
  const res = spawnSync(
    'useradd',
    ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', FALLBACK_OS_USER],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // Exit code 9: created meanwhile by a parallel run.
  const created = lookupUser(FALLBACK_OS_USER);
  if (!created) {
    throw new Error(`useradd ${FALLBACK_OS_USER} failed (exit ${res.status}): ${res.stderr || res.error?.message || ''}`);
  }
  return created;
}

function runuserPath(): string {
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/sbin', '/usr/bin', '/bin']) {
    if (dir && isExecutable(path.join(dir, 'runuser'))) return path.join(dir, 'runuser');
  }
  throw new Error('runuser (util-linux) not found: needed to run PostgreSQL as a non-root user');
}

function chownRecursive(dir: string, uid: number, gid: number): void {
  fs.chownSync(dir, uid, gid);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) chownRecursive(p, uid, gid);
    else fs.chownSync(p, uid, gid);
  }
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

