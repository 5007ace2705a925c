// The platform-wide Temporal Schedule of device status monitoring: one run of deviceMonitoringWorkflow per
// interval. The core worker makes it as configured at every start (created, or updated in place), so changing
// the interval or a threshold takes a restart, and several core workers starting at once converge on one.
import type { Client, ScheduleOptions } from '@temporalio/client';
import { operationAttribute, organisationAttribute } from '../../common/search-attributes';
import { coreTaskQueue } from '../protocols';
import { upsertTemporalSchedule } from '../temporal-schedules';
import { workflowName, type WorkflowInput } from '../requests/workflow-types';
import type { PlatformConfig } from '../../common/config';

export const deviceMonitoringScheduleId = 'platform-device-monitoring';
export const deviceMonitoringOperation = 'core.deviceMonitoring';

export interface DeviceMonitoringSettings {
  /** DEVICE_MONITORING_INTERVAL_MS: how often a run starts (OSGP checked every 10 minutes). */
  intervalMs: number;
  /** Another schedule id (tests that must not share the platform's). */
  scheduleId?: string;
  input: WorkflowInput<'deviceMonitoringWorkflow'>;
}

export function deviceMonitoringScheduleOptions(settings: DeviceMonitoringSettings): ScheduleOptions {
  const scheduleId = settings.scheduleId ?? deviceMonitoringScheduleId;
  return {
    scheduleId,
    spec: { intervals: [{ every: settings.intervalMs }] },
    action: {
      type: 'startWorkflow',
      workflowType: workflowName('deviceMonitoringWorkflow'),
      // Temporal appends the run's time, so each run has its own id (and message log correlation uid).
      workflowId: scheduleId,
      taskQueue: coreTaskQueue,
      args: [settings.input],
      typedSearchAttributes: [
        { key: organisationAttribute, value: 'platform' },
        { key: operationAttribute, value: deviceMonitoringOperation },
      ],
    },
    policies: {
      // A run still going when the next is due (a large outage): the next one is left out, not queued.
      overlap: 'SKIP',
      catchupWindow: '1 minute',
    },
  };
}

/** Creates the schedule, or brings an existing one in line with the settings; safe to repeat. */
export async function ensureDeviceMonitoringSchedule(temporal: Client, settings: DeviceMonitoringSettings): Promise<void> {
  // An operator's pause (Web UI, CLI) is kept.
  await upsertTemporalSchedule(temporal, deviceMonitoringScheduleOptions(settings), (previous) => previous);
}

/** The schedule as the platform's configuration sets it. */
export function deviceMonitoringSettingsFrom(
  config: Pick<
    PlatformConfig,
    | 'DEVICE_MONITORING_INTERVAL_MS'
    | 'DEVICE_SILENT_AFTER_MS'
    | 'DEVICE_MONITORING_MAX_DEVICES'
    | 'MAX_CLOCK_DEVIATION_MS'
    | 'OSLP_CONNECT_TIMEOUT_MS'
    | 'OSLP_RESPONSE_TIMEOUT_MS'
    | 'DLMS_CONNECT_TIMEOUT_MS'
    | 'DLMS_RESPONSE_TIMEOUT_MS'
  >,
): DeviceMonitoringSettings {
  return {
    intervalMs: config.DEVICE_MONITORING_INTERVAL_MS,
    input: {
      silentAfterMs: config.DEVICE_SILENT_AFTER_MS,
      maxClockDeviationMs: config.MAX_CLOCK_DEVIATION_MS,
      maxDevices: config.DEVICE_MONITORING_MAX_DEVICES,
      attemptTimeoutMs:
        Math.max(config.OSLP_CONNECT_TIMEOUT_MS + config.OSLP_RESPONSE_TIMEOUT_MS, config.DLMS_CONNECT_TIMEOUT_MS + config.DLMS_RESPONSE_TIMEOUT_MS) + 5_000,
    },
  };
}
