// The core worker: domain workflows and the core activities that keep request records and notify
// organisations' webhooks.
import { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { coreTaskQueue } from '../core/protocols';
import { createLogger, type Logger } from '../common/logger';
import type { PrismaClient } from '../db/client';
import { createNotificationActivities } from '../activities/notifications';
import { createRequestActivities } from '../activities/requests';
import { createGroupActivities } from '../activities/groups';
import { createLightingRunActivities } from '../activities/lighting-runs';
import { prebuiltWorkflowBundle, workflowsPath } from './workflow-bundle';
import { createMonitoringActivities } from '../activities/monitoring';
import { createDeviceEventFollowUp } from '../core/devices/device-events';
import { createFirmwareActivities } from '../activities/firmware';
import type { FirmwareSettings } from '../core/firmware/settings';
import { createConfigurationActivities } from '../activities/configuration';

export interface CoreWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  prisma: PrismaClient;
  /** Where notification deliveries are logged; default a logger of its own. */
  logger?: Logger;
  taskQueue?: string;
  /**
   * A prebuilt workflow bundle (tests); otherwise the build's (worker/workflow-bundle.ts) when it exists,
   * else the workflows are bundled at start.
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** How long webhook notifications of device events (communication state changes) are retried; default 24 h. */
  notificationRetryPeriodMs?: number;
  /** Firmware management: where download URLs point and how their tokens are signed. */
  firmware?: FirmwareSettings;
}

export { workflowsPath };

export async function createCoreWorker(options: CoreWorkerOptions): Promise<Worker> {
  const logger = (options.logger ?? createLogger({ component: 'core-worker' })).child({ worker: 'core' });
  const workflowBundle = options.workflowBundle ?? prebuiltWorkflowBundle();
  // Communication state changes are device events: subscribers are notified as of events devices report.
  const followUp = createDeviceEventFollowUp({
    prisma: options.prisma,
    logger,
    temporal: new Client({ connection: options.connection, namespace: options.namespace }),
    notificationRetryPeriodMs: options.notificationRetryPeriodMs,
  });
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? coreTaskQueue,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath }),
    activities: {
      ...createRequestActivities(options.prisma),
      ...createGroupActivities(options.prisma),
      ...createNotificationActivities({ prisma: options.prisma, logger }),
      ...createLightingRunActivities(options.prisma),
      ...createMonitoringActivities({ prisma: options.prisma, logger, followUp }),
      ...createFirmwareActivities(options.prisma, options.firmware, logger),
      ...createConfigurationActivities(options.prisma),
    },
    maxConcurrentWorkflowTaskExecutions: 40,
    // The SDK's default sizes the cache from the heap limit (about 2,300 workflows at ~1 MB each on a 4 GB
    // heap), so thousands of open requests grew the process by GBs. A request's history is short, and one
    // evicted from the cache is replayed when it next has work: memory bounded, at a small CPU cost.
    maxCachedWorkflows: 250,
    maxConcurrentActivityTaskExecutions: 50,
  });
}
