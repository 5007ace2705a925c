// Device groups as targets of requests: the caller's own group (another organisation's group is reported
// as unknown), and how many devices it holds now.
import type { PrismaClient } from '../../db/client';
import type { DeviceGroup } from '../../generated/prisma/client';
import { DomainError } from '../errors';
import { requireEnabled, type AuthenticatedOrganisation } from '../organisations';
import { groupDevicesWhere, type DeviceViewer } from './device-filter';

export function groupNotFound(groupIdentification: string): DomainError {
  return new DomainError('NOT_FOUND', 'GROUP_NOT_FOUND', `No device group ${groupIdentification}`);
}

export async function findOwnGroup(prisma: PrismaClient, caller: AuthenticatedOrganisation, groupIdentification: string): Promise<DeviceGroup> {
  requireEnabled(caller);
  const group = await prisma.deviceGroup.findUnique({
    where: { organisationId_identification: { organisationId: caller.id, identification: groupIdentification } },
  });
  if (!group) throw groupNotFound(groupIdentification);
  return group;
}

/** The group's devices now: its members (STATIC), or those its filter matches for the viewer (FILTER). */
export async function countGroupDevices(prisma: PrismaClient, group: DeviceGroup, viewer: DeviceViewer): Promise<number> {
  return group.kind === 'STATIC'
    ? prisma.deviceGroupMember.count({ where: { groupId: group.id } })
    : prisma.device.count({ where: groupDevicesWhere(group, viewer) });
}
