/**
 * A real Temporal cluster for tests and benchmarks: the Temporal server (go.temporal.io/server, built by
 * scripts/install-tools.sh) on its own throwaway PostgreSQL, with SQL visibility, the platform's custom search
 * attributes registered, and mutual TLS on the frontend with certificates made here by `openssl`.
 *
 * One server process runs all four services (frontend, history, matching, worker). On one machine that is
 * what several processes would be too, minus three process start-ups and the membership traffic between them;
 * the platform sees only the frontend either way. A production cluster runs the services as separate
 * processes (docs/production-temporal.md) so they can be scaled and restarted one at a time.
 *
 * `startTemporalCluster()` returns the address, the client TLS files and the environment variables the
 * platform reads (TEMPORAL_ADDRESS, TEMPORAL_TLS_*); `restart()` kills the server (SIGKILL) and starts it
 * again on the same ports and database; `stop()` ends everything and deletes the directory.
 *
 *   TEMPORAL_SERVER_PATH, TEMPORAL_SQL_TOOL_PATH, TEMPORAL_SCHEMA_DIR   binaries/schema of your own (default:
 *                                                                     the install-tools.sh cache)
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import net from 'node:net';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { freePort } from '../../common/free-port';
import { toolsDir } from '../../common/temporal-binaries';
import { temporalConnectionSettings, temporalConnectOptions, type TemporalConnectionSettings } from '../../common/connection-settings';
import { ensureSearchAttributes } from '../../worker/search-attributes';
import { startPostgres, type TestPostgres } from './postgres';

const execFileAsync = promisify(execFile);

/** The version scripts/install-tools.sh builds (SERVER_VERSION there). */
export const temporalServerVersion = 'v1.29.1';

export interface ClusterTlsFiles {
  /** CA that signed the frontend's and the client's certificates. */
  caCert: string;
  clientCert: string;
  clientKey: string;
  /** Name in the frontend's certificate (TEMPORAL_TLS_SERVER_NAME). */
  serverName: string;
}

interface ServerTlsFiles extends ClusterTlsFiles {
  serverCert: string;
  serverKey: string;
  /** The client certificate of the server's own worker service (system workflows) towards the frontend. */
  systemWorkerCert: string;
  systemWorkerKey: string;
}

export interface TemporalCluster {
  /** 127.0.0.1:<port> of the frontend (gRPC, mutual TLS). */
  address: string;
  namespace: string;
  tls: ClusterTlsFiles;
  /** TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and TEMPORAL_TLS_* for a platform process. */
  env: Record<string, string>;
  /** The same, parsed as the platform parses them. */
  settings: TemporalConnectionSettings;
  /** Temporal's own PostgreSQL (databases temporal and temporal_visibility). */
  postgres: TestPostgres;
  /** The server's log file. */
  logFile: string;
  /** Process id of the running server (changes on restart). */
  pid(): number | undefined;
  /** A client connection with the cluster's TLS settings; the caller closes it. */
  connect(): Promise<Connection>;
  /** SIGKILLs the server and starts it again (same ports, same database); resolves when it serves again. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface TemporalClusterOptions {
  namespace?: string;
  /** History shards (fixed for the life of the database; default 4). */
  historyShards?: number;
}

interface ClusterBinaries {
  server: string;
  sqlTool: string;
  schemaDir: string;
}

export function resolveClusterBinaries(env: NodeJS.ProcessEnv = process.env): ClusterBinaries {
  const dir = toolsDir(env);
  const bins = {
    server: env.TEMPORAL_SERVER_PATH?.trim() || path.join(dir, 'bin', 'temporal-server'),
    sqlTool: env.TEMPORAL_SQL_TOOL_PATH?.trim() || path.join(dir, 'bin', 'temporal-sql-tool'),
    schemaDir: env.TEMPORAL_SCHEMA_DIR?.trim() || path.join(dir, 'temporal-server-schema', temporalServerVersion),
  };
  const missing = [bins.server, bins.sqlTool, path.join(bins.schemaDir, 'postgresql')].filter((f) => !fs.existsSync(f));
  if (missing.length) {
    throw new Error(`Temporal server not installed (${missing.join(', ')} missing): run \`bash scripts/install-tools.sh cluster\``);
  }
  return bins;
}

/** Is the Temporal server installed (so the cluster tests can run)? */
export function clusterBinariesInstalled(env: NodeJS.ProcessEnv = process.env): boolean {
  try {
    resolveClusterBinaries(env);
    return true;
  } catch {
    return false;
  }
}

async function openssl(cwd: string, args: string[]): Promise<void> {
  try {
    await execFileAsync('openssl', args, { cwd, timeout: 60_000 });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed: ${e.stderr ?? e.message}`);
  }
}

/**
 * A CA, the frontend's certificate (for 127.0.0.1, localhost and `serverName`), a client certificate for the
 * platform and one for the server's own worker service. EC P-256 keys: quick to make.
 */
export async function makeClusterCertificates(dir: string, serverName = 'temporal-frontend.osgp.test'): Promise<ServerTlsFiles> {
  fs.mkdirSync(dir, { recursive: true });
  const file = (name: string) => path.join(dir, name);
  fs.writeFileSync(
    file('ext.cnf'),
    [
      '[ca]',
      'basicConstraints = critical, CA:TRUE',
      'keyUsage = critical, keyCertSign, cRLSign',
      'subjectKeyIdentifier = hash',
      '[server]',
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature, keyEncipherment',
      'extendedKeyUsage = serverAuth, clientAuth',
      `subjectAltName = DNS:${serverName}, DNS:localhost, IP:127.0.0.1`,
      '[client]',
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature, keyEncipherment',
      'extendedKeyUsage = clientAuth',
      '',
    ].join('\n'),
  );
  const key = (name: string) => openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', name]);
  await Promise.all([key('ca.key'), key('server.key'), key('client.key'), key('system-worker.key')]);
  await openssl(dir, ['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=OSGP test Temporal CA', '-days', '30', '-sha256',
    '-extensions', 'ca', '-config', 'ext.cnf', '-out', 'ca.pem']);
  const sign = async (name: string, cn: string, section: string) => {
    await openssl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`]);
    await openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '30',
      '-sha256', '-extfile', 'ext.cnf', '-extensions', section, '-out', `${name}.pem`]);
  };
  await sign('server', serverName, 'server');
  await sign('client', 'osgp-platform', 'client');
  await sign('system-worker', 'temporal-system-worker', 'client');
  return {
    caCert: file('ca.pem'),
    serverCert: file('server.pem'),
    serverKey: file('server.key'),
    clientCert: file('client.pem'),
    clientKey: file('client.key'),
    systemWorkerCert: file('system-worker.pem'),
    systemWorkerKey: file('system-worker.key'),
    serverName,
  };
}

/** Creates and migrates the `temporal` and `temporal_visibility` databases with Temporal's SQL tool. */
async function migrateTemporalSchema(bins: ClusterBinaries, postgres: TestPostgres): Promise<void> {
  const sqlTool = async (database: string, args: string[]) => {
    const argv = ['--plugin', 'postgres12', '--ep', postgres.host, '-p', String(postgres.port), '-u', 'postgres', '--db', database, ...args];
    try {
      await execFileAsync(bins.sqlTool, argv, { timeout: 180_000, maxBuffer: 16 * 1024 * 1024 });
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      throw new Error(`temporal-sql-tool ${argv.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  };
  const schema = path.join(bins.schemaDir, 'postgresql', 'v12');
  await Promise.all(
    (
      [
        ['temporal', 'temporal'],
        ['temporal_visibility', 'visibility'],
      ] as const
    ).map(async ([database, folder]) => {
      if (database !== postgres.database) await sqlTool(database, ['create-database']);
      await sqlTool(database, ['setup-schema', '-v', '0.0']);
      await sqlTool(database, ['update-schema', '-d', path.join(schema, folder, 'versioned')]);
    }),
  );
}

interface ServerPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

function serverConfig(dir: string, postgres: TestPostgres, ports: ServerPorts, tls: ServerTlsFiles, shards: number): string {
  const datastore = (database: string, maxConns: number) => [
    `      sql:`,
    `        pluginName: postgres12`,
    `        databaseName: ${database}`,
    `        connectAddr: "${postgres.host}:${postgres.port}"`,
    `        connectProtocol: tcp`,
    `        user: postgres`,
    `        password: ""`,
    `        maxConns: ${maxConns}`,
    `        maxIdleConns: ${maxConns}`,
    `        maxConnLifetime: 1h`,
  ];
  const service = (name: string, grpc: number, membership: number, extra: string[] = []) => [
    `  ${name}:`,
    `    rpc:`,
    `      grpcPort: ${grpc}`,
    `      membershipPort: ${membership}`,
    `      bindOnIP: 127.0.0.1`,
    ...extra,
  ];
  return [
    'log:',
    '  stdout: true',
    '  level: warn',
    'persistence:',
    '  defaultStore: default',
    '  visibilityStore: visibility',
    `  numHistoryShards: ${shards}`,
    '  datastores:',
    '    default:',
    ...datastore('temporal', 40),
    '    visibility:',
    ...datastore('temporal_visibility', 10),
    'global:',
    '  membership:',
    '    maxJoinDuration: 30s',
    '    broadcastAddress: 127.0.0.1',
    '  tls:',
    // The frontend asks every client for a certificate signed by the CA (mutual TLS); the server's own
    // worker service reaches the frontend as a client too, with a certificate of its own.
    '    frontend:',
    '      server:',
    `        certFile: ${tls.serverCert}`,
    `        keyFile: ${tls.serverKey}`,
    '        requireClientAuth: true',
    `        clientCaFiles: [${tls.caCert}]`,
    '      client:',
    `        serverName: ${tls.serverName}`,
    `        rootCaFiles: [${tls.caCert}]`,
    '    systemWorker:',
    `      certFile: ${tls.systemWorkerCert}`,
    `      keyFile: ${tls.systemWorkerKey}`,
    '      client:',
    `        serverName: ${tls.serverName}`,
    `        rootCaFiles: [${tls.caCert}]`,
    'services:',
    ...service('frontend', ports.frontend, ports.frontendMembership, [`      httpPort: ${ports.frontendHttp}`]),
    ...service('history', ports.history, ports.historyMembership),
    ...service('matching', ports.matching, ports.matchingMembership),
    ...service('worker', ports.worker, ports.workerMembership),
    'clusterMetadata:',
    '  enableGlobalNamespace: false',
    '  failoverVersionIncrement: 10',
    '  masterClusterName: active',
    '  currentClusterName: active',
    '  clusterInformation:',
    '    active:',
    '      enabled: true',
    '      initialFailoverVersion: 1',
    '      rpcName: frontend',
    `      rpcAddress: 127.0.0.1:${ports.frontend}`,
    'dcRedirectionPolicy:',
    '  policy: noop',
    'dynamicConfigClient:',
    `  filepath: ${path.join(dir, 'dynamicconfig.yaml')}`,
    '  pollInterval: 10s',
    '',
  ].join('\n');
}

// Search attributes added a moment ago are usable at once (otherwise up to a cache refresh later), and the
// platform's workflows never wait on a deleted namespace's cleanup.
const dynamicConfig = ['system.forceSearchAttributesCacheRefreshOnRead:', '  - value: true', '    constraints: {}', ''].join('\n');

export async function startTemporalCluster(options: TemporalClusterOptions = {}): Promise<TemporalCluster> {
  const bins = resolveClusterBinaries();
  const namespace = options.namespace ?? 'default';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'osgp-temporal-cluster-'));
  const stops: Array<() => Promise<void>> = [() => Promise.resolve(fs.rmSync(dir, { recursive: true, force: true }))];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  };
  try {
    const [postgres, certs] = await Promise.all([
      startPostgres({ database: 'temporal', maxConnections: 200 }),
      makeClusterCertificates(path.join(dir, 'tls')),
    ]);
    stops.push(() => postgres.stop());
    await migrateTemporalSchema(bins, postgres);

    const portNames: Array<keyof ServerPorts> = ['frontend', 'frontendHttp', 'frontendMembership', 'history', 'historyMembership', 'matching',
      'matchingMembership', 'worker', 'workerMembership'];
    const ports = {} as ServerPorts;
    for (const name of portNames) ports[name] = name.endsWith('Membership') ? await freeLowPort() : await freePort();
    fs.mkdirSync(path.join(dir, 'config'));
    fs.writeFileSync(path.join(dir, 'config', 'osgp.yaml'), serverConfig(dir, postgres, ports, certs, options.historyShards ?? 4));
    fs.writeFileSync(path.join(dir, 'dynamicconfig.yaml'), dynamicConfig);
    const logFile = path.join(dir, 'temporal-server.log');

    const address = `127.0.0.1:${ports.frontend}`;
    const env: Record<string, string> = {
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caCert,
      TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey,
      TEMPORAL_TLS_SERVER_NAME: certs.serverName,
    };
    const settings = temporalConnectionSettings(env);
    const connect = () => Connection.connect({ ...temporalConnectOptions(settings), connectTimeout: 5_000 });

    let server: ChildProcess | undefined;
    const launch = async () => {
      const log = fs.openSync(logFile, 'a');
      const child = spawn(bins.server, ['--root', dir, '--config', 'config', '--env', 'osgp', '--allow-no-auth', 'start'], {
        stdio: ['ignore', log, log],
      });
      fs.closeSync(log);
      server = child;
      await waitUntilServing(connect, namespace, child, logFile);
    };
    const kill = async () => {
      const child = server;
      server = undefined;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    };
    stops.push(kill);
    await launch();

    // The namespace and the platform's search attributes (SQL visibility keeps them per namespace).
    const connection = await connect();
    try {
      await connection.workflowService
        .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('3 days') })
        .catch((error: unknown) => {
          if (!/already exists/i.test(String(error))) throw error;
        });
      await retry(() => ensureSearchAttributes(connection, namespace), 60_000);
    } finally {
      await connection.close();
    }

    return {
      address,
      namespace,
      tls: certs,
      env,
      settings,
      postgres,
      logFile,
      pid: () => server?.pid,
      connect,
      async restart() {
        await kill();
        await launch();
      },
      stop: stopAll,
    };
  } catch (error) {
    const log = path.join(dir, 'temporal-server.log');
    const detail = fs.existsSync(log) ? `\n--- temporal-server log (last lines) ---\n${tail(log)}` : '';
    await stopAll();
    if (error instanceof Error) error.message += detail;
    throw error;
  }
}

/** A free port below 32768: Temporal keeps membership ports in a smallint column. */
async function freeLowPort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer().once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port between 20000 and 32000');
}

async function retry<T>(fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** Until the frontend answers over mutual TLS (and the namespace, when it exists, is served). */
async function waitUntilServing(connect: () => Promise<Connection>, namespace: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  let last: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`temporal-server exited (${child.exitCode ?? child.signalCode}) while starting; log ${logFile}:\n${tail(logFile)}`);
    }
    try {
      const connection = await connect();
      try {
        await connection.workflowService.getSystemInfo({});
        await connection.workflowService.describeNamespace({ namespace }).catch((error: unknown) => {
          if (!/not found/i.test(String(error))) throw error;
        });
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      last = error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  throw new Error(`temporal-server did not serve within 180 s (last error: ${String(last)}); log ${logFile}:\n${tail(logFile)}`);
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').slice(-4000);
  } catch {
    return '(no log)';
  }
}
