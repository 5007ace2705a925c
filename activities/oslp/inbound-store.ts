// The platform side of the OSLP listener (adapters/oslp/inbound.ts decides the protocol): each device's
// sequence state and address, its message log, and its reported events, kept in the database; stored events
// are then handed to the core (core/devices/device-events.ts), which acts on them.
import type { Logger } from '../../common/logger';
import type { PrismaClient } from '../../db/client';
import { deviceUidToBase64, publicKeyFromPem } from '../../adapters/oslp/envelope';
import type { OslpInboundStore } from '../../adapters/oslp/inbound';
import type { OslpDeviceSequenceState } from '../../adapters/oslp/registration';
import type { createDeviceEventFollowUp } from '../../core/devices/device-events';
import { summarize } from './translate';

export interface OslpInboundStoreDeps {
  prisma: PrismaClient;
  logger: Logger;
  /** What the platform does with stored events (notifications, light measurement transitions). */
  followUp: ReturnType<typeof createDeviceEventFollowUp>;
}

export function createOslpInboundStore({ prisma, logger, followUp }: OslpInboundStoreDeps): OslpInboundStore {
  return {
    async findDevice(deviceUid) {
      const device = await prisma.device.findUnique({ where: { oslpDeviceUid: deviceUidToBase64(deviceUid) } });
      if (!device?.publicKey) return null;
      return { deviceIdentification: device.identification, publicKey: publicKeyFromPem(device.publicKey) };
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

    async saveRegistration(deviceIdentification, state, networkAddress) {
      await prisma.device.update({ where: { identification: deviceIdentification }, data: { ...stateColumns(state), networkAddress } });
    },

    async confirmRegistration(deviceIdentification, state, registeredAt) {
      await prisma.device.update({ where: { identification: deviceIdentification }, data: { ...stateColumns(state), registeredAt } });
    },

    async storeEvents(device, state, events, receivedAt) {
      // The sequence number and the events together: a stored event always belongs to an accepted message.
      const [updated, stored] = await prisma.$transaction([
        prisma.device.update({
          where: { identification: device.deviceIdentification },
          data: stateColumns(state),
          select: { id: true, identification: true, deviceType: true },
        }),
        prisma.deviceEvent.createManyAndReturn({
          data: events.map((event) => ({ deviceIdentification: device.deviceIdentification, ...event, receivedAt })),
        }),
      ]);
      await followUp(updated, stored);
    },

    onRejected(rejection, remoteAddress) {
      // A frame that named a known device (e.g. badly signed) shows in that device's message log.
      if (!rejection.deviceIdentification) return;
      prisma.deviceMessageLog
        .create({
          data: {
            deviceIdentification: rejection.deviceIdentification,
            direction: 'FROM_DEVICE',
            messageType: 'rejected',
            result: rejection.code,
            summary: `${rejection.message} (from ${remoteAddress})`,
          },
        })
        .catch((error: unknown) => logger.error('could not log a rejected frame', { error }));
    },
  };
}

function stateColumns(state: OslpDeviceSequenceState) {
  return {
    sequenceNumber: state.sequenceNumber,
    randomDevice: state.randomDevice,
    randomPlatform: state.randomPlatform,
    pendingRegistrationSequenceNumber: state.pendingRegistrationSequenceNumber,
  };
}
