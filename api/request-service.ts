// Starting a functional request: record it, then start its workflow with id = correlation uid. Both steps
// are idempotent, so repeating a request with the same idempotency key (or retrying after a crash between
// the two steps) returns the same correlation uid and never runs the request twice.
import { createHash, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { coreTaskQueue } from '../common/device-commands';
import {
  devicesAttribute,
  maxDevicesInSearchAttribute,
  operationAttribute,
  organisationAttribute,
} from '../common/search-attributes';
import type { PlatformConfig } from '../common/config';
import type { Logger } from '../common/logger';
import type { PrismaClient } from '../db/client';
import type { DeviceRequestOptions, DeviceTarget } from '../workflows/common/device-request';
import type { AuthenticatedOrganisation } from './api-keys';
import type { AcceptedRequest } from './contracts/common';
import { ApiError } from './errors';

export interface StartDeviceRequest<TArgs extends object> {
  organisation: AuthenticatedOrganisation;
  domain: string;
  operation: string;
  workflowType: string;
  devices: DeviceTarget[];
  /** Workflow input besides the devices and options. */
  args: TArgs;
  idempotencyKey?: string;
}

export interface RequestServiceDeps {
  prisma: PrismaClient;
  temporal: Client;
  deviceRequestOptions: DeviceRequestOptions;
  logger: Logger;
}

/**
 * How a request's device commands are attempted (one attempt may take the connect and answer time), and
 * how long the organisation's webhook is retried once the request has finished.
 */
export function deviceRequestOptionsFrom(
  config: Pick<
    PlatformConfig,
    | 'OSLP_CONNECT_TIMEOUT_MS'
    | 'OSLP_RESPONSE_TIMEOUT_MS'
    | 'DEVICE_COMMAND_MAX_ATTEMPTS'
    | 'DEVICE_REQUEST_MAX_CONCURRENCY'
    | 'NOTIFICATION_RETRY_PERIOD_MS'
  >,
): DeviceRequestOptions {
  return {
    attemptTimeoutMs: config.OSLP_CONNECT_TIMEOUT_MS + config.OSLP_RESPONSE_TIMEOUT_MS + 5_000,
    maxAttempts: config.DEVICE_COMMAND_MAX_ATTEMPTS,
    maxConcurrency: config.DEVICE_REQUEST_MAX_CONCURRENCY,
    notificationRetryPeriodMs: config.NOTIFICATION_RETRY_PERIOD_MS,
  };
}

export function correlationUidFor(organisationIdentification: string, operation: string, idempotencyKey?: string): string {
  const unique = idempotencyKey
    ? createHash('sha256').update(`${operation}\n${idempotencyKey}`).digest('hex').slice(0, 32)
    : randomUUID().replaceAll('-', '');
  return `${organisationIdentification}-${unique}`;
}

export function createRequestService({ prisma, temporal, deviceRequestOptions, logger }: RequestServiceDeps) {
  return {
    async start<TArgs extends object>(request: StartDeviceRequest<TArgs>): Promise<AcceptedRequest> {
      const { organisation, domain, operation, devices, idempotencyKey } = request;
      const correlationUid = correlationUidFor(organisation.identification, operation, idempotencyKey);
      const requestHash = idempotencyKey
        ? createHash('sha256').update(JSON.stringify({ devices, args: request.args })).digest('hex')
        : null;

      await recordRequest(prisma, {
        correlationUid,
        organisationId: organisation.id,
        domain,
        operation,
        deviceCount: devices.length,
        requestHash,
      });

      try {
        await temporal.workflow.start(request.workflowType, {
          taskQueue: coreTaskQueue,
          workflowId: correlationUid,
          args: [{ ...request.args, devices, options: deviceRequestOptions }],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          workflowIdConflictPolicy: 'USE_EXISTING',
          typedSearchAttributes: [
            { key: organisationAttribute, value: organisation.identification },
            { key: operationAttribute, value: `${domain}.${operation}` },
            {
              key: devicesAttribute,
              value: devices.slice(0, maxDevicesInSearchAttribute).map((d) => d.deviceIdentification),
            },
          ],
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) {
          logger.error('could not start workflow', { correlationUid, error });
          if (!idempotencyKey) {
            // Without a key the caller cannot resume this request: close it visibly instead of leaving it pending.
            await prisma.requestRecord
              .update({ where: { correlationUid }, data: { state: 'NOT_OK', finishedAt: new Date() } })
              .catch(() => undefined);
          }
          throw new ApiError(503, 'TEMPORAL_UNAVAILABLE', 'The request could not be started; retry it (with the same Idempotency-Key)');
        }
      }
      logger.info('request accepted', { correlationUid, operation: `${domain}.${operation}`, devices: devices.length });
      return { correlationUid, links: { request: `/v1/requests/${encodeURIComponent(correlationUid)}` } };
    },
  };
}

export type RequestService = ReturnType<typeof createRequestService>;

async function recordRequest(
  prisma: PrismaClient,
  record: {
    correlationUid: string;
    organisationId: string;
    domain: string;
    operation: string;
    deviceCount: number;
    requestHash: string | null;
  },
): Promise<void> {
  const created = await prisma.requestRecord.createMany({ data: [record], skipDuplicates: true });
  if (created.count === 1) return;
  const existing = await prisma.requestRecord.findUniqueOrThrow({ where: { correlationUid: record.correlationUid } });
  if (existing.requestHash !== record.requestHash) {
    throw new ApiError(409, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used before for a different request');
  }
}
