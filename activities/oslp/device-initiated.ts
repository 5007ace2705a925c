// What the OSLP listener does with verified device-initiated messages: the two-step registration (which
// records the device's address and answers with the platform's UTC time) and event notifications (stored,
// then announced to the organisations that subscribed to them). The protocol rules are the pure functions
// of adapters/oslp/registration.ts; this file keeps their state.
//
// Light measurement devices (devices of type LMD): OSLP 0.6.1 has no light sensor event code, so an LMD
// reports with DIAG_EVENTS_GENERAL (OSLP's multi-purpose event) and OSGP's event type name as description,
// LIGHT_SENSOR_REPORTS_DARK or LIGHT_SENSOR_REPORTS_LIGHT. Such an event is stored under that event type, and
// the newest of a message starts lightMeasurementTransitionWorkflow: setTransition (DAY_NIGHT on dark,
// NIGHT_DAY on light) to every light linked to the LMD, an ordinary request of the LMD's owner whose
// correlation uid is derived from the event, so a repeated start runs it once.
import { randomInt } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { coreTaskQueue } from '../../common/device-commands';
import type { Logger } from '../../common/logger';
import { devicesAttribute, operationAttribute, organisationAttribute } from '../../common/search-attributes';
import type { Prisma, PrismaClient } from '../../db/client';
import { groupAllows } from '../../api/authorization';
import { deviceUidToBase64, publicKeyFromPem } from '../../adapters/oslp/envelope';
import type { OslpInboundContext, OslpInboundReply, OslpListenerHandler } from '../../adapters/oslp/listener';
import type { EventNotification, OslpMessage } from '../../adapters/oslp/messages';
import { deviceEventNotificationId, type NotificationPayload } from '../notifications';
import { createRequestService } from '../../api/request-service';
import type { DeviceRequestOptions } from '../../workflows/common/device-request';
import type { LightSensorVerdict } from '../../workflows/public-lighting/light-measurement-transition';
import {
  checkDeviceInitiatedSequenceNumber,
  handleConfirmRegisterDevice,
  handleRegisterDevice,
  registrationAddress,
  registrationFingerprint,
  type OslpDeviceSequenceState,
} from '../../adapters/oslp/registration';
import { isSequenceNumber } from '../../adapters/oslp/sequence';
import { summarize } from './translate';

export interface DeviceInitiatedDeps {
  prisma: PrismaClient;
  logger: Logger;
  now?: () => Date;
  /**
   * Starts the workflows that notify subscribed organisations of device events (in the client's namespace).
   * Without it, events are stored and answered, and nobody is notified.
   */
  temporal?: Client;
  /** How long a device event notification is retried; default 24 h. */
  notificationRetryPeriodMs?: number;
  /** How the setTransition requests an LMD's reports start are attempted (defaults: 3 attempts, 45 s each). */
  lightMeasurementRequestOptions?: DeviceRequestOptions;
}

const lightSensorVerdicts: readonly LightSensorVerdict[] = ['LIGHT_SENSOR_REPORTS_DARK', 'LIGHT_SENSOR_REPORTS_LIGHT'];

function isLightSensorVerdict(value: string): value is LightSensorVerdict {
  return (lightSensorVerdicts as readonly string[]).includes(value);
}

/** The platform event type of an OSLP event: an LMD's light sensor report, or the OSLP event name. */
export function platformEventType(deviceType: string, notification: EventNotification): string {
  const description = notification.description?.trim() ?? '';
  if (deviceType === 'LMD' && notification.event === 'DIAG_EVENTS_GENERAL' && isLightSensorVerdict(description)) return description;
  return notification.event;
}

export function createOslpListenerHandler({
  prisma,
  logger,
  now = () => new Date(),
  temporal,
  notificationRetryPeriodMs,
  lightMeasurementRequestOptions,
}: DeviceInitiatedDeps): OslpListenerHandler {
  const notifySubscribers = createEventNotifier({ prisma, logger, temporal, notificationRetryPeriodMs });
  const startTransitions = createLightMeasurementTransitions({ prisma, logger, temporal, requestOptions: lightMeasurementRequestOptions });
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
        const fingerprint = { deviceId: device.id, ...registrationFingerprint(ctx.sequenceNumber, request) };
        const registeredBefore =
          isSequenceNumber(request.randomDevice) && (await prisma.oslpRegistration.count({ where: fingerprint })) > 0;
        const outcome = handleRegisterDevice(state, ctx.sequenceNumber, request, {
          randomPlatform: randomInt(0, 65536),
          now: now(),
          registeredBefore,
        });
        // Stored only if nobody changed the state meanwhile: of two copies of one frame at once, one wins.
        accepted =
          outcome.accepted &&
          (await prisma.$transaction(async (tx) => {
            const networkAddress = registrationAddress(request.ipAddress, ctx.remoteIp);
            if (!(await storeIfUnchanged(tx, device.id, state, { ...stateColumns(outcome.state), networkAddress }))) return false;
            await tx.oslpRegistration.create({ data: fingerprint });
            return true;
          }));
        if (!accepted) logger.warn('registration refused', { device: device.identification, reason: outcome.accepted ? 'CONCURRENT' : outcome.reason });
        const response = accepted ? outcome.response : { ...outcome.response, status: 'REJECTED' as const, randomPlatform: 0 };
        reply = { message: { registerDeviceResponse: response }, sequenceNumber: outcome.sequenceNumber };
      } else if (message.confirmRegisterDeviceRequest) {
        const outcome = handleConfirmRegisterDevice(state, ctx.sequenceNumber, message.confirmRegisterDeviceRequest);
        accepted =
          outcome.accepted && (await storeIfUnchanged(prisma, device.id, state, { ...stateColumns(outcome.state), registeredAt: now() }));
        if (accepted) logger.info('device registered', { device: device.identification, address: device.networkAddress });
        else logger.warn('registration confirmation refused', { device: device.identification, reason: outcome.accepted ? 'CONCURRENT' : outcome.reason });
        const response = accepted ? outcome.response : { ...outcome.response, status: 'REJECTED' as const };
        reply = { message: { confirmRegisterDeviceResponse: response }, sequenceNumber: outcome.sequenceNumber };
      } else if (message.eventNotificationRequest) {
        const check = checkDeviceInitiatedSequenceNumber(state, ctx.sequenceNumber);
        const notifications = message.eventNotificationRequest.notifications;
        const receivedAt = now();
        // The sequence number and the events together, and only if the stored number is still the one checked:
        // a stored event always belongs to an accepted message, and of two copies of one frame at once one wins.
        const events = check.accepted
          ? await prisma.$transaction(async (tx) => {
              const claimed = await storeIfUnchanged(tx, device.id, state, stateColumns(check.state));
              if (!claimed) return null;
              return tx.deviceEvent.createManyAndReturn({
                data: notifications.map((n) => eventRow(device.identification, n, receivedAt, platformEventType(device.deviceType, n))),
              });
            })
          : null;
        accepted = events !== null;
        if (events !== null) {
          if (device.deviceType === 'LMD') {
            await startTransitions(device.id, events).catch((error: unknown) =>
              logger.error('could not start the transitions of a light measurement device', { device: device.identification, error }),
            );
          }
          // The events are stored: the device is answered OK even if nobody could be told (that is logged).
          await notifySubscribers(device.id, events).catch((error: unknown) =>
            logger.error('could not notify subscribers of device events', { device: device.identification, error }),
          );
        } else logger.warn('event notification refused', { device: device.identification, reason: check.accepted ? 'CONCURRENT' : check.reason });
        reply = {
          message: { eventNotificationResponse: { status: accepted ? 'OK' : 'REJECTED' } },
          sequenceNumber: ctx.sequenceNumber,
        };
      } else {
        logger.warn('unsupported device-initiated message', { device: device.identification, kind: ctx.kind });
        return null;
      }
      await logMessage(ctx, 'TO_DEVICE', reply.message, accepted ? 'OK' : 'REJECTED');
      return reply;
    },
  };
}

type StoredEvent = Prisma.DeviceEventGetPayload<object>;

function eventRow(
  deviceIdentification: string,
  notification: EventNotification,
  receivedAt: Date,
  eventType: string = notification.event,
): Prisma.DeviceEventCreateManyInput {
  return {
    deviceIdentification,
    eventType,
    index: notification.index ?? null,
    description: notification.description || null,
    deviceTimestamp: parseOslpTimestamp(notification.timestamp),
    receivedAt,
  };
}

/** OSLP's UTC `YYYYMMDDhhmmss`; null when absent or not a real moment. */
export function parseOslpTimestamp(value: string | undefined): Date | null {
  const match = value ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value) : null;
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  const roundTrips =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  return roundTrips ? date : null;
}

/**
 * For each stored event: every organisation that subscribed to it on this device, has a webhook, is enabled
 * and still may FIND_EVENTS on the device gets a Notification row and a deviceEventNotificationWorkflow.
 * The workflow id is derived from the event and the organisation, so a repeated start notifies once. A
 * start that fails is logged and left PENDING with its error; the device's event is stored and answered.
 */
function createEventNotifier({
  prisma,
  logger,
  temporal,
  notificationRetryPeriodMs,
}: Pick<DeviceInitiatedDeps, 'prisma' | 'logger' | 'temporal' | 'notificationRetryPeriodMs'>) {
  return async (deviceId: string, events: StoredEvent[]): Promise<void> => {
    if (!temporal || events.length === 0) return;
    const subscriptions = await prisma.eventSubscription.findMany({
      where: { deviceId, organisation: { enabled: true, notificationWebhook: { isNot: null } } },
      select: {
        eventTypes: true,
        organisation: {
          select: {
            id: true,
            identification: true,
            platformFunctionGroup: true,
            authorizations: { where: { deviceId }, select: { functionGroup: true } },
          },
        },
      },
    });
    const notifications: Array<{ row: Prisma.NotificationCreateManyInput; workflowId: string; organisation: string; device: string }> = [];
    for (const { eventTypes, organisation } of subscriptions) {
      const allowed =
        organisation.platformFunctionGroup === 'ADMIN' ||
        organisation.authorizations.some((a) => groupAllows(a.functionGroup, 'FIND_EVENTS'));
      if (!allowed) continue;
      for (const event of events) {
        if (eventTypes.length > 0 && !eventTypes.includes(event.eventType)) continue;
        const notificationId = deviceEventNotificationId(event.id, organisation.id);
        const payload: NotificationPayload = {
          notificationId,
          notificationType: 'DEVICE_EVENT',
          correlationUid: null,
          deviceIdentification: event.deviceIdentification,
          result: 'OK',
          message: describeEvent(event),
          event: {
            eventId: event.id.toString(),
            eventType: event.eventType,
            index: event.index,
            description: event.description,
            deviceTimestamp: event.deviceTimestamp?.toISOString() ?? null,
            receivedAt: event.receivedAt.toISOString(),
          },
        };
        notifications.push({
          row: {
            id: notificationId,
            organisationId: organisation.id,
            type: 'DEVICE_EVENT',
            deviceEventId: event.id,
            payload: payload as unknown as Prisma.InputJsonValue,
          },
          workflowId: `device-event-${event.id}-${organisation.identification}`,
          organisation: organisation.identification,
          device: event.deviceIdentification,
        });
      }
    }
    if (notifications.length === 0) return;
    await prisma.notification.createMany({ data: notifications.map((n) => n.row), skipDuplicates: true });
    await Promise.all(
      notifications.map(async ({ row, workflowId, organisation, device }) => {
        try {
          await temporal.workflow.start('deviceEventNotificationWorkflow', {
            taskQueue: coreTaskQueue,
            workflowId,
            args: [{ notificationId: row.id, retryPeriodMs: notificationRetryPeriodMs }],
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            workflowIdConflictPolicy: 'USE_EXISTING',
            typedSearchAttributes: [
              { key: organisationAttribute, value: organisation },
              { key: operationAttribute, value: 'core.deviceEventNotification' },
              { key: devicesAttribute, value: [device] },
            ],
          });
        } catch (error) {
          if (error instanceof WorkflowExecutionAlreadyStartedError) return;
          logger.error('could not start a device event notification', { notificationId: row.id, error });
          await prisma.notification
            .update({ where: { id: row.id }, data: { lastError: `could not be started: ${(error as Error).message}` } })
            .catch(() => undefined);
        }
      }),
    );
  };
}

/**
 * For an LMD's stored events: its last communication time, and for the newest light sensor report a
 * setTransition request to each light linked to it on which its owner may SET_TRANSITION (activated, not in
 * maintenance). The request's idempotency key is the event id, so a repeated start is the same request.
 */
function createLightMeasurementTransitions({
  prisma,
  logger,
  temporal,
  requestOptions = { attemptTimeoutMs: 45_000, maxAttempts: 3, maxConcurrency: 50 },
}: Pick<DeviceInitiatedDeps, 'prisma' | 'logger' | 'temporal'> & { requestOptions?: DeviceRequestOptions }) {
  return async (lmdId: string, events: StoredEvent[]): Promise<void> => {
    const reports = events.filter((event) => isLightSensorVerdict(event.eventType));
    const newest = reports[reports.length - 1];
    if (!newest) return;
    const lmd = await prisma.device.update({
      where: { id: lmdId },
      data: {
        lightMeasurement: {
          upsert: { create: { lastCommunicationTime: newest.receivedAt }, update: { lastCommunicationTime: newest.receivedAt } },
        },
      },
      select: {
        identification: true,
        owner: { select: { id: true, identification: true, platformFunctionGroup: true, enabled: true } },
      },
    });
    const owner = lmd.owner;
    if (!temporal || !owner || !owner.enabled) {
      logger.warn('light measurement report not acted on: no Temporal client, or no enabled owner', { device: lmd.identification });
      return;
    }
    const lights = await prisma.device.findMany({
      where: { lightMeasurementDeviceId: lmdId, activated: true, inMaintenance: false },
      select: {
        identification: true,
        protocol: true,
        authorizations: { where: { organisationId: owner.id }, select: { functionGroup: true } },
      },
      orderBy: { identification: 'asc' },
    });
    const allowed = lights.filter(
      (light) => owner.platformFunctionGroup === 'ADMIN' || light.authorizations.some((a) => groupAllows(a.functionGroup, 'SET_TRANSITION')),
    );
    if (allowed.length < lights.length) {
      logger.warn('lights of a light measurement device its owner may not SET_TRANSITION are left out', {
        device: lmd.identification,
        left: lights.filter((light) => !allowed.includes(light)).map((light) => light.identification),
      });
    }
    if (allowed.length === 0) return;
    const verdict = newest.eventType as LightSensorVerdict;
    const at = newest.deviceTimestamp;
    const requests = createRequestService({ prisma, temporal, deviceRequestOptions: requestOptions, logger });
    const accepted = await requests.start({
      organisation: owner,
      domain: 'publicLighting',
      operation: 'setTransition',
      workflowType: 'lightMeasurementTransitionWorkflow',
      devices: allowed.map((light) => ({ deviceIdentification: light.identification, protocol: light.protocol })),
      args: {
        lightMeasurementDeviceIdentification: lmd.identification,
        verdict,
        ...(at ? { time: at.toISOString().slice(11, 16) } : {}),
      },
      headers: { 'idempotency-key': `light-measurement-event-${newest.id.toString()}` },
    });
    logger.info('light measurement transition started', { device: lmd.identification, verdict, correlationUid: accepted.correlationUid });
  };
}

function describeEvent(event: StoredEvent): string {
  const index = event.index === null ? '' : ` (index ${event.index})`;
  const description = event.description ? `: ${event.description}` : '';
  return `${event.eventType}${index} on ${event.deviceIdentification}${description}`;
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
 * Writes a device's new OSLP state only if its stored sequence state is still `expected` (what the rules
 * decided on); false when a concurrent message changed it first.
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
