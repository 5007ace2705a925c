// Starting a functional request, the one way for every path that starts one (the API of every domain,
// scheduled runs, light measurement transitions, device events): record it, then start its workflow with
// id = correlation uid. Both steps are idempotent, so repeating a request with the same idempotency key (or
// retrying after a crash between the two steps) returns the same correlation uid and never runs it twice.
import { createHash, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import {
  devicesAttribute,
  devicesForSearchAttribute,
  operationAttribute,
  organisationAttribute,
} from '../../common/search-attributes';
import type { PlatformConfig } from '../../common/config';
import type { Logger } from '../../common/logger';
import type { PrismaClient } from '../../db/client';
import { DomainError } from '../errors';
import type { AuthenticatedOrganisation } from '../organisations';
import { coreTaskQueue } from '../protocols';
import { closeUnstartedRequest, createRequestRecordWriter } from './records';
import type { DeviceRequestOptions, DeviceTarget } from './request-types';
import type { WorkflowFunction, WorkflowInput, WorkflowName } from './workflow-types';

/** OSGP's request options, as the caller gave them (the API takes them from headers). */
export interface CallerRequestOptions {
  /** A repeat with the same key is the same request (same correlation uid), run once. */
  idempotencyKey?: string;
  /** 0-9, higher first when an adapter has a backlog; default 4. */
  priority?: number;
  /** ISO 8601: accepted now, carried out then. */
  scheduleTime?: string;
  /** ISO 8601: devices not reached by then end NOT_OK with MAX_SCHEDULE_TIME_EXCEEDED. */
  maxScheduleTime?: string;
  /** One attempt per device, no retries. */
  bypassRetry?: boolean;
}

/** What the workflow takes besides the devices and the options, which the start adds. */
export type RequestArgs<W extends WorkflowName> = Omit<WorkflowInput<W>, 'devices' | 'options'>;

export interface StartDeviceRequest<W extends WorkflowName> {
  organisation: AuthenticatedOrganisation;
  domain: string;
  operation: string;
  workflow: W;
  devices: DeviceTarget[];
  args: RequestArgs<W>;
  /**
   * A group request: the workflow finds its devices itself (`devices` is empty and not passed on), and the
   * record counts this many (the group's members at the start).
   */
  groupDeviceCount?: number;
  options?: CallerRequestOptions;
}

/** A request recorded and started: its correlation uid is its id everywhere (record, workflow, notifications). */
export interface AcceptedRequest {
  correlationUid: string;
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

/** The options one request runs with: the platform's, adjusted by the caller's request options. */
export function requestOptionsFor(base: DeviceRequestOptions, options: CallerRequestOptions = {}): DeviceRequestOptions {
  const { scheduleTime, maxScheduleTime } = options;
  return {
    ...base,
    ...(options.bypassRetry ? { maxAttempts: 1 } : {}),
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
  // Concurrent starts share the record insert (group commit); each start still waits for its own row.
  const records = createRequestRecordWriter(prisma);
  return {
    /** The platform's device request options (scheduled runs carry them to the requests they start). */
    deviceRequestOptions,
    async start<W extends WorkflowName>(request: StartDeviceRequest<W>): Promise<AcceptedRequest> {
      const { organisation, domain, operation, devices, options = {} } = request;
      const { idempotencyKey, ...requestOptions } = options;
      const correlationUid = correlationUidFor(organisation.identification, operation, idempotencyKey);
      const requestHash = idempotencyKey
        ? createHash('sha256').update(JSON.stringify({ devices, args: request.args, requestOptions })).digest('hex')
        : null;

      const [recorded, hasWebhook] = await Promise.all([
        records.create({
          correlationUid,
          organisationId: organisation.id,
          domain,
          operation,
          deviceCount: request.groupDeviceCount ?? devices.length,
          requestHash,
          ...(options.scheduleTime
            ? { scheduledTime: new Date(options.scheduleTime), scheduledDevices: devices.map((d) => d.deviceIdentification) }
            : {}),
        }),
        // Decided now and passed in: a request of an organisation without a webhook schedules nothing for it.
        organisation.hasNotificationWebhook ??
          prisma.notificationWebhook
            .findUnique({ where: { organisationId: organisation.id }, select: { organisationId: true } })
            .then((webhook) => webhook !== null),
      ]);
      if (recorded === 'conflict') {
        throw new DomainError('CONFLICT', 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used before for a different request');
      }

      const input = {
        ...request.args,
        ...(request.groupDeviceCount === undefined ? { devices } : {}),
        options: { ...requestOptionsFor(deviceRequestOptions, options), notify: hasWebhook },
      };
      try {
        await temporal.workflow.start<WorkflowFunction<W>>(request.workflow, {
          taskQueue: coreTaskQueue,
          workflowId: correlationUid,
          // The input is the args the workflow's own type asks for, plus the devices and options added here.
          args: [input] as unknown as Parameters<WorkflowFunction<W>>,
          priority: { priorityKey: priorityKeyFor(options.priority ?? 4) },
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
          // Without a key the caller cannot resume this request: close it visibly instead of leaving it pending.
          if (!idempotencyKey) await closeUnstartedRequest(prisma, correlationUid);
          throw new DomainError('UNAVAILABLE', 'TEMPORAL_UNAVAILABLE', 'The request could not be started; retry it (with the same Idempotency-Key)');
        }
      }
      logger.info('request accepted', { correlationUid, operation: `${domain}.${operation}`, devices: devices.length });
      return { correlationUid };
    },
  };
}

export type RequestService = ReturnType<typeof createRequestService>;
