// The OSLP adapter role: the executeDeviceCommand activity on the `adapter-oslp` task queue (so it can run
// on its own hosts, near the device network) and the listener for device-initiated messages, which starts
// the workflows that notify organisations of device events.
import { Client, type Connection } from '@temporalio/client';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { adapterTaskQueue } from '../common/device-commands';
import type { PlatformConfig } from '../common/config';
import type { Logger } from '../common/logger';
import type { MetricsRegistry } from '../common/metrics';
import type { PrismaClient } from '../db/client';
import { OslpClient } from '../adapters/oslp/client';
import { startOslpListener } from '../adapters/oslp/listener';
import { createOslpActivities } from '../activities/oslp/device-command';
import { createOslpListenerHandler } from '../activities/oslp/device-initiated';
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
    Partial<Pick<PlatformConfig, 'NOTIFICATION_RETRY_PERIOD_MS'>>;
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
  stop(): Promise<void>;
}

export async function startOslpAdapter(options: OslpAdapterOptions): Promise<RunningOslpAdapter> {
  const { config, prisma, metrics } = options;
  const logger = options.logger.child({ adapter: 'oslp' });
  const platformKey = loadOrCreatePlatformKey(config.oslpPlatformKeyFile);
  if (platformKey.created) logger.info('created the OSLP platform key', { file: platformKey.file });

  const client = new OslpClient({
    platformPrivateKey: platformKey.privateKey,
    connectTimeoutMs: config.OSLP_CONNECT_TIMEOUT_MS,
    responseTimeoutMs: config.OSLP_RESPONSE_TIMEOUT_MS,
  });
  const deviceMessages = metrics.counter('osgp_device_messages_total', 'Device command exchanges by protocol and result');
  const worker = await Worker.create({
    connection: options.connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: adapterTaskQueue('OSLP'),
    activities: createOslpActivities({ prisma, client, logger, deviceMessages }),
    maxConcurrentActivityTaskExecutions: options.maxConcurrentCommands ?? 200,
  });
  const running = worker.run();
  if (!options.clientConnection) logger.warn('no Temporal client connection: device events are stored, nobody is notified of them');

  const listener = await startOslpListener({
    host: config.OSLP_LISTENER_HOST,
    port: config.OSLP_LISTENER_PORT,
    platformPrivateKey: platformKey.privateKey,
    handler: createOslpListenerHandler({
      prisma,
      logger,
      temporal: options.clientConnection
        ? new Client({ connection: options.clientConnection, namespace: config.TEMPORAL_NAMESPACE })
        : undefined,
      notificationRetryPeriodMs: config.NOTIFICATION_RETRY_PERIOD_MS,
    }),
    logger,
  });

  return {
    listenerAddress: `${listener.host}:${listener.port}`,
    listenerPort: listener.port,
    platformKeyFile: platformKey.file,
    platformPublicKeyFile: publicKeyFile(platformKey.file),
    async stop() {
      await listener.close();
      worker.shutdown();
      await running;
    },
  };
}
