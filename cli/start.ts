// `npm start`: the platform on its embedded defaults in one command — a local Temporal dev server (with
// Web UI), an embedded database (unless DATABASE_URL names one), migrations, the core worker, the OSLP
// adapter with its listener, and the HTTP API. With TEMPORAL_ADDRESS and DATABASE_URL it starts nothing of
// its own. `--role api|worker|adapter-oslp` runs one role per process, as production does.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { createApp } from '../api/server';
import { apiTemporalConnectionOptions } from '../api/temporal-connection';
import { createRequestService, deviceRequestOptionsFrom } from '../core/requests/start-request';
import { createApiServer, tlsEnabled } from '../api/tls';
import { loadConfig, type PlatformConfig } from '../common/config';
import { temporalConnectOptions } from '../common/connection-settings';
import { createLogger, temporalLogger, type Logger } from '../common/logger';
import { MetricsRegistry } from '../common/metrics';
import { startOpsServer, type OpsServer } from '../common/ops-server';
import { watchWorker } from '../worker/worker-metrics';
import { openDatabase, type Database } from '../db/client';
import { migrateToLatest, pendingMigrations } from '../db/migrate';
import { createCoreWorker } from '../worker/core-worker';
import { deviceMonitoringScheduleId, deviceMonitoringSettingsFrom, ensureDeviceMonitoringSchedule } from '../core/monitoring/schedule';
import { startRetentionJob } from '../worker/retention';
import { startProtocolAdapter } from '../worker/adapters';
import { protocolRegistry } from '../core/protocols';
import { loadOrCreateDlmsKeyStore } from '../core/keys/dlms-key-store';
import { firmwareSettingsFrom } from '../core/firmware/settings';
import { ensureSearchAttributes } from '../worker/search-attributes';
import { startTemporalDevServer } from '../worker/temporal-dev-server';
import { bootstrapAdmin } from './bootstrap';

/** api, worker, and one adapter role per protocol of the registry. */
const roles = ['api', 'worker', ...protocolRegistry.map((p) => p.workerRole)] as const;
type Role = (typeof roles)[number];

/** `--role all` (the default) or a comma-separated list of roles, e.g. `--role worker,adapter-oslp`. */
function parseRoles(value: string): Set<Role> {
  if (value === 'all') return new Set(roles);
  const wanted = value.split(',').map((r) => r.trim());
  const unknown = wanted.filter((r) => !(roles as readonly string[]).includes(r));
  if (unknown.length) throw new Error(`--role: unknown role ${unknown.join(', ')}; use all or ${roles.join(', ')}`);
  return new Set(wanted as Role[]);
}

const shutdownState = { stopping: false };
/** This process's health and metrics server, unless METRICS_PORT=0. */
let ops: OpsServer | undefined;

/** Distinct defaults per role, so one role per process on one machine needs no METRICS_PORT each. */
const defaultMetricsPorts: Record<Role, number> = Object.fromEntries(roles.map((r, i) => [r, 9464 + i])) as Record<Role, number>;

function defaultMetricsPort(selected: ReadonlySet<Role>): number {
  return defaultMetricsPorts[roles.find((r) => selected.has(r)) ?? 'api'];
}
const shutdownDeadlineMs = 30_000;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { role: { type: 'string', default: 'all' } } });
  const selected = parseRoles(values.role ?? 'all');
  const embedded = values.role === 'all';
  const role = [...selected].join(',');
  const config = loadConfig();
  tlsEnabled(config); // a partial TLS configuration stops here, before anything is started
  const logger = createLogger({ component: role }, config.LOG_LEVEL);
  // The SDK's own log (worker state, bundling) only from warnings up, unless debugging.
  // Signals are ours to handle: the stop order below (API, workers, connections, database, Temporal) matters.
  // Its records go through our logger, so the process writes one JSON format.
  Runtime.install({ logger: temporalLogger(logger, config.LOG_LEVEL === 'debug' ? 'INFO' : 'WARN'), shutdownSignals: [] });
  if (!embedded && !config.DATABASE_URL) {
    throw new Error(`--role ${role} shares its database with other processes: set DATABASE_URL to a PostgreSQL server`);
  }

  const stops: Array<() => Promise<void>> = [];
  const printed: string[] = [];
  const shutdown = async (signal: string) => {
    if (shutdownState.stopping) return;
    shutdownState.stopping = true;
    logger.info('stopping', { signal });
    ops?.markStopping();
    // A part that hangs must not keep the operator waiting forever.
    setTimeout(() => {
      process.stderr.write(`Not stopped after ${shutdownDeadlineMs / 1000} s; exiting anyway.\n`);
      process.exit(1);
    }, shutdownDeadlineMs).unref();
    // Parts still starting may fail once their dependencies close: that is expected now.
    for (const stop of stops.reverse()) {
      await stop().catch((error: unknown) => logger.warn('error while stopping', { error }));
    }
    process.stdout.write('Stopped.\n');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  fs.mkdirSync(config.dataDir, { recursive: true });

  // Temporal: the configured cluster, or a local dev server that keeps its history in the data directory.
  let temporalAddress = config.TEMPORAL_ADDRESS;
  let temporalUiUrl = config.TEMPORAL_UI_URL;
  if (!temporalAddress) {
    if (!embedded) temporalAddress = 'localhost:7233';
    else {
      const devServer = await startTemporalDevServer({
        port: config.TEMPORAL_DEV_SERVER_PORT,
        uiPort: config.TEMPORAL_UI_PORT,
        dbFilename: path.join(config.dataDir, 'temporal.sqlite'),
        logFile: path.join(config.dataDir, 'temporal.log'),
        namespace: config.TEMPORAL_NAMESPACE,
        recordFile: path.join(config.dataDir, 'temporal-dev-server.json'),
      });
      if (devServer.orphanStopped) logger.info('stopped the Temporal dev server an earlier start left running', { pid: devServer.orphanStopped });
      stops.push(() => devServer.stop());
      temporalAddress = devServer.address;
      printed.push(`Temporal dev server  ${devServer.address}  (log: ${path.join(config.dataDir, 'temporal.log')})`);
      printed.push(`Temporal Web UI      ${devServer.uiUrl}`);
      temporalUiUrl ??= devServer.uiUrl;
    }
  } else {
    printed.push(`Temporal             ${temporalAddress}  namespace ${config.TEMPORAL_NAMESPACE} (${config.temporal.source})`);
  }

  const metrics = new MetricsRegistry();
  const statements = metrics.counter('osgp_db_statements_total', 'SQL statements sent to the database by this process');
  const metricsPort = config.METRICS_PORT ?? defaultMetricsPort(selected);
  if (metricsPort !== 0) {
    ops = await startOpsServer({ host: config.METRICS_HOST ?? config.HOST, port: metricsPort, metrics });
    const server = ops;
    stops.push(() => server.stop());
    printed.push(`Health and metrics   http://${server.host}:${server.port}/health/ready  /health/live  /metrics`);
  }
  const db = await openDatabase({
    ...config.database,
    embeddedDir: path.join(config.dataDir, 'pglite'),
    onStatement: () => statements.inc(),
  });
  stops.push(() => db.close());
  await bringDatabaseUpToDate(db, embedded || config.MIGRATE_ON_START, logger);
  printed.push(`Database             ${db.description}`);
  ops?.addReadinessCheck('database', () => db.prisma.$queryRawUnsafe('SELECT 1'));
  const watch = (worker: Worker) => ops?.addReadinessCheck(`worker ${worker.options.taskQueue}`, watchWorker(metrics, worker));

  const adapterProtocols = protocolRegistry.filter((p) => selected.has(p.workerRole));
  if (selected.has('worker') || adapterProtocols.length > 0) {
    const connection = await NativeConnection.connect(temporalConnectOptions(config.temporal, temporalAddress));
    stops.push(() => connection.close());
    const clientConnection = await Connection.connect(temporalConnectOptions(config.temporal, temporalAddress));
    stops.push(() => clientConnection.close());
    ops?.addReadinessCheck('temporal', () =>
      clientConnection.withDeadline(Date.now() + 2_000, () => clientConnection.workflowService.getSystemInfo({})),
    );
    const added = await ensureSearchAttributes(clientConnection, config.TEMPORAL_NAMESPACE);
    if (added.length) logger.info('search attributes registered', { added });

    if (selected.has('worker')) {
      const worker = await createCoreWorker({
        connection,
        namespace: config.TEMPORAL_NAMESPACE,
        prisma: db.prisma,
        logger,
        notificationRetryPeriodMs: config.NOTIFICATION_RETRY_PERIOD_MS,
        firmware: firmwareSettingsFrom(config, db.prisma),
      });
      const running = worker.run();
      watch(worker);
      stops.push(async () => {
        worker.shutdown();
        await running;
      });
      printed.push(`Core worker          task queue "core"`);
      // Device status monitoring and time synchronisation: the platform's schedule, as configured now.
      const monitoring = deviceMonitoringSettingsFrom(config);
      await ensureDeviceMonitoringSchedule(new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE }), monitoring);
      printed.push(`Device monitoring    every ${monitoring.intervalMs / 1000} s (schedule "${deviceMonitoringScheduleId}")`);
      const retention = startRetentionJob({ prisma: db.prisma, retentionDays: config.REQUEST_RETENTION_DAYS, logger });
      stops.push(async () => retention.stop());
    }
    for (const { name } of adapterProtocols) {
      const adapter = await startProtocolAdapter(name, { connection, clientConnection, config, prisma: db.prisma, logger, metrics });
      watch(adapter.worker);
      stops.push(() => adapter.stop());
      printed.push(`${`${name} adapter`.padEnd(20)} ${adapter.description.join('; ')}`);
    }
  }

  if (selected.has('api')) {
    await startApi(config, db, temporalAddress, temporalUiUrl, logger, metrics, stops, printed);
  }

  ops?.markStarted();
  process.stdout.write(`\nOpen Smart Grid Platform is running (${role}).\n${printed.map((l) => `  ${l}`).join('\n')}\n\n`);
  if (selected.has('api')) {
    const firstKey = await bootstrapAdmin(db.prisma);
    process.stdout.write(
      firstKey
        ? `First admin API key (shown once, store it now):\n  ${firstKey}\n\n`
        : 'Admin API key: create one with `npm run admin-key` (keys are stored hashed and cannot be shown again).\n\n',
    );
  }
  process.stdout.write('Press Ctrl-C to stop.\n');
}

/**
 * The embedded start migrates; a role process of a deployment only checks, since several of them start at
 * once and the schema change is the operator's step (`npm run migrate`) before them.
 */
async function bringDatabaseUpToDate(db: Database, migrate: boolean, logger: Logger): Promise<void> {
  if (migrate) {
    const applied = await migrateToLatest(db);
    if (applied.length) logger.info('database migrated', { applied });
    return;
  }
  const pending = await pendingMigrations(db);
  if (pending.length) {
    throw new Error(
      `the database lacks ${pending.length} migration(s) (${pending.join(', ')}): run \`npm run migrate\` first (or set MIGRATE_ON_START=true)`,
    );
  }
}

async function startApi(
  config: PlatformConfig,
  db: Database,
  temporalAddress: string,
  temporalUiUrl: string | undefined,
  logger: Logger,
  metrics: MetricsRegistry,
  stops: Array<() => Promise<void>>,
  printed: string[],
): Promise<void> {
  // Bounded calls: with Temporal down, a request is refused with 503 within API_TEMPORAL_TIMEOUT_MS. (Eager
  // workflow start on the core worker's native connection was tried: its gain was within the noise, and that
  // connection would bypass this bound, so the API keeps a connection of its own.)
  const connection = await Connection.connect({
    ...temporalConnectOptions(config.temporal, temporalAddress),
    ...apiTemporalConnectionOptions(temporalAddress, config.API_TEMPORAL_TIMEOUT_MS),
  });
  stops.push(() => connection.close());
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  ops?.addReadinessCheck('temporal', () => connection.withDeadline(Date.now() + 2_000, () => connection.workflowService.getSystemInfo({})));
  const requests = createRequestService({
    prisma: db.prisma,
    temporal,
    logger,
    deviceRequestOptions: deviceRequestOptionsFrom(config),
  });
  // The API seals the keys of meters it adds with the same secret the DLMS adapter opens them with.
  const dlmsKeys = loadOrCreateDlmsKeyStore(config.dlmsKeyFile);
  const firmware = firmwareSettingsFrom(config, db.prisma);
  printed.push(`Firmware store       ${firmware.store.description}; devices download from http://${firmware.downloadDomain}/firmware/…`);
  const app = createApp(
    { prisma: db.prisma, temporal, requests, logger, dlmsKeys, firmware },
    {
      metrics,
      rateLimit: { perSecond: config.RATE_LIMIT_PER_SECOND, burst: config.RATE_LIMIT_BURST },
      rateLimitStore: config.DATABASE_URL ? 'database' : 'memory',
      console: { temporalUiUrl, temporalNamespace: config.TEMPORAL_NAMESPACE },
    },
  );
  const server = await new Promise<ReturnType<typeof createApiServer>>((resolve, reject) => {
    const s = createApiServer(app, config).listen(config.PORT, config.HOST, () => resolve(s)).on('error', reject);
  });
  stops.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const url = `${tlsEnabled(config) ? 'https' : 'http'}://${config.HOST}:${config.PORT}`;
  printed.push(`HTTP API             ${url}  (health: ${url}/health, OpenAPI: ${url}/openapi.json, metrics: ${url}/metrics)`);
  printed.push(`Operator console     ${url}/console/`);
}

main().catch((error: unknown) => {
  // A Ctrl-C during start-up closes what started; the start-up then fails on closed parts, which is no error.
  if (shutdownState.stopping) return;
  process.stderr.write(`Failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
