// The core worker: domain workflows and the core activities that keep request records.
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { coreTaskQueue } from '../common/device-commands';
import type { PrismaClient } from '../db/client';
import { createRequestActivities } from '../activities/requests';

export interface CoreWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  prisma: PrismaClient;
  taskQueue?: string;
  /** A prebuilt workflow bundle (production, tests); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export const workflowsPath = require.resolve('../workflows');

export async function createCoreWorker(options: CoreWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? coreTaskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    activities: createRequestActivities(options.prisma),
    maxConcurrentWorkflowTaskExecutions: 40,
    maxConcurrentActivityTaskExecutions: 50,
  });
}
