// Device status monitoring and time synchronisation, one run per interval of the platform's Temporal Schedule
// (core/monitoring/schedule.ts), like OSGP's connection check. A run:
//  1. reads the devices not heard from for longer than the threshold (an index range: the silent ones only);
//  2. asks them, per protocol, in batches: OSLP a getStatus through the adapter's batch activity (its answer
//     stamps the device's last communication time), DLMS a read of the meter's clock (which also stores the
//     clock's deviation);
//  3. marks those still not heard from since the run started COMMUNICATION_LOST, and every lost device heard
//     from since it was lost OK again (each change a device event with webhook notifications);
//  4. synchronises the clocks of the meters whose deviation is beyond the maximum (DLMS: the platform's time
//     written to the clock, as smartMetering.synchronizeTime does).
// A device that does not answer is no failure of the run: the run records what it found and ends.
import { log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { DlmsCommand, CosemOperation } from '../../common/device-commands';
import type { AdapterActivities, BatchAdapterActivities, DlmsAdapterActivities } from '../../core/adapter-contract';
import { adapterTaskQueue, coreTaskQueue, type Protocol } from '../../core/protocols';
import type { MonitoringActivities } from '../../activities/monitoring';

export interface DeviceMonitoringInput {
  /** A device not heard from for this long is asked for its status. */
  silentAfterMs: number;
  /** Time synchronisation: clocks further off than this are set (DLMS). */
  maxClockDeviationMs: number;
  /** How long one device may take to answer (connect and answer timeouts of the adapters, plus a margin). */
  attemptTimeoutMs: number;
  /** Devices asked per run at most (the oldest silent first); default 20,000. */
  maxDevices?: number;
  /** OSLP devices per batch activity call (at most 5,000); default 1,000. */
  batchSize?: number;
  /** Exchanges in flight at once per batch, and DLMS associations at once; defaults 200 and 20. */
  concurrency?: number;
  meterConcurrency?: number;
}

export interface DeviceMonitoringSummary {
  asked: number;
  lost: string[];
  restored: string[];
  clocksSynchronised: string[];
}

const core = proxyActivities<MonitoringActivities>({
  taskQueue: coreTaskQueue,
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

const batchHeartbeatTimeoutMs = 10_000;

/** The meter's clock, attribute 2 (time), as smartMetering reads and writes it. */
const clockAttribute = { classId: 8, obis: '0.0.1.0.0.255', attribute: 2 } as const;
const readClock: CosemOperation = { op: 'get', attribute: clockAttribute };
const writePlatformTime: CosemOperation = { op: 'set', attribute: clockAttribute, value: { type: 'date-time-now' } };

/** Runs `work` on every item, `concurrency` at a time. */
async function eachLimited<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}

export async function deviceMonitoringWorkflow(input: DeviceMonitoringInput): Promise<DeviceMonitoringSummary> {
  const correlationUid = workflowInfo().workflowId;
  const batchSize = Math.min(input.batchSize ?? 1_000, 5_000);
  const concurrency = input.concurrency ?? 200;
  const meterConcurrency = input.meterConcurrency ?? 20;

  const oslp = proxyActivities<BatchAdapterActivities>({
    taskQueue: adapterTaskQueue('OSLP'),
    startToCloseTimeout: input.attemptTimeoutMs * (Math.ceil(batchSize / concurrency) + 1),
    heartbeatTimeout: batchHeartbeatTimeoutMs,
    // A lost adapter worker is tried once more; a device that does not answer is what the run looks for.
    retry: { initialInterval: '1 second', maximumAttempts: 2 },
  });
  const dlms = proxyActivities<DlmsAdapterActivities>({
    taskQueue: adapterTaskQueue('DLMS'),
    startToCloseTimeout: input.attemptTimeoutMs,
    retry: { maximumAttempts: 1 },
  });
  const meterCommand = (deviceIdentification: string, command: DlmsCommand) =>
    dlms.executeDeviceCommand({ correlationUid, deviceIdentification, command }).then(
      () => true,
      (error: unknown) => {
        log.info('meter did not answer the monitoring run', { device: deviceIdentification, error: String(error) });
        return false;
      },
    );

  /** A protocol without an asker of its own: a getStatus per device, through its adapter's generic activity. */
  const askOneByOne = (protocol: Protocol) => {
    const adapter = proxyActivities<AdapterActivities>({
      taskQueue: adapterTaskQueue(protocol),
      startToCloseTimeout: input.attemptTimeoutMs,
      retry: { maximumAttempts: 1 },
    });
    return (devices: string[]) =>
      eachLimited(devices, meterConcurrency, async (deviceIdentification) => {
        await adapter.executeDeviceCommand({ correlationUid, deviceIdentification, command: { kind: 'getStatus' } }).catch(() => undefined);
      });
  };

  /** How each protocol's devices are asked; a protocol added to the registry is asked one device at a time. */
  const askers: Partial<Record<Protocol, (devices: string[]) => Promise<void>>> = {
    OSLP: async (devices) => {
      for (let i = 0; i < devices.length; i += batchSize) {
        try {
          await oslp.executeDeviceCommandBatch({
            correlationUid,
            deviceIdentifications: devices.slice(i, i + batchSize),
            command: { kind: 'getStatus' },
            attempt: 1,
            concurrency,
          });
        } catch (error) {
          // The batch's devices count as silent this time (nothing stamped them); the next run asks again.
          log.warn('monitoring batch failed', { devices: Math.min(batchSize, devices.length - i), error: String(error) });
        }
      }
    },
    DLMS: (meters) =>
      eachLimited(meters, meterConcurrency, async (meter) => {
        await meterCommand(meter, { kind: 'dlms', actions: [{ id: 'readClock', operations: [readClock] }], attempt: 1 });
      }),
  };

  const check = await core.startMonitoringCheck({ silentAfterMs: input.silentAfterMs, maxDevices: input.maxDevices ?? 20_000 });
  const byProtocol = new Map<Protocol, string[]>();
  for (const device of check.devices) byProtocol.set(device.protocol, [...(byProtocol.get(device.protocol) ?? []), device.deviceIdentification]);
  await Promise.all([...byProtocol].map(([protocol, devices]) => (askers[protocol] ?? askOneByOne(protocol))(devices)));

  const settled = await core.settleCommunicationStates({
    polled: check.devices.map((d) => d.deviceIdentification),
    checkStartedAtMs: check.checkStartedAtMs,
  });

  // Time synchronisation: DLMS meters beyond the maximum deviation get the platform's time. (OSLP devices get
  // it with every registration, and keep it with the time-sync frequency of their configuration.)
  const drifting = await core.findDriftingDevices({ protocol: 'DLMS', maxDeviationMs: input.maxClockDeviationMs, limit: 1_000 });
  const clocksSynchronised: string[] = [];
  await eachLimited(drifting, meterConcurrency, async (meter) => {
    if (await meterCommand(meter, { kind: 'dlms', actions: [{ id: 'synchronizeTime', operations: [readClock, writePlatformTime] }], attempt: 1 })) {
      clocksSynchronised.push(meter);
    }
  });

  return { asked: check.devices.length, ...settled, clocksSynchronised };
}
