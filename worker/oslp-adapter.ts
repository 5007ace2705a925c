// The OSLP adapter role: the executeDeviceCommand and executeDeviceCommandBatch activities on the
// `adapter-oslp` task queue (so it can run on its own hosts, near the device network) and the listener for
// device-initiated messages, which starts the workflows that notify organisations of device events.
import fs from 'node:fs';
import { Client, type Connection } from '@temporalio/client';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { adapterTaskQueue } from '../core/protocols';
import type { PlatformConfig } from '../common/config';
import type { Logger } from '../common/logger';
import { deviceCommandMetrics, type MetricsRegistry } from '../common/metrics';
import type { PrismaClient } from '../db/client';
import { OslpClient } from '../adapters/oslp/client';
import { startOslpListener } from '../adapters/oslp/listener';
import { createOslpActivities } from '../activities/oslp/device-command';
import { createOslpBatchActivities } from '../activities/oslp/device-command-batch';
import { PublicKeyCache } from '../activities/oslp/device-exchange';
import { PlatformKeyRing } from '../activities/oslp/platform-keys';
import { privateKeyFromPem } from '../adapters/oslp/envelope';
import { createOslpInboundStore } from '../activities/oslp/inbound-store';
import { createOslpInboundHandler } from '../adapters/oslp/inbound';
import { createDeviceEventFollowUp } from '../core/devices/device-events';
import { createRequestService, deviceRequestOptionsFrom } from '../core/requests/start-request';
import type { DeviceRequestOptions } from '../core/requests/request-types';
import { loadOrCreatePlatformKey, publicKeyFile } from './platform-key';

export interface OslpAdapterOptions {
  connection: NativeConnection;
  config: Pick<
    PlatformConfig,
    | 'TEMPORAL_NAMESPACE'
    | 'OSLP_LISTENER_HOST'
    | 'OSLP_LISTENER_PORT'
    | 'OSLP_CONNECT_TIMEOUT_MS'
    | 'OSLP_RESPONSE_TIMEOUT_MS'
    | 'oslpPlatformKeyFile'
  > &
    Partial<Pick<PlatformConfig, 'oslpPlatformExtraKeyFiles'>> &
    Partial<Pick<PlatformConfig, 'NOTIFICATION_RETRY_PERIOD_MS' | 'DEVICE_COMMAND_MAX_ATTEMPTS' | 'DEVICE_REQUEST_MAX_CONCURRENCY'>>;
  /**
   * A client connection to the same Temporal cluster, for the listener to start device event notification
   * workflows (a NativeConnection only serves workers). Without it, device events are stored but nobody is
   * notified of them.
   */
  clientConnection?: Connection;
  prisma: PrismaClient;
  logger: Logger;
  metrics: MetricsRegistry;
  /** Device commands in flight at once in this process (they wait on the network, not the CPU). */
  maxConcurrentCommands?: number;
}

export interface RunningOslpAdapter {
  listenerAddress: string;
  listenerPort: number;
  platformKeyFile: string;
  platformPublicKeyFile: string;
  /** The adapter's Temporal worker, for its state in metrics and readiness. */
  worker: Worker;
  stop(): Promise<void>;
}

export async function startOslpAdapter(options: OslpAdapterOptions): Promise<RunningOslpAdapter> {
  const { config, prisma, metrics } = options;
  const logger = options.logger.child({ adapter: 'oslp' });
  const platformKey = loadOrCreatePlatformKey(config.oslpPlatformKeyFile);
  if (platformKey.created) logger.info('created the OSLP platform key', { file: platformKey.file });
  const extraKeyFiles = config.oslpPlatformExtraKeyFiles ?? [];
  const platformKeys = new PlatformKeyRing(
    platformKey.privateKey,
    extraKeyFiles.map((file) => privateKeyFromPem(fs.readFileSync(file, 'utf8'))),
  );
  if (extraKeyFiles.length > 0) logger.info('extra OSLP platform keys loaded', { files: extraKeyFiles });

  const client = new OslpClient({
    platformPrivateKey: platformKey.privateKey,
    connectTimeoutMs: config.OSLP_CONNECT_TIMEOUT_MS,
    responseTimeoutMs: config.OSLP_RESPONSE_TIMEOUT_MS,
  });
  const deviceMessages = metrics.counter('osgp_device_messages_total', 'Device command exchanges by protocol and result', ['protocol', 'result']);
  const commandMetrics = deviceCommandMetrics(metrics);
  // One cache of parsed device keys for both activities: a mass switch parses each key once per process.
  const publicKeys = new PublicKeyCache();
  const worker = await Worker.create({
    connection: options.connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: adapterTaskQueue('OSLP'),
    activities: {
      ...createOslpActivities({ prisma, client, logger, deviceMessages, commandMetrics, publicKeys, platformKeys }),
      // One attempt at one command on many devices (mass switching); its exchanges in flight are its own.
      ...createOslpBatchActivities({ prisma, client, logger, deviceMessages, commandMetrics, publicKeys, platformKeys }),
    },
    maxConcurrentActivityTaskExecutions: options.maxConcurrentCommands ?? 200,
    // Heartbeats reach Temporal at most this often (default: 80 % of the heartbeat timeout), and cancellation
    // only arrives with a heartbeat's answer: a cancelled mass switch stops sending within about a second.
    maxHeartbeatThrottleInterval: '1 second',
    defaultHeartbeatThrottleInterval: '1 second',
  });
  const running = worker.run();
  const { DEVICE_COMMAND_MAX_ATTEMPTS, DEVICE_REQUEST_MAX_CONCURRENCY, NOTIFICATION_RETRY_PERIOD_MS } = config;
  // The setTransition requests an LMD's reports start are attempted like every device request of the
  // platform (attempt time from the OSLP timeouts, attempts and concurrency from the configuration); with
  // a partial configuration (tests) 3 attempts of 45 s, 50 at a time.
  const lightMeasurementRequestOptions: DeviceRequestOptions =
    DEVICE_COMMAND_MAX_ATTEMPTS !== undefined && DEVICE_REQUEST_MAX_CONCURRENCY !== undefined && NOTIFICATION_RETRY_PERIOD_MS !== undefined
      ? deviceRequestOptionsFrom({ ...config, DEVICE_COMMAND_MAX_ATTEMPTS, DEVICE_REQUEST_MAX_CONCURRENCY, NOTIFICATION_RETRY_PERIOD_MS })
      : { attemptTimeoutMs: 45_000, maxAttempts: 3, maxConcurrency: 50 };
  if (!options.clientConnection) logger.warn('no Temporal client connection: device events are stored, nobody is notified of them');
  const temporal = options.clientConnection
    ? new Client({ connection: options.clientConnection, namespace: config.TEMPORAL_NAMESPACE })
    : undefined;
  const followUp = createDeviceEventFollowUp({
    prisma,
    logger,
    temporal,
    requests: temporal && createRequestService({ prisma, temporal, deviceRequestOptions: lightMeasurementRequestOptions, logger }),
    notificationRetryPeriodMs: config.NOTIFICATION_RETRY_PERIOD_MS,
  });

  // Refused frames are counted, never stored: unauthenticated input must not cost a database write per frame
  // (the listener logs a rate-limited sample of them).
  const framesRefused = metrics.counter('osgp_oslp_frames_refused_total', 'OSLP frames the listener refused, by reason', ['code']);
  const listener = await startOslpListener({
    host: config.OSLP_LISTENER_HOST,
    port: config.OSLP_LISTENER_PORT,
    platformPrivateKey: platformKey.privateKey,
    handler: createOslpInboundHandler(createOslpInboundStore({ prisma, followUp, framesRefused, platformKeys }), { logger }),
    logger,
  });

  return {
    listenerAddress: `${listener.host}:${listener.port}`,
    listenerPort: listener.port,
    platformKeyFile: platformKey.file,
    platformPublicKeyFile: publicKeyFile(platformKey.file),
    worker,
    async stop() {
      await listener.close();
      worker.shutdown();
      await running;
    },
  };
}
