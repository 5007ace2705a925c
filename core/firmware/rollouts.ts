// Staged firmware rollouts (beyond OSGP): one request rolls a firmware out over a group, a device filter or a
// list, wave by wave (firmwareRolloutWorkflow). This is the core's side: starting it (through the request
// service, as every request), finding its devices when it runs, and steering it (pause, resume, abort).
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { PrismaClient } from '../../db/client';
import { checkEachDevice } from '../authorization/device-gate';
import { deviceFilterWhere, groupDevicesWhere, viewerOf } from '../devices/device-filter';
import { countGroupDevices, findOwnGroup } from '../devices/device-groups';
import { DomainError } from '../errors';
import type { AuthenticatedOrganisation } from '../organisations';
import { insertDeviceResults, type DeviceResultRecord } from '../requests/records';
import type { AcceptedRequest, CallerRequestOptions, RequestService } from '../requests/start-request';
import type { Protocol } from '../protocols';
import { firmwareByIdentification } from './catalogue';
import { devicesNotFitting, latestFirmwareVersions } from './device-firmware';
import {
  abortRolloutSignal,
  pauseRolloutSignal,
  resumeRolloutSignal,
  rolloutProgressQuery,
  type RolloutProgress,
  type RolloutTarget,
} from './rollout-model';

/** Devices one rollout may hold: their list travels in the workflow's history once. */
export const maxRolloutDevices = 20_000;

export interface StartRollout {
  firmwareIdentification: string;
  groupIdentification?: string;
  filter?: { deviceIdentificationPrefix?: string };
  deviceIdentifications?: string[];
  waves: number[];
  failureThresholdPercent: number;
  waveTimeoutSeconds: number;
  pollIntervalSeconds: number;
  rollbackFailed: boolean;
}

export async function startFirmwareRollout(
  prisma: PrismaClient,
  requests: RequestService,
  caller: AuthenticatedOrganisation,
  input: StartRollout,
  options: CallerRequestOptions,
): Promise<AcceptedRequest> {
  const firmware = await firmwareByIdentification(prisma, input.firmwareIdentification, 'body.firmwareIdentification');
  if (!firmware.active) {
    throw new DomainError('INVALID', 'FIRMWARE_NOT_ACTIVE', `Firmware ${input.firmwareIdentification} is not active`, 'body.firmwareIdentification');
  }
  let target: RolloutTarget;
  let deviceCount: number;
  if (input.groupIdentification !== undefined) {
    const group = await findOwnGroup(prisma, caller, input.groupIdentification);
    target = { groupId: group.id };
    deviceCount = await countGroupDevices(prisma, group, viewerOf(caller));
  } else if (input.filter !== undefined) {
    target = { filter: input.filter };
    deviceCount = await prisma.device.count({ where: deviceFilterWhere(input.filter, viewerOf(caller)) });
  } else {
    target = { deviceIdentifications: input.deviceIdentifications ?? [] };
    deviceCount = target.deviceIdentifications.length;
  }
  if (deviceCount > maxRolloutDevices) {
    throw new DomainError('INVALID', 'TOO_MANY_DEVICES', `A rollout takes at most ${maxRolloutDevices} devices; this target has ${deviceCount}`, 'body');
  }
  return requests.start({
    organisation: caller,
    domain: 'core',
    operation: 'startFirmwareRollout',
    workflow: 'firmwareRolloutWorkflow',
    devices: [],
    groupDeviceCount: deviceCount,
    args: {
      organisationId: caller.id,
      firmwareId: firmware.id,
      firmwareIdentification: firmware.identification,
      version: firmware.version,
      target,
      waves: input.waves,
      failureThresholdPercent: input.failureThresholdPercent,
      waveTimeoutMs: input.waveTimeoutSeconds * 1000,
      pollIntervalMs: input.pollIntervalSeconds * 1000,
      rollbackFailed: input.rollbackFailed,
    },
    options,
  });
}

export interface RolloutDevice {
  deviceIdentification: string;
  protocol: Protocol;
  /** The version the device reported last before the rollout (what a rollback switches back to). */
  previousVersion: string | null;
}

/**
 * The rollout's devices when it runs, in a stable order: those the organisation may update (UPDATE_FIRMWARE,
 * activated, not in maintenance) and whose model the firmware fits. Every other device named gets its
 * NOT_OK result now, with the reason.
 */
export async function resolveRolloutDevices(
  prisma: PrismaClient,
  input: { correlationUid: string; organisationId: string; firmwareId: string; target: RolloutTarget },
): Promise<{ devices: RolloutDevice[]; refused: number }> {
  const organisation = await prisma.organisation.findUniqueOrThrow({ where: { id: input.organisationId } });
  const caller: AuthenticatedOrganisation = organisation;
  const viewer = viewerOf(caller);
  let identifications: string[];
  if ('deviceIdentifications' in input.target) {
    identifications = input.target.deviceIdentifications;
  } else {
    let where;
    if ('groupId' in input.target) {
      const group = await prisma.deviceGroup.findUniqueOrThrow({ where: { id: input.target.groupId } });
      where = groupDevicesWhere(group, viewer);
    } else {
      where = deviceFilterWhere(input.target.filter, viewer);
    }
    const rows = await prisma.device.findMany({ where, select: { identification: true }, orderBy: { identification: 'asc' }, take: maxRolloutDevices });
    identifications = rows.map((r) => r.identification);
  }
  const checked = await checkEachDevice(prisma, caller, identifications, 'UPDATE_FIRMWARE');
  const refusedResults: DeviceResultRecord[] = [];
  const allowed: Array<{ deviceIdentification: string; protocol: Protocol }> = [];
  for (const entry of checked) {
    if ('refusal' in entry) {
      refusedResults.push({ deviceIdentification: entry.deviceIdentification, result: 'NOT_OK', attempts: 0, errorCode: entry.refusal.code, message: entry.refusal.message });
    } else {
      allowed.push(entry);
    }
  }
  const misfits = new Map(
    (await devicesNotFitting(prisma, input.firmwareId, allowed.map((d) => d.deviceIdentification))).map((m) => [m.identification, m.model]),
  );
  const devices: RolloutDevice[] = [];
  const previous = await latestFirmwareVersions(prisma, allowed.map((d) => d.deviceIdentification));
  for (const device of allowed) {
    if (misfits.has(device.deviceIdentification)) {
      refusedResults.push({
        deviceIdentification: device.deviceIdentification,
        result: 'NOT_OK',
        attempts: 0,
        errorCode: 'FIRMWARE_DOES_NOT_FIT_DEVICE_MODEL',
        message: `The firmware does not fit the model of ${device.deviceIdentification} (${misfits.get(device.deviceIdentification) ?? 'no device model'})`,
      });
      continue;
    }
    devices.push({ ...device, previousVersion: previous.get(device.deviceIdentification) ?? null });
  }
  for (let i = 0; i < refusedResults.length; i += 1000) await insertDeviceResults(prisma, input.correlationUid, refusedResults.slice(i, i + 1000));
  return { devices, refused: refusedResults.length };
}

// ---------------------------------------------------------------- steering a running rollout

async function rolloutHandle(prisma: PrismaClient, temporal: Client, caller: AuthenticatedOrganisation, correlationUid: string) {
  const record = await prisma.requestRecord.findUnique({ where: { correlationUid }, select: { organisationId: true, operation: true } });
  const visible = record && (record.organisationId === caller.id || caller.platformFunctionGroup === 'ADMIN');
  if (!visible || record.operation !== 'startFirmwareRollout') {
    throw new DomainError('NOT_FOUND', 'ROLLOUT_NOT_FOUND', `No firmware rollout ${correlationUid}`, 'path.correlationUid');
  }
  return temporal.workflow.getHandle(correlationUid);
}

/** The rollout's progress from its workflow; a workflow Temporal no longer has is reported as unknown. */
async function askProgress(handle: WorkflowHandle, correlationUid: string): Promise<RolloutProgress> {
  try {
    return await handle.query<RolloutProgress>(rolloutProgressQuery);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) {
      throw new DomainError('NOT_FOUND', 'ROLLOUT_NOT_FOUND', `Firmware rollout ${correlationUid} is no longer known to Temporal`, 'path.correlationUid');
    }
    throw new DomainError('UNAVAILABLE', 'TEMPORAL_UNAVAILABLE', `The progress of firmware rollout ${correlationUid} cannot be read now; retry`);
  }
}

export async function rolloutProgress(prisma: PrismaClient, temporal: Client, caller: AuthenticatedOrganisation, correlationUid: string): Promise<RolloutProgress> {
  const handle = await rolloutHandle(prisma, temporal, caller, correlationUid);
  return askProgress(handle, correlationUid);
}

export async function steerRollout(
  prisma: PrismaClient,
  temporal: Client,
  caller: AuthenticatedOrganisation,
  correlationUid: string,
  action: { kind: 'pause' } | { kind: 'resume' } | { kind: 'abort'; rollbackFailed: boolean },
): Promise<RolloutProgress> {
  const handle = await rolloutHandle(prisma, temporal, caller, correlationUid);
  const before = await askProgress(handle, correlationUid);
  if (before.state === 'COMPLETED' || before.state === 'ABORTED') {
    throw new DomainError('CONFLICT', 'ROLLOUT_FINISHED', `Firmware rollout ${correlationUid} has finished (${before.state})`);
  }
  if (action.kind === 'resume' && before.state !== 'PAUSED') {
    throw new DomainError('CONFLICT', 'ROLLOUT_NOT_PAUSED', `Firmware rollout ${correlationUid} is not paused (${before.state})`);
  }
  if (action.kind === 'pause') await handle.signal(pauseRolloutSignal);
  else if (action.kind === 'resume') await handle.signal(resumeRolloutSignal);
  else await handle.signal(abortRolloutSignal, { rollbackFailed: action.rollbackFailed });
  return askProgress(handle, correlationUid);
}
