// The DLMS adapter role: the executeDeviceCommand activity on the `adapter-dlms` task queue, so smart meter
// traffic runs in processes of its own (near the meters' network) and scales apart from the lighting adapter.
// Smart meters do not call in here: every exchange is one the platform starts.
import { Worker, type NativeConnection } from '@temporalio/worker';
import { adapterTaskQueue } from '../core/protocols';
import type { PlatformConfig } from '../common/config';
import type { Logger } from '../common/logger';
import { deviceCommandMetrics, type MetricsRegistry } from '../common/metrics';
import type { PrismaClient } from '../db/client';
import { createDlmsActivities } from '../activities/dlms/device-command';
import { loadOrCreateDlmsKeyStore, type DlmsKeyStore } from '../core/keys/dlms-key-store';

export interface DlmsAdapterOptions {
  connection: NativeConnection;
  config: Pick<PlatformConfig, 'TEMPORAL_NAMESPACE' | 'DLMS_CONNECT_TIMEOUT_MS' | 'DLMS_RESPONSE_TIMEOUT_MS' | 'dlmsKeyFile'>;
  prisma: PrismaClient;
  logger: Logger;
  metrics: MetricsRegistry;
  /** The key store, when the caller opened it already (the API of the same process shares it). */
  keys?: DlmsKeyStore;
  /** Meter exchanges in flight at once in this process (each waits on the network, not the CPU). */
  maxConcurrentCommands?: number;
}

export interface RunningDlmsAdapter {
  keyFile: string;
  /** The adapter's Temporal worker, for its state in metrics and readiness. */
  worker: Worker;
  stop(): Promise<void>;
}

export async function startDlmsAdapter(options: DlmsAdapterOptions): Promise<RunningDlmsAdapter> {
  const { config, prisma, metrics } = options;
  const logger = options.logger.child({ adapter: 'dlms' });
  const keys = options.keys ?? loadOrCreateDlmsKeyStore(config.dlmsKeyFile);
  if (keys.created) logger.info('created the DLMS key store secret', { file: keys.file });
  const worker = await Worker.create({
    connection: options.connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: adapterTaskQueue('DLMS'),
    activities: createDlmsActivities({
      prisma,
      keys,
      logger,
      connectTimeoutMs: config.DLMS_CONNECT_TIMEOUT_MS,
      responseTimeoutMs: config.DLMS_RESPONSE_TIMEOUT_MS,
      deviceMessages: metrics.counter('osgp_dlms_exchanges_total', 'Smart meter (DLMS) exchanges by result', ['protocol', 'result']),
      commandMetrics: deviceCommandMetrics(metrics),
    }),
    maxConcurrentActivityTaskExecutions: options.maxConcurrentCommands ?? 100,
  });
  const running = worker.run();
  return {
    keyFile: keys.file,
    worker,
    async stop() {
      worker.shutdown();
      await running;
    },
  };
}
