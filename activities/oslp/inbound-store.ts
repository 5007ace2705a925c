// The platform side of the OSLP listener (adapters/oslp/inbound.ts decides the protocol): each device's
// sequence state and address, its message log, and its reported events, kept in the database; stored events
// are then handed to the core (core/devices/device-events.ts), which acts on them.
import type { Counter } from '../../common/metrics';
import type { Prisma, PrismaClient } from '../../db/client';
import { deviceUidToBase64, publicKeyFromPem } from '../../adapters/oslp/envelope';
import type { OslpInboundEvent, OslpInboundStore } from '../../adapters/oslp/inbound';
import type { OslpDeviceSequenceState } from '../../adapters/oslp/registration';
import type { createDeviceEventFollowUp } from '../../core/devices/device-events';
import { clockDeviationMs, restoreHeardFromDevices, storeCommunicationEvents } from '../../core/monitoring/communication';
import { summarize } from './translate';
import type { PlatformKeyRing } from './platform-keys';

export interface OslpInboundStoreDeps {
  prisma: PrismaClient;
  /** What the platform does with stored events (notifications, light measurement transitions). */
  followUp: ReturnType<typeof createDeviceEventFollowUp>;
  /** Frames the listener refused, by reason: unauthenticated input costs a counter, never a database row. */
  framesRefused?: Counter;
  /** The platform's signing keys: answers to a device go signed with the key it verifies with. */
  platformKeys?: PlatformKeyRing;
}

export function createOslpInboundStore({ prisma, followUp, framesRefused, platformKeys }: OslpInboundStoreDeps): OslpInboundStore {
  /** Best effort, as the follow-up: the registration is stored and answered whatever happens here. */
  const restoreOnContact = async (id: string): Promise<void> => {
    try {
      const { changes, events } = await prisma.$transaction(async (tx) => {
        const changes = await restoreHeardFromDevices(tx, [id]);
        return { changes, events: await storeCommunicationEvents(tx, changes) };
      });
      for (const change of changes) await followUp(change, events);
    } catch {
      // The next monitoring run restores it (it was heard from): nothing is lost.
    }
  };
  return {
    async findDevice(deviceUid) {
      const device = await prisma.device.findUnique({
        where: { oslpDeviceUid: deviceUidToBase64(deviceUid) },
        select: {
          identification: true,
          publicKey: true,
          deviceType: true,
          networkAddress: true,
          sequenceNumber: true,
          randomDevice: true,
          randomPlatform: true,
          pendingRegistrationSequenceNumber: true,
          platformVerificationKey: true,
        },
      });
      if (!device?.publicKey) return null;
      const signingKey = device.platformVerificationKey !== null ? platformKeys?.signingKeyFor(device.platformVerificationKey) : undefined;
      return {
        deviceIdentification: device.identification,
        publicKey: publicKeyFromPem(device.publicKey),
        ...(signingKey ? { platformPrivateKey: signingKey } : {}),
        device: {
          deviceIdentification: device.identification,
          deviceType: device.deviceType,
          networkAddress: device.networkAddress,
          state: {
            sequenceNumber: device.sequenceNumber,
            randomDevice: device.randomDevice,
            randomPlatform: device.randomPlatform,
            pendingRegistrationSequenceNumber: device.pendingRegistrationSequenceNumber,
          },
        },
      };
    },

    async logMessages(ctx, entries) {
      // One insert for the frame's rows; ids increase in the order given, so the answer stays after the request.
      await prisma.deviceMessageLog.createMany({
        data: entries.map(({ direction, message, result }) => ({
          deviceIdentification: ctx.deviceIdentification,
          direction,
          messageType: Object.keys(message)[0] ?? 'none',
          sequenceNumber: ctx.sequenceNumber,
          result,
          summary: summarize(message),
        })),
      });
    },

    async hasRegistered(deviceIdentification, fingerprint) {
      return (await prisma.oslpRegistration.count({ where: { device: { identification: deviceIdentification }, ...fingerprint } })) > 0;
    },

    async saveRegistration(deviceIdentification, expected, state, networkAddress, fingerprint) {
      // The fingerprint is kept with the state, so an older registration frame sent again is refused too. One
      // statement does both (atomic on its own): an interactive transaction took four round trips to the database
      // for every registration, and registering a fleet is bound by them.
      const inserted = await prisma.$executeRaw`
        WITH updated AS (
          UPDATE "Device"
          SET "sequenceNumber" = ${state.sequenceNumber}, "randomDevice" = ${state.randomDevice},
              "randomPlatform" = ${state.randomPlatform}, "pendingRegistrationSequenceNumber" = ${state.pendingRegistrationSequenceNumber},
              "networkAddress" = ${networkAddress}, "lastCommunicationAt" = CURRENT_TIMESTAMP, "updatedAt" = CURRENT_TIMESTAMP
          WHERE "identification" = ${deviceIdentification}
            AND "sequenceNumber" IS NOT DISTINCT FROM ${expected.sequenceNumber}::integer
            AND "randomDevice" IS NOT DISTINCT FROM ${expected.randomDevice}::integer
            AND "randomPlatform" IS NOT DISTINCT FROM ${expected.randomPlatform}::integer
            AND "pendingRegistrationSequenceNumber" IS NOT DISTINCT FROM ${expected.pendingRegistrationSequenceNumber}::integer
          RETURNING "id"
        )
        INSERT INTO "OslpRegistration" ("deviceId", "sequenceNumber", "randomDevice")
        SELECT "id", ${fingerprint.sequenceNumber}::integer, ${fingerprint.randomDevice}::integer FROM updated`;
      return inserted === 1;
    },

    async confirmRegistration(deviceIdentification, expected, state, registeredAt) {
      const id = await storeIfUnchanged(prisma, deviceIdentification, expected, { ...stateColumns(state), registeredAt, lastCommunicationAt: registeredAt });
      if (id === null) return false;
      // A device that registers again after it was lost is OK again at once (status monitoring).
      await restoreOnContact(id);
      return true;
    },

    async storeEvents(device, expected, state, events, receivedAt) {
      // The sequence number and the events together: a stored event always belongs to an accepted message.
      // The device's clock, as far as its events tell it (time synchronisation): the newest event time it sent.
      const deviation = clockDeviationFromEvents(events, receivedAt);
      const stored = await prisma.$transaction(async (tx) => {
        const heard = { lastCommunicationAt: receivedAt, ...(deviation === null ? {} : { clockDeviationMs: deviation, clockCheckedAt: receivedAt }) };
        const id = await storeIfUnchanged(tx, device.deviceIdentification, expected, { ...stateColumns(state), ...heard });
        if (id === null) return null;
        const rows = await tx.deviceEvent.createManyAndReturn({
          data: events.map((event) => ({ deviceIdentification: device.deviceIdentification, ...event, receivedAt })),
        });
        return { id, rows };
      });
      if (stored === null) return false;
      await followUp({ id: stored.id, identification: device.deviceIdentification, deviceType: device.deviceType }, stored.rows);
      return true;
    },

    onRejected(rejection) {
      framesRefused?.inc({ code: rejection.code });
    },
  };
}

/**
 * Writes a device's new OSLP state only if its stored sequence state is still `expected` (what the protocol
 * rules decided on); answers the device's id, or null when a concurrent message changed it first.
 */
async function storeIfUnchanged(
  prisma: Pick<PrismaClient, 'device'>,
  deviceIdentification: string,
  expected: OslpDeviceSequenceState,
  data: Prisma.DeviceUpdateManyMutationInput,
): Promise<string | null> {
  const updated = await prisma.device.updateManyAndReturn({ where: { identification: deviceIdentification, ...stateColumns(expected) }, data, select: { id: true } });
  return updated.length === 1 ? updated[0].id : null;
}

function stateColumns(state: OslpDeviceSequenceState) {
  return {
    sequenceNumber: state.sequenceNumber,
    randomDevice: state.randomDevice,
    randomPlatform: state.randomPlatform,
    pendingRegistrationSequenceNumber: state.pendingRegistrationSequenceNumber,
  };
}

/**
 * OSLP carries the device's UTC clock only in its event timestamps (RegisterDevice has none; GetStatus's
 * currentTime is local time with an offset the platform does not know). The newest event time against the
 * moment it arrived is the deviation, give or take the second the timestamp is rounded to; null without one.
 */
export function clockDeviationFromEvents(events: readonly Pick<OslpInboundEvent, 'deviceTimestamp'>[], receivedAt: Date): number | null {
  const newest = events.reduce<Date | null>((latest, e) => (e.deviceTimestamp && (!latest || e.deviceTimestamp > latest) ? e.deviceTimestamp : latest), null);
  return newest ? clockDeviationMs(newest, receivedAt) : null;
}
