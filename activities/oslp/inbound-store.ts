// The platform side of the OSLP listener (adapters/oslp/inbound.ts decides the protocol): each device's
// sequence state and address, its message log, and its reported events, kept in the database; stored events
// are then handed to the core (core/devices/device-events.ts), which acts on them.
import type { Counter } from '../../common/metrics';
import type { Prisma, PrismaClient } from '../../db/client';
import { deviceUidToBase64, publicKeyFromPem } from '../../adapters/oslp/envelope';
import type { OslpInboundStore } from '../../adapters/oslp/inbound';
import type { OslpDeviceSequenceState } from '../../adapters/oslp/registration';
import type { createDeviceEventFollowUp } from '../../core/devices/device-events';
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
  const deviceId = async (identification: string) => (await prisma.device.findUniqueOrThrow({ where: { identification }, select: { id: true } })).id;
  return {
    async findDevice(deviceUid) {
      const device = await prisma.device.findUnique({ where: { oslpDeviceUid: deviceUidToBase64(deviceUid) } });
      if (!device?.publicKey) return null;
      const signingKey = device.platformVerificationKey !== null ? platformKeys?.signingKeyFor(device.platformVerificationKey) : undefined;
      return {
        deviceIdentification: device.identification,
        publicKey: publicKeyFromPem(device.publicKey),
        ...(signingKey ? { platformPrivateKey: signingKey } : {}),
      };
    },

    async loadDevice(deviceIdentification) {
      const device = await prisma.device.findUniqueOrThrow({ where: { identification: deviceIdentification } });
      return {
        deviceIdentification,
        deviceType: device.deviceType,
        networkAddress: device.networkAddress,
        state: {
          sequenceNumber: device.sequenceNumber,
          randomDevice: device.randomDevice,
          randomPlatform: device.randomPlatform,
          pendingRegistrationSequenceNumber: device.pendingRegistrationSequenceNumber,
        },
      };
    },

    async logMessage(ctx, direction, message, result) {
      await prisma.deviceMessageLog.create({
        data: {
          deviceIdentification: ctx.deviceIdentification,
          direction,
          messageType: Object.keys(message)[0] ?? 'none',
          sequenceNumber: ctx.sequenceNumber,
          result,
          summary: summarize(message),
        },
      });
    },

    async hasRegistered(deviceIdentification, fingerprint) {
      return (await prisma.oslpRegistration.count({ where: { device: { identification: deviceIdentification }, ...fingerprint } })) > 0;
    },

    async saveRegistration(deviceIdentification, expected, state, networkAddress, fingerprint) {
      const id = await deviceId(deviceIdentification);
      // The fingerprint is kept with the state, so an older registration frame sent again is refused too.
      return prisma.$transaction(async (tx) => {
        if (!(await storeIfUnchanged(tx, id, expected, { ...stateColumns(state), networkAddress }))) return false;
        await tx.oslpRegistration.create({ data: { deviceId: id, ...fingerprint } });
        return true;
      });
    },

    async confirmRegistration(deviceIdentification, expected, state, registeredAt) {
      return storeIfUnchanged(prisma, await deviceId(deviceIdentification), expected, { ...stateColumns(state), registeredAt });
    },

    async storeEvents(device, expected, state, events, receivedAt) {
      const row = await prisma.device.findUniqueOrThrow({
        where: { identification: device.deviceIdentification },
        select: { id: true, identification: true, deviceType: true },
      });
      // The sequence number and the events together: a stored event always belongs to an accepted message.
      const stored = await prisma.$transaction(async (tx) => {
        if (!(await storeIfUnchanged(tx, row.id, expected, stateColumns(state)))) return null;
        return tx.deviceEvent.createManyAndReturn({
          data: events.map((event) => ({ deviceIdentification: device.deviceIdentification, ...event, receivedAt })),
        });
      });
      if (stored === null) return false;
      await followUp(row, stored);
      return true;
    },

    onRejected(rejection) {
      framesRefused?.inc({ code: rejection.code });
    },
  };
}

/**
 * Writes a device's new OSLP state only if its stored sequence state is still `expected` (what the protocol
 * rules decided on); false when a concurrent message changed it first.
 */
async function storeIfUnchanged(
  prisma: Pick<PrismaClient, 'device'>,
  deviceId: string,
  expected: OslpDeviceSequenceState,
  data: Prisma.DeviceUpdateManyMutationInput,
): Promise<boolean> {
  const { count } = await prisma.device.updateMany({ where: { id: deviceId, ...stateColumns(expected) }, data });
  return count === 1;
}

function stateColumns(state: OslpDeviceSequenceState) {
  return {
    sequenceNumber: state.sequenceNumber,
    randomDevice: state.randomDevice,
    randomPlatform: state.randomPlatform,
    pendingRegistrationSequenceNumber: state.pendingRegistrationSequenceNumber,
  };
}
