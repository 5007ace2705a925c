/**
 * The platform, started for real inside the test process against the servers of global-setup.ts
 * (PostgreSQL, Temporal dev server): the HTTP API on a free port, the core worker and the OSLP adapter
 * with its listener. Workers can be left out (`workers: false`) for tests that run them in another process.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomInt } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createApp } from '../../api/server';
import type { RateLimit } from '../../api/rate-limit';
import type { ConsoleOptions } from '../../api/console';
import { createApiServer } from '../../api/tls';
import { createRequestService } from '../../core/requests/start-request';
import { issueApiKey } from '../../api/api-keys';
import { createLogger } from '../../common/logger';
import { MetricsRegistry } from '../../common/metrics';
import type { DeviceRequestOptions } from '../../core/requests/request-types';
import { openDatabase, type Database } from '../../db/client';
import { createCoreWorker, workflowsPath } from '../../worker/core-worker';
import { startOslpAdapter } from '../../worker/oslp-adapter';
import { loadOrCreatePlatformKey, type PlatformKey } from '../../worker/platform-key';
import { startDlmsAdapter } from '../../worker/dlms-adapter';
import { loadOrCreateDlmsKeyStore } from '../../core/keys/dlms-key-store';
import { platformClient, type PlatformClient } from '../../simulators/oslp/provision';
import { startOslpSimulatorFleet, type OslpSimulatorFleet, type OslpSimulatorFleetOptions } from '../../simulators/oslp/fleet';
import { publicKeyOf } from '../../adapters/oslp/envelope';
import { DatabaseFirmwareStore, DirectoryFirmwareStore } from '../../core/firmware/store';
import type { FirmwareSettings } from '../../core/firmware/settings';
import { loadOrCreateTokenSecret } from '../../core/firmware/tokens';

export interface TestPlatformOptions {
  workers?: boolean;
  deviceRequestOptions?: Partial<DeviceRequestOptions>;
  oslpConnectTimeoutMs?: number;
  oslpResponseTimeoutMs?: number;
  /** Smart meters: connect and answer timeouts of the DLMS adapter (default 2 s and 3 s). */
  dlmsConnectTimeoutMs?: number;
  dlmsResponseTimeoutMs?: number;
  /** How long webhook notifications are retried (requests and device events); default 60 s. */
  notificationRetryPeriodMs?: number;
  /** Serve the API over HTTPS with client certificates (mutual TLS): PEM file paths, as TLS_*_FILE take them. */
  tls?: { cert: string; key: string; ca: string };
  /** Requests per organisation (the API's default otherwise). */
  rateLimit?: RateLimit;
  /** The operator console's settings; by default it links to the test Temporal dev server's Web UI. */
  console?: ConsoleOptions;
  /** Firmware: where images are kept (default a temporary directory), the upload limit, the token lifetime. */
  firmwareStore?: 'directory' | 'database';
  firmwareMaxSizeBytes?: number;
  firmwareTokenTtlMs?: number;
  /** More OSLP platform private keys (PEM files) devices may be given with setDeviceVerificationKey. */
  oslpPlatformExtraKeyFiles?: string[];
}

export interface TestPlatform {
  baseUrl: string;
  db: Database;
  temporal: Client;
  platformKey: PlatformKey;
  /** Firmware management as this platform runs it (its download domain is the API's address). */
  firmware: FirmwareSettings;
  /** The OSLP listener's port (0 when workers are not started here). */
  listenerPort: number;
  /** Environment for a platform process of another role that shares this platform's servers and key. */
  childEnv: NodeJS.ProcessEnv;
  /** An ADMIN organisation of this test file, and its key. */
  adminKey: string;
  createOrganisation(identification: string, group?: 'ADMIN' | 'USER'): Promise<string>;
  client(apiKey: string): PlatformClient;
  stop(): Promise<void>;
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

export function requireTestServers(): { databaseUrl: string; temporalAddress: string; namespace: string } {
  const databaseUrl = process.env.OSGP_TEST_DATABASE_URL;
  const temporalAddress = process.env.OSGP_TEST_TEMPORAL_ADDRESS;
  if (!databaseUrl || !temporalAddress) throw new Error('integration tests run under jest --selectProjects integration (global-setup)');
  return { databaseUrl, temporalAddress, namespace: process.env.OSGP_TEST_TEMPORAL_NAMESPACE ?? 'default' };
}

export async function startTestPlatform(options: TestPlatformOptions = {}): Promise<TestPlatform> {
  const { databaseUrl, temporalAddress, namespace } = requireTestServers();
  try {
    // Activity failures are expected in these tests (misbehaving devices); the results say what happened.
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // installed by an earlier test in this worker
  }
  const logger = createLogger({ component: 'test-platform' }, (process.env.LOG_LEVEL as 'debug' | undefined) ?? 'error');
  const stops: Array<() => Promise<void>> = [];
  const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'osgp-keys-'));
  stops.push(async () => fs.rmSync(keyDir, { recursive: true, force: true }));
  const platformKey = loadOrCreatePlatformKey(path.join(keyDir, 'oslp-platform.pem'));
  const dlmsKeys = loadOrCreateDlmsKeyStore(path.join(keyDir, 'dlms-keys.key'));
  const oslpConnectTimeoutMs = options.oslpConnectTimeoutMs ?? 2_000;
  const oslpResponseTimeoutMs = options.oslpResponseTimeoutMs ?? 3_000;
  const notificationRetryPeriodMs = options.notificationRetryPeriodMs ?? 60_000;

  const db = await openDatabase({ url: databaseUrl, embeddedDir: '' });
  stops.push(() => db.close());
  const firmware: FirmwareSettings = {
    store: options.firmwareStore === 'database' ? new DatabaseFirmwareStore(db.prisma) : new DirectoryFirmwareStore(path.join(keyDir, 'firmware')),
    maxSizeBytes: options.firmwareMaxSizeBytes ?? 1024 * 1024,
    // In a file, so worker processes of other roles (childEnv) sign download URLs with the same secret.
    tokenSecret: loadOrCreateTokenSecret(path.join(keyDir, 'firmware-token.key')),
    tokenTtlMs: options.firmwareTokenTtlMs ?? 60 * 60 * 1000,
    // Set once the API listens (below): workers read it when they make download URLs.
    downloadDomain: '',
  };
  const connection = await Connection.connect({ address: temporalAddress });
  stops.push(() => connection.close());
  const temporal = new Client({ connection, namespace });
  const metrics = new MetricsRegistry();

  let listenerPort = 0;
  if (options.workers !== false) {
    bundle ??= bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
    const nativeConnection = await NativeConnection.connect({ address: temporalAddress });
    stops.push(() => nativeConnection.close());
    const worker = await createCoreWorker({
      connection: nativeConnection,
      namespace,
      prisma: db.prisma,
      logger,
      workflowBundle: await bundle,
      firmware,
    });
    const running = worker.run();
    stops.push(async () => {
      worker.shutdown();
      await running;
    });
    const adapter = await startOslpAdapter({
      connection: nativeConnection,
      config: {
        TEMPORAL_NAMESPACE: namespace,
        OSLP_LISTENER_HOST: '127.0.0.1',
        OSLP_LISTENER_PORT: 0,
        OSLP_CONNECT_TIMEOUT_MS: oslpConnectTimeoutMs,
        OSLP_RESPONSE_TIMEOUT_MS: oslpResponseTimeoutMs,
        oslpPlatformKeyFile: platformKey.file,
        oslpPlatformExtraKeyFiles: options.oslpPlatformExtraKeyFiles,
        NOTIFICATION_RETRY_PERIOD_MS: notificationRetryPeriodMs,
      },
      clientConnection: connection,
      prisma: db.prisma,
      logger,
      metrics,
    });
    stops.push(() => adapter.stop());
    listenerPort = adapter.listenerPort;
    const dlmsAdapter = await startDlmsAdapter({
      connection: nativeConnection,
      config: {
        TEMPORAL_NAMESPACE: namespace,
        DLMS_CONNECT_TIMEOUT_MS: options.dlmsConnectTimeoutMs ?? 2_000,
        DLMS_RESPONSE_TIMEOUT_MS: options.dlmsResponseTimeoutMs ?? 3_000,
        dlmsKeyFile: dlmsKeys.file,
      },
      keys: dlmsKeys,
      prisma: db.prisma,
      logger,
      metrics,
    });
    stops.push(() => dlmsAdapter.stop());
  }

  const deviceRequestOptions: DeviceRequestOptions = {
    attemptTimeoutMs: oslpConnectTimeoutMs + oslpResponseTimeoutMs + 2_000,
    maxAttempts: 3,
    maxConcurrency: 50,
    notificationRetryPeriodMs,
    ...options.deviceRequestOptions,
  };
  const requests = createRequestService({ prisma: db.prisma, temporal, deviceRequestOptions, logger });
  const app = createApp({ prisma: db.prisma, temporal, requests, logger, dlmsKeys, firmware }, {
    responseValidation: true,
    metrics,
    rateLimit: options.rateLimit,
    console: options.console ?? { temporalUiUrl: process.env.OSGP_TEST_TEMPORAL_UI_URL, temporalNamespace: namespace },
  });
  const { tls } = options;
  const apiServer = createApiServer(app, { TLS_CERT_FILE: tls?.cert, TLS_KEY_FILE: tls?.key, TLS_CLIENT_CA_FILE: tls?.ca });
  const server = await new Promise<typeof apiServer>((resolve) => {
    const s = apiServer.listen(0, '127.0.0.1', () => resolve(s));
  });
  stops.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const baseUrl = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  firmware.downloadDomain = `127.0.0.1:${(server.address() as AddressInfo).port}`;

  const createOrganisation = async (identification: string, group: 'ADMIN' | 'USER' = 'USER'): Promise<string> => {
    const organisation = await db.prisma.organisation.create({
      data: { identification, name: identification, platformFunctionGroup: group },
    });
    return issueApiKey(db.prisma, organisation.id, 'test');
  };
  const suffix = Date.now().toString(36);
  const adminKey = await createOrganisation(`test-admin-${suffix}`, 'ADMIN');

  return {
    baseUrl,
    db,
    temporal,
    platformKey,
    firmware,
    listenerPort,
    adminKey,
    childEnv: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: namespace,
      OSLP_PLATFORM_KEY_FILE: platformKey.file,
      DLMS_KEY_FILE: dlmsKeys.file,
      OSLP_CONNECT_TIMEOUT_MS: String(oslpConnectTimeoutMs),
      OSLP_RESPONSE_TIMEOUT_MS: String(oslpResponseTimeoutMs),
      OSLP_LISTENER_PORT: '0',
      // Off unless a test asks for it: the role defaults (9464...) would collide between test runs.
      METRICS_PORT: '0',
      NOTIFICATION_RETRY_PERIOD_MS: String(notificationRetryPeriodMs),
      FIRMWARE_TOKEN_SECRET_FILE: path.join(keyDir, 'firmware-token.key'),
      FIRMWARE_DOWNLOAD_DOMAIN: firmware.downloadDomain,
      FIRMWARE_STORE: options.firmwareStore ?? 'directory',
    },
    createOrganisation,
    client: (apiKey) => platformClient(baseUrl, apiKey),
    async stop() {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
    },
  };
}

/**
 * Simulated OSLP devices that trust this platform's key and call in at its listener. Each test file numbers
 * its devices from a random point unless it says otherwise, so files never share an identification.
 */
export function startFleetFor(
  platform: Pick<TestPlatform, 'platformKey' | 'listenerPort'>,
  options: Omit<OslpSimulatorFleetOptions, 'platformPublicKey' | 'platform'>,
): Promise<OslpSimulatorFleet> {
  return startOslpSimulatorFleet({
    firstDeviceNumber: randomInt(1, 1e9),
    ...options,
    platformPublicKey: publicKeyOf(platform.platformKey.privateKey),
    platform: { host: '127.0.0.1', port: platform.listenerPort },
  });
}
