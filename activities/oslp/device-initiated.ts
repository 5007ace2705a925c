// What the OSLP listener does with verified device-initiated messages: the two-step registration (which
// records the device's address and answers with the platform's UTC time) and event notifications. The
// protocol rules are the pure functions of adapters/oslp/registration.ts; this file keeps their state.
import { randomInt } from 'node:crypto';
import type { Logger } from '../../common/logger';
import type { PrismaClient } from '../../db/client';
import { deviceUidToBase64, publicKeyFromPem } from '../../adapters/oslp/envelope';
import type { OslpInboundContext, OslpInboundReply, OslpListenerHandler, OslpRejection } from '../../adapters/oslp/listener';
import type { OslpMessage } from '../../adapters/oslp/messages';
import {
  checkDeviceInitiatedSequenceNumber,
  handleConfirmRegisterDevice,
  handleRegisterDevice,
  type OslpDeviceSequenceState,
} from '../../adapters/oslp/registration';
import { summarize } from './translate';

export interface DeviceInitiatedDeps {
  prisma: PrismaClient;
  logger: Logger;
  now?: () => Date;
}

export function createOslpListenerHandler({ prisma, logger, now = () => new Date() }: DeviceInitiatedDeps): OslpListenerHandler {
  const logMessage = (ctx: OslpInboundContext, direction: 'TO_DEVICE' | 'FROM_DEVICE', message: OslpMessage, result: string) =>
    prisma.deviceMessageLog.create({
      data: {
        deviceIdentification: ctx.deviceIdentification,
        direction,
        messageType: Object.keys(message)[0] ?? 'none',
        sequenceNumber: ctx.sequenceNumber,
        result,
        summary: summarize(message),
      },
    });

  return {
    async findDevice(deviceUid) {
      const device = await prisma.device.findUnique({ where: { oslpDeviceUid: deviceUidToBase64(deviceUid) } });
      if (!device?.publicKey) return null;
      return { deviceIdentification: device.identification, publicKey: publicKeyFromPem(device.publicKey) };
    },

    async handle(ctx, message): Promise<OslpInboundReply | null> {
      const device = await prisma.device.findUniqueOrThrow({ where: { identification: ctx.deviceIdentification } });
      const state: OslpDeviceSequenceState = {
        sequenceNumber: device.sequenceNumber,
        randomDevice: device.randomDevice,
        randomPlatform: device.randomPlatform,
        pendingRegistrationSequenceNumber: device.pendingRegistrationSequenceNumber,
      };
      await logMessage(ctx, 'FROM_DEVICE', message, 'RECEIVED');

      let reply: OslpInboundReply;
      let accepted: boolean;
      if (message.registerDeviceRequest) {
        const request = message.registerDeviceRequest;
        const outcome = handleRegisterDevice(state, ctx.sequenceNumber, request, { randomPlatform: randomInt(0, 65536), now: now() });
        accepted = outcome.accepted;
        if (outcome.accepted) {
          await prisma.device.update({
            where: { id: device.id },
            data: {
              ...stateColumns(outcome.state),
              networkAddress: addressOf(request.ipAddress, ctx.remoteAddress),
            },
          });
        } else logger.warn('registration refused', { device: device.identification, reason: outcome.reason });
        reply = { message: { registerDeviceResponse: outcome.response }, sequenceNumber: outcome.sequenceNumber };
      } else if (message.confirmRegisterDeviceRequest) {
        const outcome = handleConfirmRegisterDevice(state, ctx.sequenceNumber, message.confirmRegisterDeviceRequest);
        accepted = outcome.accepted;
        if (outcome.accepted) {
          await prisma.device.update({
            where: { id: device.id },
            data: { ...stateColumns(outcome.state), registeredAt: now() },
          });
          logger.info('device registered', { device: device.identification, address: device.networkAddress });
        } else logger.warn('registration confirmation refused', { device: device.identification, reason: outcome.reason });
        reply = { message: { confirmRegisterDeviceResponse: outcome.response }, sequenceNumber: outcome.sequenceNumber };
      } else if (message.eventNotificationRequest) {
        const check = checkDeviceInitiatedSequenceNumber(state, ctx.sequenceNumber);
        accepted = check.accepted;
        if (check.accepted) {
          await prisma.device.update({ where: { id: device.id }, data: stateColumns(check.state) });
        } else logger.warn('event notification refused', { device: device.identification, reason: check.reason });
        reply = {
          message: { eventNotificationResponse: { status: check.accepted ? 'OK' : 'REJECTED' } },
          sequenceNumber: ctx.sequenceNumber,
        };
      } else {
        logger.warn('unsupported device-initiated message', { device: device.identification, kind: ctx.kind });
        return null;
      }
      await logMessage(ctx, 'TO_DEVICE', reply.message, accepted ? 'OK' : 'REJECTED');
      return reply;
    },

    onRejected(rejection: OslpRejection, remoteAddress: string) {
      logger.warn('OSLP frame rejected', { ...rejection, remoteAddress });
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

/** The address the device reports, unless it reports none (0.0.0.0); then the one it connected from. */
function addressOf(reported: Buffer | undefined, remoteAddress: string): string {
  if (reported && reported.length === 4 && reported.some((octet) => octet !== 0)) return [...reported].join('.');
  return remoteAddress.replace(/^::ffff:/, '');
}
