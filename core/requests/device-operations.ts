// Every device operation starts the same way, whoever asks: the authorization gate on every device named
// (operational: activated, not in maintenance), then the request and its workflow (./start-request.ts).
// A group request checks the group instead; its workflow pages the group and authorises each device itself
// (refused devices end NOT_OK with the reason).
import type { DeviceCommand, RelayConfiguration } from '../../common/device-commands';
import type { PrismaClient } from '../../db/client';
import { authorizeDevices } from '../authorization/device-gate';
import type { DeviceFunction } from '../authorization/device-functions';
import { viewerOf } from '../devices/device-filter';
import { countGroupDevices, findOwnGroup } from '../devices/device-groups';
import { DomainError } from '../errors';
import type { AuthenticatedOrganisation } from '../organisations';
import type { Protocol } from '../protocols';
import type { DeviceTarget } from './request-types';
import type { AcceptedRequest, CallerRequestOptions, RequestArgs, RequestService } from './start-request';
import type { WorkflowName } from './workflow-types';

export interface DeviceOperationDeps {
  prisma: PrismaClient;
  requests: RequestService;
}

export interface DeviceOperation<W extends WorkflowName> {
  domain: string;
  operation: string;
  /** The device functions the caller needs on every device (a bundle needs its own and each action's). */
  functions: readonly [DeviceFunction, ...DeviceFunction[]];
  /** The workflow that carries it out. */
  workflow: W;
  /** Only devices of these protocols can carry it out; any other device named is refused (INVALID). */
  protocols?: { only: readonly Protocol[]; refusalCode: string; kindOfDevice: string };
  /** The devices go with their relays, for operations whose meaning depends on them (tariff switching). */
  withRelays?: boolean;
}

export async function startDeviceOperation<W extends WorkflowName>(
  { prisma, requests }: DeviceOperationDeps,
  operation: DeviceOperation<W>,
  caller: AuthenticatedOrganisation,
  deviceIdentifications: string[],
  args: RequestArgs<W>,
  options: CallerRequestOptions,
): Promise<AcceptedRequest> {
  let devices: DeviceTarget[] = [];
  for (const fn of new Set(operation.functions)) devices = await authorizeDevices(prisma, caller, deviceIdentifications, fn);
  if (operation.protocols) {
    const { only, refusalCode, kindOfDevice } = operation.protocols;
    const others = devices.filter((d) => !only.includes(d.protocol));
    if (others.length > 0) {
      throw new DomainError(
        'INVALID',
        refusalCode,
        `Not ${kindOfDevice}: ${others.map((d) => `${d.deviceIdentification} (${d.protocol})`).join(', ')}`,
        'deviceIdentifications',
      );
    }
  }
  if (operation.withRelays) devices = await withRelays(prisma, devices);
  return requests.start({
    organisation: caller,
    domain: operation.domain,
    operation: operation.operation,
    workflow: operation.workflow,
    devices,
    args,
    options,
  });
}

export interface GroupOperation {
  domain: string;
  operation: string;
  /** The device function the caller needs on each device of the group (checked per device as it runs). */
  fn: DeviceFunction;
}

/**
 * A request on the caller's own device group: the record counts the group's devices at the start, and
 * groupRequestWorkflow pages the group, authorises each device and sends `command` in batches.
 */
export async function startGroupOperation(
  { prisma, requests }: DeviceOperationDeps,
  operation: GroupOperation,
  caller: AuthenticatedOrganisation,
  groupIdentification: string,
  command: DeviceCommand,
  options: CallerRequestOptions,
): Promise<AcceptedRequest> {
  const group = await findOwnGroup(prisma, caller, groupIdentification);
  const deviceCount = await countGroupDevices(prisma, group, viewerOf(caller));
  return requests.start({
    organisation: caller,
    domain: operation.domain,
    operation: operation.operation,
    workflow: 'groupRequestWorkflow',
    devices: [],
    groupDeviceCount: deviceCount,
    args: { organisationId: caller.id, deviceFunction: operation.fn, command, target: { groupId: group.id } },
    options,
  });
}

/** The devices with their relays as the platform knows them (TARIFF_REVERSED relays switch the other way). */
async function withRelays(prisma: PrismaClient, devices: DeviceTarget[]): Promise<DeviceTarget[]> {
  const rows = await prisma.deviceRelay.findMany({
    where: { device: { identification: { in: devices.map((d) => d.deviceIdentification) } } },
    select: { index: true, relayType: true, device: { select: { identification: true } } },
    orderBy: { index: 'asc' },
  });
  const byDevice = new Map<string, RelayConfiguration[]>();
  for (const row of rows) {
    const list = byDevice.get(row.device.identification) ?? [];
    list.push({ index: row.index, relayType: row.relayType });
    byDevice.set(row.device.identification, list);
  }
  return devices.map((device) => ({ ...device, relays: byDevice.get(device.deviceIdentification) ?? [] }));
}
