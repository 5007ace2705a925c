// A light measurement device (LMD) reported: its last communication time, and for the newest light sensor
// report a setTransition request to each light linked to it on which its owner may SET_TRANSITION
// (activated, not in maintenance): an ordinary request of the LMD's owner (lightMeasurementTransitionWorkflow)
// whose idempotency key is the event id, so a repeated start is the same request.
import { isLightSensorVerdict, type LightSensorVerdict } from '../../common/device-commands';
import type { Logger } from '../../common/logger';
import type { PrismaClient } from '../../db/client';
import { groupAllows } from '../authorization/device-functions';
import { asProtocol } from '../protocols';
import type { RequestService } from '../requests/start-request';
import type { StoredDeviceEvent } from './device-events';

export interface LightMeasurementDeps {
  prisma: PrismaClient;
  logger: Logger;
  /** Starts the transitions; without it (no Temporal client) a report is stored and not acted on. */
  requests?: RequestService;
}

export function createLightMeasurementTransitions({ prisma, logger, requests }: LightMeasurementDeps) {
  return async (lmdId: string, events: StoredDeviceEvent[]): Promise<void> => {
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
    if (!requests || !owner || !owner.enabled) {
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
    const accepted = await requests.start({
      organisation: owner,
      domain: 'publicLighting',
      operation: 'setTransition',
      workflow: 'lightMeasurementTransitionWorkflow',
      devices: allowed.map((light) => ({ deviceIdentification: light.identification, protocol: asProtocol(light.protocol) })),
      args: {
        lightMeasurementDeviceIdentification: lmd.identification,
        verdict,
        ...(at ? { time: at.toISOString().slice(11, 16) } : {}),
      },
      options: { idempotencyKey: `light-measurement-event-${newest.id.toString()}` },
    });
    logger.info('light measurement transition started', { device: lmd.identification, verdict, correlationUid: accepted.correlationUid });
  };
}
