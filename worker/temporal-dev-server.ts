/**
 * Starts a real Temporal dev server (`temporal server start-dev`, with its Web UI) as a child process: for the
 * embedded defaults of `npm start` (history kept in a SQLite file in the data directory) and for the
 * integration tests (in memory, free ports). The binary comes from TEMPORAL_CLI_PATH or the cache of
 * scripts/install-tools.sh (common/temporal-binaries.ts). Waits until it serves gRPC and registers the
 * platform's search attributes.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { freePort } from '../common/free-port';
import { resolveTemporalCli } from '../common/temporal-binaries';
import { removeDevServerRecord, stopRecordedDevServer, writeDevServerRecord } from './dev-server-record';
import { ensureSearchAttributes } from './search-attributes';

export interface TemporalDevServer {
  /** gRPC `host:port`. */
  readonly address: string;
  readonly namespace: string;
  /** Web UI; undefined when headless. */
  readonly uiUrl?: string;
  /** Stops the server (SIGTERM, SIGKILL after 10 s). Safe to call twice. */
  stop(): Promise<void>;
  /** The pid of an orphan of an earlier start that this start stopped (see `recordFile`). */
  readonly orphanStopped?: number;
}

export interface StartTemporalDevServerOptions {
  namespace?: string;
  ip?: string;
  /** gRPC port; default a free one. */
  port?: number;
  /** Web UI port; default a free one. */
  uiPort?: number;
  /** Start the Web UI (default true). */
  ui?: boolean;
  /** SQLite file that keeps the history across restarts; default in memory. */
  dbFilename?: string;
  /** Where the server's output goes; default a file in a temporary directory. */
  logFile?: string;
  /** How long to wait for the server to serve gRPC (default 60 s). */
  startTimeoutMs?: number;
  /**
   * Where the running server is recorded (pid and command line). A server still running from an earlier
   * start with the same record (its parent was killed) is stopped first; a clean stop removes the record.
   */
  recordFile?: string;
}

export async function startTemporalDevServer(options: StartTemporalDevServerOptions = {}): Promise<TemporalDevServer> {
  const cli = resolveTemporalCli();
  if (!cli) {
    throw new Error(
      'Temporal CLI not found: run `npm run setup` (builds it into ~/.cache/osgp-tools/bin), set TEMPORAL_CLI_PATH ' +
        'to a `temporal` binary, or set TEMPORAL_ADDRESS to a running Temporal server.',
    );
  }
  const namespace = options.namespace ?? 'default';
  const ip = options.ip ?? '127.0.0.1';
  const ui = options.ui ?? true;
  const port = options.port ?? (await freePort(ip));
  const uiPort = ui ? (options.uiPort ?? (await freePort(ip))) : undefined;
  const args = [
    'server', 'start-dev',
    '--ip', ip,
    '--port', String(port),
    ...(uiPort ? ['--ui-port', String(uiPort)] : ['--headless']),
    '--namespace', namespace,
    '--log-level', 'warn',
    '--log-format', 'json',
    ...(options.dbFilename ? ['--db-filename', options.dbFilename] : []),
    // Newly registered search attributes are usable at once.
    '--dynamic-config-value', 'system.forceSearchAttributesCacheRefreshOnRead=true',
    // The priority-aware task matcher, so a request's x-osgp-priority orders backlogged device commands.
    '--dynamic-config-value', 'matching.useNewMatcher=true',
  ];

  const orphanStopped = options.recordFile ? await stopRecordedDevServer(options.recordFile) : undefined;

  const logDir = options.logFile ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'osgp-temporal-'));
  const logFile = options.logFile ?? path.join(logDir!, 'dev-server.log');
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  if (options.dbFilename) fs.mkdirSync(path.dirname(options.dbFilename), { recursive: true });
  const logFd = fs.openSync(logFile, 'a');
  // Its own process group: a Ctrl-C in the terminal reaches the platform, which then stops the server last,
  // after the workers that still talk to it.
  const child = spawn(cli, args, { stdio: ['ignore', logFd, logFd], detached: true });
  fs.closeSync(logFd);
  const { recordFile } = options;
  if (recordFile && child.pid !== undefined) writeDevServerRecord(recordFile, { pid: child.pid, command: [cli, ...args] });

  let exited: string | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = signal ? `signal ${signal}` : `exit code ${code}`;
      resolve();
    });
    child.once('error', (error) => {
      exited = `spawn error: ${error.message}`;
      resolve();
    });
  });
  const killOnExit = () => {
    if (!exited) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', killOnExit);
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(timer);
    }
    if (recordFile) removeDevServerRecord(recordFile, child.pid);
    if (logDir) fs.rmSync(logDir, { recursive: true, force: true });
  };

  const address = `${ip}:${port}`;
  try {
    const connection = await connectWhenReady(address, Date.now() + (options.startTimeoutMs ?? 60_000), () => exited);
    try {
      await ensureSearchAttributes(connection, namespace);
    } finally {
      await connection.close();
    }
  } catch (error) {
    const tail = readTail(logFile);
    await stop();
    throw new Error(
      `Temporal dev server (${cli} ${args.join(' ')}) did not come up: ${(error as Error).message}` +
        (tail ? `\n--- server output ---\n${tail}` : ''),
    );
  }
  return { address, namespace, uiUrl: uiPort ? `http://${ip}:${uiPort}` : undefined, stop, orphanStopped };
}

async function connectWhenReady(address: string, deadline: number, exited: () => string | undefined): Promise<Connection> {
  let lastError: unknown;
  for (;;) {
    const ended = exited();
    if (ended) throw new Error(`the server process ended (${ended})`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return connection;
      } catch (error) {
        await connection.close();
        throw error;
      }
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`no gRPC on ${address} in time: ${(lastError as Error | undefined)?.message}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function readTail(file: string, max = 6000): string {
  try {
    return fs.readFileSync(file, 'utf8').slice(-max);
  } catch {
    return '';
  }
}
