// The OSLP adapter's executeDeviceCommand activity: find the device, translate the generic command, send it
// signed over TCP, verify and translate the answer, keep the sequence number and the message log.
// Transient trouble (network, timeouts) is thrown as retryable; what a retry cannot fix is non-retryable
// with a clear type. Every failure carries the attempt number so the request record can say how many it took.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type {
  DeviceCommandOutcome,
  DeviceCommandRequest,
  DeviceFailureDetails,
  PermanentFailureType,
} from '../../common/device-commands';
import type { Logger } from '../../common/logger';
import type { Counter } from '../../common/metrics';
import type { PrismaClient } from '../../db/client';
import type { OslpClient } from '../../adapters/oslp/client';
import { deviceUidFromBase64, publicKeyFromPem } from '../../adapters/oslp/envelope';
import { OslpProtocolError, OslpTransportError } from '../../adapters/oslp/errors';
import type { OslpMessage } from '../../adapters/oslp/messages';
import { fromOslpResponse, summarize, toOslpRequest } from './translate';

export interface OslpActivityDeps {
  prisma: PrismaClient;
  client: OslpClient;
  logger: Logger;
  deviceMessages?: Counter;
}

export function createOslpActivities({ prisma, client, logger, deviceMessages }: OslpActivityDeps) {
  return {
    async executeDeviceCommand(request: DeviceCommandRequest): Promise<DeviceCommandOutcome> {
      const { attempt } = Context.current().info;
      const fail = (type: PermanentFailureType, message: string): never => {
        throw ApplicationFailure.create({ type, message, nonRetryable: true, details: [{ attempt } satisfies DeviceFailureDetails] });
      };

      const device = await prisma.device.findUnique({ where: { identification: request.deviceIdentification } });
      if (!device) return fail('DEVICE_UNKNOWN', `Device ${request.deviceIdentification} is unknown`);
      if (!device.networkAddress || !device.port || !device.publicKey || !device.oslpDeviceUid) {
        return fail(
          'DEVICE_NOT_REACHABLE_CONFIG',
          `Device ${device.identification} has no network address, port, device uid or public key yet (has it registered?)`,
        );
      }

      const message = toOslpRequest(request.command);
      const log = (direction: 'TO_DEVICE' | 'FROM_DEVICE', m: OslpMessage | undefined, result: string, sequenceNumber?: number, note?: string) => ({
        deviceIdentification: device.identification,
        correlationUid: request.correlationUid,
        direction,
        messageType: m ? Object.keys(m)[0] : 'none',
        sequenceNumber: sequenceNumber ?? null,
        result,
        summary: note ?? (m ? summarize(m) : ''),
      });

      let exchange;
      try {
        exchange = await client.request(
          {
            host: device.networkAddress,
            port: device.port,
            deviceUid: deviceUidFromBase64(device.oslpDeviceUid),
            publicKey: publicKeyFromPem(device.publicKey),
            sequenceNumber: device.sequenceNumber ?? 0,
          },
          message,
        );
      } catch (error) {
        const code = error instanceof OslpProtocolError || error instanceof OslpTransportError ? error.code : 'ERROR';
        const text = error instanceof Error ? error.message : String(error);
        deviceMessages?.inc({ protocol: 'OSLP', result: code });
        await prisma.deviceMessageLog.createMany({
          data: [log('TO_DEVICE', message, code, undefined, `${summarize(message)} (attempt ${attempt}): ${text}`)],
        });
        logger.warn('device command failed', { device: device.identification, correlationUid: request.correlationUid, attempt, code, error: text });
        if (error instanceof OslpProtocolError) {
          return fail(error.code === 'BAD_SIGNATURE' ? 'BAD_SIGNATURE' : 'DEVICE_FAILURE', `${device.identification}: ${text}`);
        }
        // Transient: Temporal retries it; the type and attempt show on the record if the retries run out.
        throw ApplicationFailure.create({
          type: code,
          message: `${device.identification}: ${text}`,
          details: [{ attempt } satisfies DeviceFailureDetails],
        });
      }

      const { status, response } = fromOslpResponse(request.command, exchange.response);
      await prisma.$transaction([
        prisma.device.update({ where: { id: device.id }, data: { sequenceNumber: exchange.sequenceNumber } }),
        prisma.deviceMessageLog.createMany({
          data: [
            log('TO_DEVICE', message, 'SENT', exchange.requestSequenceNumber),
            log('FROM_DEVICE', exchange.response, status, exchange.sequenceNumber),
          ],
        }),
      ]);
      deviceMessages?.inc({ protocol: 'OSLP', result: status });
      if (status === 'REJECTED') return fail('DEVICE_REJECTED', `Device ${device.identification} rejected the ${request.command.kind} command`);
      if (status === 'FAILURE') return fail('DEVICE_FAILURE', `Device ${device.identification} reported FAILURE for ${request.command.kind}`);
      return { response, attempt };
    },
  };
}
