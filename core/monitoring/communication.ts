// Device status monitoring (OSGP's connection check) and what it keeps per device: when the platform last
// exchanged a message with it, whether it answers (OK or COMMUNICATION_LOST), and its clock deviation.
// Adapters stamp lastCommunicationAt in the statements they already send (no extra round trip per device);
// the monitoring run (workflows/core/device-monitoring.ts) asks the devices not heard from for longer than
// a threshold, and this module turns the outcome into state changes, each one a device event.
//
// Every query here is a range scan of an index (lastCommunicationAt, communicationState, clockDeviationMs),
// so a run costs in proportion to the silent (or drifting) devices, not to all devices.
import type { PrismaClient } from '../../db/client';
import { Prisma } from '../../generated/prisma/client';
import { asProtocol, type Protocol } from '../protocols';
import type { StoredDeviceEvent } from '../devices/device-events';

/** The device event types of a communication state change (findEvents, webhooks). */
export const communicationEventTypes = {
  lost: 'COMMUNICATION_LOST',
  restored: 'COMMUNICATION_RESTORED',
} as const;

export const communicationStates = ['OK', 'COMMUNICATION_LOST'] as const;
export type CommunicationState = (typeof communicationStates)[number];

/** A device the monitoring run asks for its status. */
export interface SilentDevice {
  deviceIdentification: string;
  protocol: Protocol;
}

/** A device whose communication state changed, as the event follow-up (notifications) wants it. */
export interface CommunicationChange {
  id: string;
  identification: string;
  deviceType: string;
  state: CommunicationState;
}

/** The moment before which a device's last communication makes it silent. */
export function silentBefore(now: Date, silentAfterMs: number): Date {
  return new Date(now.getTime() - silentAfterMs);
}

/**
 * Whether a device that was asked during a check stayed silent: it was not heard from since the check
 * started. Mirrors the SQL of markSilentDevicesLost, for the unit tests and for readers.
 */
export function staysSilent(lastCommunicationAt: Date | null, checkStartedAt: Date): boolean {
  return lastCommunicationAt === null || lastCommunicationAt.getTime() < checkStartedAt.getTime();
}

/**
 * Whether a lost device is back: heard from after it was marked lost (by any exchange: a command's answer,
 * a registration, an event). Mirrors the SQL of restoreHeardFromDevices.
 */
export function isBack(device: { communicationState: CommunicationState; lastCommunicationAt: Date | null; communicationStateChangedAt: Date | null }): boolean {
  if (device.communicationState !== 'COMMUNICATION_LOST' || device.lastCommunicationAt === null) return false;
  return device.communicationStateChangedAt === null || device.lastCommunicationAt.getTime() > device.communicationStateChangedAt.getTime();
}

/**
 * The activated devices not in maintenance that the platform has heard from before, but not since
 * `before`: oldest first, at most `limit`. Devices never heard from (not installed or registered yet) are
 * left out: there is nothing to lose.
 */
export async function findSilentDevices(prisma: PrismaClient, before: Date, limit: number): Promise<SilentDevice[]> {
  const rows = await prisma.device.findMany({
    where: { lastCommunicationAt: { lt: before }, activated: true, inMaintenance: false },
    orderBy: { lastCommunicationAt: 'asc' },
    take: limit,
    select: { identification: true, protocol: true },
  });
  return rows.map((row) => ({ deviceIdentification: row.identification, protocol: asProtocol(row.protocol) }));
}

/** A moment as the database's timestamp(3) columns hold it (UTC, no zone), whatever the session's time zone. */
export function sqlTimestamp(date: Date): Prisma.Sql {
  return Prisma.sql`${date.toISOString()}::timestamp(3)`;
}

/** A client or an interactive transaction's: the state changes and their events are written together. */
export type MonitoringDb = Pick<PrismaClient, '$queryRaw' | 'deviceEvent'>;

interface ChangedRow {
  id: string;
  identification: string;
  deviceType: string;
}

/** Devices of `identifications` still OK and not heard from since `checkStartedAt` become COMMUNICATION_LOST. */
export async function markSilentDevicesLost(
  prisma: MonitoringDb,
  identifications: readonly string[],
  checkStartedAt: Date,
  now: Date = new Date(),
): Promise<CommunicationChange[]> {
  if (identifications.length === 0) return [];
  const rows = await prisma.$queryRaw<ChangedRow[]>`
    UPDATE "Device" SET "communicationState" = 'COMMUNICATION_LOST', "communicationStateChangedAt" = ${sqlTimestamp(now)}
    WHERE "identification" = ANY(${[...identifications]}::text[])
      AND "communicationState" = 'OK'
      AND ("lastCommunicationAt" IS NULL OR "lastCommunicationAt" < ${sqlTimestamp(checkStartedAt)})
      AND "activated" AND NOT "inMaintenance"
    RETURNING "id", "identification", "deviceType"::text AS "deviceType"`;
  return rows.map((row) => ({ ...row, state: 'COMMUNICATION_LOST' as const }));
}

/**
 * Lost devices heard from since they were lost are OK again (all of them, or only `deviceIds`): any exchange
 * counts, so a device that answered a user's command or registered is back without waiting for a check.
 */
export async function restoreHeardFromDevices(prisma: MonitoringDb, deviceIds?: readonly string[], now: Date = new Date()): Promise<CommunicationChange[]> {
  const only = deviceIds ? Prisma.sql`AND "id" = ANY(${[...deviceIds]}::text[])` : Prisma.empty;
  const rows = await prisma.$queryRaw<ChangedRow[]>`
    UPDATE "Device" SET "communicationState" = 'OK', "communicationStateChangedAt" = ${sqlTimestamp(now)}
    WHERE "communicationState" = 'COMMUNICATION_LOST'
      AND "lastCommunicationAt" IS NOT NULL
      AND ("communicationStateChangedAt" IS NULL OR "lastCommunicationAt" > "communicationStateChangedAt")
      ${only}
    RETURNING "id", "identification", "deviceType"::text AS "deviceType"`;
  return rows.map((row) => ({ ...row, state: 'OK' as const }));
}

/** One device event per change (stored like the events devices report), in one statement. */
export async function storeCommunicationEvents(
  prisma: MonitoringDb,
  changes: readonly CommunicationChange[],
  receivedAt: Date = new Date(),
): Promise<StoredDeviceEvent[]> {
  if (changes.length === 0) return [];
  return prisma.deviceEvent.createManyAndReturn({
    data: changes.map((change) => ({
      deviceIdentification: change.identification,
      eventType: change.state === 'OK' ? communicationEventTypes.restored : communicationEventTypes.lost,
      description:
        change.state === 'OK'
          ? 'The device communicates again'
          : 'The device did not answer the status monitoring check',
      receivedAt,
    })),
  });
}

// ---------------------------------------------------------------------------------------------------------
// Time synchronisation

/** A device's clock deviation: its clock minus the platform's (ms, rounded; positive = the device is ahead). */
export function clockDeviationMs(deviceTime: Date, platformTime: Date): number {
  return Math.round(deviceTime.getTime() - platformTime.getTime());
}

/** Whether a deviation is beyond the platform's maximum (either way). */
export function beyondMaxDeviation(deviationMs: number | null, maxDeviationMs: number): boolean {
  return deviationMs !== null && Math.abs(deviationMs) > maxDeviationMs;
}

/** Stores a device's clock deviation as just measured. */
export async function storeClockDeviation(prisma: PrismaClient, deviceId: string, deviationMs: number, checkedAt: Date = new Date()): Promise<void> {
  await prisma.device.update({ where: { id: deviceId }, data: { clockDeviationMs: deviationMs, clockCheckedAt: checkedAt } });
}

/**
 * Activated devices of `protocol`, not in maintenance, whose last known clock deviation is beyond the
 * maximum: two range scans of the clockDeviationMs index, so proportional to the drifting devices.
 */
export async function findDriftingDevices(prisma: PrismaClient, protocol: Protocol, maxDeviationMs: number, limit: number): Promise<string[]> {
  const rows = await prisma.device.findMany({
    where: {
      protocol,
      activated: true,
      inMaintenance: false,
      OR: [{ clockDeviationMs: { gt: maxDeviationMs } }, { clockDeviationMs: { lt: -maxDeviationMs } }],
    },
    orderBy: { clockCheckedAt: 'asc' },
    take: limit,
    select: { identification: true },
  });
  return rows.map((row) => row.identification);
}
