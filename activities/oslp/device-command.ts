// The OSLP adapter's executeDeviceCommand activity: find the device, translate the generic command, send it
// signed over TCP, verify and translate the answer, keep the sequence number and the message log.
// Transient trouble (network, timeouts) is thrown as retryable; what a retry cannot fix is non-retryable
// with a clear type. Every failure carries the attempt number so the request record can say how many it took.
import { Context } from '@temporalio/activity';
import type { AdapterActivities } from '../../core/adapter-contract';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type {
  DeviceCommandOutcome,
  DeviceCommandRequest,
  DeviceFailureDetails,
  DeviceResponse,
  PermanentFailureType,
} from '../../common/device-commands';
import type { Logger } from '../../common/logger';
import type { Counter, DeviceCommandMetrics } from '../../common/metrics';
import type { PrismaClient } from '../../db/client';
import type { OslpClient } from '../../adapters/oslp/client';
import {
  PublicKeyCache,
  answerFailure,
  classifyExchangeError,
  endpointOf,
  failedExchangeLog,
  isPermanentFailure,
  messageLogRow,
  oslpDeviceSelect,
  recordExchange,
} from './device-exchange';
import { fromOslpResponse, toOslpExchanges } from './translate';
import type { PlatformKeyRing } from './platform-keys';

export interface OslpActivityDeps {
  prisma: PrismaClient;
  client: OslpClient;
  logger: Logger;
  deviceMessages?: Counter;
  /** Latency, outcome and in-flight count of each exchange. */
  commandMetrics?: DeviceCommandMetrics;
  /** Parsed device keys, shared with the batch activity; one of its own when not given. */
  publicKeys?: PublicKeyCache;
  /** The platform's signing keys, for devices given another verification key (setDeviceVerificationKey). */
  platformKeys?: PlatformKeyRing;
}

export function createOslpActivities({ prisma, client, logger, deviceMessages, commandMetrics, publicKeys = new PublicKeyCache(), platformKeys }: OslpActivityDeps): AdapterActivities {
  return {
    async executeDeviceCommand(request: DeviceCommandRequest): Promise<DeviceCommandOutcome> {
      const { attempt } = Context.current().info;
      // `logged`: this activity wrote the warning itself; BENIGN keeps the SDK from writing it again at WARN.
      const fail = (type: PermanentFailureType, message: string, logged = false): never => {
        throw ApplicationFailure.create({
          type,
          message,
          nonRetryable: true,
          details: [{ attempt } satisfies DeviceFailureDetails],
          ...(logged ? { category: ApplicationFailureCategory.BENIGN } : {}),
        });
      };

      const device = await prisma.device.findUnique({ where: { identification: request.deviceIdentification }, select: oslpDeviceSelect });
      if (!device) return fail('DEVICE_UNKNOWN', `Device ${request.deviceIdentification} is unknown`);
      const endpoint = endpointOf(device, publicKeys, platformKeys);
      if (isPermanentFailure(endpoint)) return fail(endpoint.type, endpoint.message);
      // A key the platform cannot sign with would cut the device off: it is never sent.
      const { command } = request;
      if (command.kind === 'setDeviceVerificationKey' && platformKeys && !platformKeys.holds(command.verificationKey)) {
        return fail('PLATFORM_KEY_UNKNOWN', `The platform holds no private key for this verification key; ${device.identification} would refuse its messages`);
      }

      const messages = toOslpExchanges(request.command);
      const log = messageLogRow.bind(null, device.identification, request.correlationUid);
      // Most commands are one exchange; a long schedule is several (its pages), each with the next sequence
      // number, stored as it goes, and the first refusal ends the command.
      let sequenceNumber = endpoint.sequenceNumber;
      let last: DeviceResponse | undefined;
      for (const message of messages) {
        let exchange;
        const exchanged = commandMetrics?.start('OSLP', request.command.kind);
        try {
          exchange = await client.request({ ...endpoint, sequenceNumber }, message);
        } catch (error) {
          const failure = classifyExchangeError(error, device.identification);
          const { code, text } = failure;
          exchanged?.(code);
          deviceMessages?.inc({ protocol: 'OSLP', result: code });
          await prisma.deviceMessageLog.createMany({
            data: [failedExchangeLog(device.identification, request.correlationUid, message, failure, attempt)],
          });
          logger.warn('device command failed', { device: device.identification, correlationUid: request.correlationUid, attempt, code, error: text });
          if (failure.permanent) return fail(failure.permanent.type, failure.permanent.message, true);
          // Transient: Temporal retries it; the type and attempt show on the record if the retries run out.
          throw ApplicationFailure.create({
            type: code,
            message: `${device.identification}: ${text}`,
            details: [{ attempt } satisfies DeviceFailureDetails],
            category: ApplicationFailureCategory.BENIGN,
          });
        }

        sequenceNumber = exchange.sequenceNumber;
        const { status, response } = fromOslpResponse(request.command, exchange.response);
        exchanged?.(status);
        // Accepted: the device verifies with the new key from now on, so the platform signs with it (same statement).
        const acceptedKey = command.kind === 'setDeviceVerificationKey' && status === 'OK' ? command.verificationKey : undefined;
        await recordExchange(prisma, device.id, exchange.sequenceNumber, acceptedKey, [
          log('TO_DEVICE', message, 'SENT', exchange.requestSequenceNumber),
          log('FROM_DEVICE', exchange.response, status, exchange.sequenceNumber),
        ]);
        deviceMessages?.inc({ protocol: 'OSLP', result: status });
        const refused = answerFailure(status, device.identification, request.command.kind);
        if (refused) return fail(refused.type, refused.message);
        last = response;
      }
      if (!last) return fail('UNSUPPORTED_COMMAND', `${request.command.kind} translates to no OSLP exchange`);
      return { response: last, attempt };
    },
  };
}
