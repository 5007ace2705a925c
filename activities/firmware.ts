// Core activities of firmware management: the download URLs an update sends (tokens are made when the
// devices are reached, so they do not expire while a rollout waits), and the versions devices reported.
import type { PrismaClient } from '../db/client';
import {
  firmwareDownloads,
  latestFirmwareVersions,
  recordFirmwareReports,
  type FirmwareDownload,
  type FirmwareReport,
} from '../core/firmware/device-firmware';
import type { FirmwareSettings } from '../core/firmware/settings';
import { resolveRolloutDevices, type RolloutDevice } from '../core/firmware/rollouts';
import type { RolloutTarget } from '../core/firmware/rollout-model';
import { queueRolloutPausedNotification, type RolloutPaused } from '../core/firmware/rollout-notifications';
import { Context } from '@temporalio/activity';
import { workflowName } from '../core/requests/workflow-types';
import { organisationNotificationsWorkflowId, notificationQueuedSignal } from '../core/notification-queue';
import { coreTaskQueue } from '../core/protocols';
import type { Logger } from '../common/logger';

export interface FirmwareActivities {
  firmwareDownloads(input: { firmwareId: string; deviceIdentifications: string[] }): Promise<FirmwareDownload[]>;
  recordFirmwareReports(input: { reports: FirmwareReport[] }): Promise<number>;
  /** The version each device reported last (devices without a report are left out). */
  latestFirmwareVersions(input: { deviceIdentifications: string[] }): Promise<Record<string, string>>;
  /** A rollout's devices, resolved when it starts; refused devices get their NOT_OK result here. */
  resolveRolloutDevices(input: { correlationUid: string; organisationId: string; firmwareId: string; target: RolloutTarget }): Promise<{
    devices: RolloutDevice[];
    refused: number;
  }>;
  /** A rollout paused itself: logged as its event, and queued for the organisation's webhook when it has one. */
  notifyRolloutPaused(input: RolloutPaused): Promise<void>;
}

export function createFirmwareActivities(prisma: PrismaClient, settings: FirmwareSettings | undefined, logger: Logger): FirmwareActivities {
  return {
    async resolveRolloutDevices(input) {
      return resolveRolloutDevices(prisma, input);
    },
    async notifyRolloutPaused(input) {
      logger.warn('firmware rollout paused', { ...input });
      const queued = await queueRolloutPausedNotification(prisma, input);
      if (!queued) return;
      // The row is the queue entry; the signal wakes (or starts) the organisation's delivery workflow.
      await Context.current().client.workflow.signalWithStart(workflowName('organisationNotificationsWorkflow'), {
        taskQueue: coreTaskQueue,
        workflowId: organisationNotificationsWorkflowId(queued.organisationId),
        args: [{ organisationId: queued.organisationId, retryPeriodMs: input.retryPeriodMs }],
        signal: notificationQueuedSignal,
      });
    },
    async firmwareDownloads({ firmwareId, deviceIdentifications }) {
      if (!settings) throw new Error('firmware management is not configured on this worker (no firmware settings)');
      return firmwareDownloads(settings, firmwareId, deviceIdentifications, Date.now());
    },
    async recordFirmwareReports({ reports }) {
      return recordFirmwareReports(prisma, reports);
    },
    async latestFirmwareVersions({ deviceIdentifications }) {
      return Object.fromEntries(await latestFirmwareVersions(prisma, deviceIdentifications));
    },
  };
}
