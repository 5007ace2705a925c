// Starting a functional request: record it, then start its workflow with id = correlation uid. Both steps
// are idempotent, so repeating a request with the same idempotency key (or retrying after a crash between
// the two steps) returns the same correlation uid and never runs the request twice.
import { createHash, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { coreTaskQueue } from '../common/device-commands';
import {
  devicesAttribute,
  devicesForSearchAttribute,
  operationAttribute,
  organisationAttribute,
} from '../common/search-attributes';
import type { PlatformConfig } from '../common/config';
import type { Logger } from '../common/logger';
import type { PrismaClient } from '../db/client';
import { createRequestRecord, type NewRequestRecord } from '../db/request-records';
import type { DeviceRequestOptions, DeviceTarget } from '../workflows/common/device-request';
import type { AuthenticatedOrganisation } from './api-keys';
import type { AcceptedRequest, DeviceRequestHeaders } from './contracts/common';
import { ApiError } from './errors';

export interface StartDeviceRequest<TArgs extends object> {
  organisation: AuthenticatedOrganisation;
  domain: string;
  operation: string;
  workflowType: string;
  devices: DeviceTarget[];
  /** Workflow input besides the devices and options. */
  args: TArgs;
  /**
   * A group request: the workflow finds its devices itself (`devices` is empty and not passed on), and the
   * record counts this many (the group's members at the start).
   */
  groupDeviceCount?: number;
  /** The idempotency key and OSGP's request options (priority, schedule time, max schedule time, bypass retry). */
  headers?: DeviceRequestHeaders;
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

/**
 * OSGP's priority 0-9 (higher first, default 4) on Temporal's priority keys 1-5 (lower first, default 3):
 * 9-8 -> 1, 7-6 -> 2, 5-4 -> 3, 3-2 -> 4, 1-0 -> 5.
 */
export function priorityKeyFor(priority: number): number {
  return 5 - Math.floor(priority / 2);
}

/** The options one request runs with: the platform's, adjusted by the caller's request headers. */
export function requestOptionsFor(base: DeviceRequestOptions, headers: DeviceRequestHeaders = {}): DeviceRequestOptions {
  const scheduleTime = headers['x-osgp-schedule-time'];
  const maxScheduleTime = headers['x-osgp-max-schedule-time'];
  return {
    ...base,
    ...(headers['x-osgp-bypass-retry'] === 'true' ? { maxAttempts: 1 } : {}),
    ...(scheduleTime ? { scheduleTimeMs: Date.parse(scheduleTime) } : {}),
    ...(maxScheduleTime ? { maxScheduleTimeMs: Date.parse(maxScheduleTime) } : {}),
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
    /** The platform's device request options (scheduled runs carry them to the requests they start). */
    deviceRequestOptions,
    async start<TArgs extends object>(request: StartDeviceRequest<TArgs>): Promise<AcceptedRequest> {
      const { organisation, domain, operation, devices, headers = {} } = request;
      const idempotencyKey = headers['idempotency-key'];
      const correlationUid = correlationUidFor(organisation.identification, operation, idempotencyKey);
      const { 'idempotency-key': _key, ...requestOptions } = headers;
      const requestHash = idempotencyKey
        ? createHash('sha256').update(JSON.stringify({ devices, args: request.args, requestOptions })).digest('hex')
        : null;

      await recordRequest(prisma, {
        correlationUid,
        organisationId: organisation.id,
        domain,
        operation,
        deviceCount: request.groupDeviceCount ?? devices.length,
        requestHash,
      });

      try {
        await temporal.workflow.start(request.workflowType, {
          taskQueue: coreTaskQueue,
          workflowId: correlationUid,
          args: [
            {
              ...request.args,
              ...(request.groupDeviceCount === undefined ? { devices } : {}),
              options: requestOptionsFor(deviceRequestOptions, headers),
            },
          ],
          priority: { priorityKey: priorityKeyFor(headers['x-osgp-priority'] ?? 4) },
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          workflowIdConflictPolicy: 'USE_EXISTING',
          typedSearchAttributes: [
            { key: organisationAttribute, value: organisation.identification },
            { key: operationAttribute, value: `${domain}.${operation}` },
            {
              key: devicesAttribute,
              value: devicesForSearchAttribute(devices.map((d) => d.deviceIdentification)),
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

async function recordRequest(prisma: PrismaClient, record: NewRequestRecord): Promise<void> {
  if ((await createRequestRecord(prisma, record)) === 'conflict') {
    throw new ApiError(409, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used before for a different request');
  }
}
