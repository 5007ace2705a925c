// The core activities of a device monitoring run (workflows/core/device-monitoring.ts): which devices are
// silent, and, once they were asked, which of them became COMMUNICATION_LOST or OK again. Each change is a
// device event, handed to the same follow-up as the events devices report (webhooks of subscribers).
import type { Logger } from '../common/logger';
import type { PrismaClient } from '../db/client';
import type { createDeviceEventFollowUp, StoredDeviceEvent } from '../core/devices/device-events';
import {
  findDriftingDevices,
  findSilentDevices,
  markSilentDevicesLost,
  restoreHeardFromDevices,
  silentBefore,
  storeCommunicationEvents,
  type CommunicationChange,
  type SilentDevice,
} from '../core/monitoring/communication';

export interface MonitoringCheckStart {
  /** When the check started (epoch ms, this worker's clock): a device heard from since then answered. */
  checkStartedAtMs: number;
  devices: SilentDevice[];
}

export interface SettledCommunication {
  lost: string[];
  restored: string[];
}

export interface MonitoringActivities {
  /** The devices not heard from for silentAfterMs (oldest first, at most maxDevices), and the check's start. */
  startMonitoringCheck(input: { silentAfterMs: number; maxDevices: number }): Promise<MonitoringCheckStart>;
  /**
   * Marks the asked devices not heard from since the check started COMMUNICATION_LOST, and every lost device
   * heard from since it was lost OK again; one device event per change, and its notifications.
   */
  settleCommunicationStates(input: { polled: string[]; checkStartedAtMs: number }): Promise<SettledCommunication>;
  /** Devices of a protocol whose clock is off by more than maxDeviationMs (time synchronisation). */
  findDriftingDevices(input: { protocol: SilentDevice['protocol']; maxDeviationMs: number; limit: number }): Promise<string[]>;
}

export interface MonitoringActivityDeps {
  prisma: PrismaClient;
  logger: Logger;
  /** Notifies subscribers of the state changes; without it the events are stored only. */
  followUp?: ReturnType<typeof createDeviceEventFollowUp>;
}

export function createMonitoringActivities({ prisma, logger, followUp }: MonitoringActivityDeps): MonitoringActivities {
  /** Notifies the subscribers of the changes' events (best effort, as for events devices report). */
  const announce = async (changes: CommunicationChange[], events: StoredDeviceEvent[]): Promise<void> => {
    if (!followUp || changes.length === 0) return;
    // Most devices have no subscriber: one statement finds those that do, and only they get a follow-up.
    const subscribed = await prisma.eventSubscription.findMany({
      where: { deviceId: { in: changes.map((change) => change.id) } },
      select: { deviceId: true },
      distinct: ['deviceId'],
    });
    const withSubscribers = new Set(subscribed.map((s) => s.deviceId));
    const byDevice = new Map(changes.filter((change) => withSubscribers.has(change.id)).map((change) => [change.identification, change]));
    // One follow-up per device (its subscriptions), a few at a time: a run's changes are the silent devices.
    const queue = events.filter((event) => byDevice.has(event.deviceIdentification));
    const lane = async (): Promise<void> => {
      for (let event = queue.shift(); event; event = queue.shift()) {
        const device = byDevice.get(event.deviceIdentification);
        if (device) await followUp(device, [event]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, queue.length) }, lane));
  };

  return {
    async startMonitoringCheck({ silentAfterMs, maxDevices }) {
      const now = new Date();
      const devices = await findSilentDevices(prisma, silentBefore(now, silentAfterMs), maxDevices);
      if (devices.length === maxDevices) logger.warn('more silent devices than one monitoring run asks; the rest wait for the next run', { maxDevices });
      return { checkStartedAtMs: now.getTime(), devices };
    },

    async settleCommunicationStates({ polled, checkStartedAtMs }) {
      // The changes and their events in one transaction: a retried activity finds the changes made already
      // and makes no second event for them, and never a change without its event.
      const { lost, restored, events } = await prisma.$transaction(async (tx) => {
        const lost = await markSilentDevicesLost(tx, polled, new Date(checkStartedAtMs));
        const restored = await restoreHeardFromDevices(tx);
        return { lost, restored, events: await storeCommunicationEvents(tx, [...lost, ...restored]) };
      });
      await announce([...lost, ...restored], events);
      if (lost.length || restored.length) {
        logger.info('device communication states changed', { lost: lost.length, restored: restored.length, polled: polled.length });
      }
      return { lost: lost.map((d) => d.identification), restored: restored.map((d) => d.identification) };
    },

    async findDriftingDevices({ protocol, maxDeviationMs, limit }) {
      return findDriftingDevices(prisma, protocol, maxDeviationMs, limit);
    },
  };
}
