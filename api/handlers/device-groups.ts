import { initServer } from '@ts-rest/express';
import type { Prisma } from '../../db/client';
import type { DeviceGroup } from '../../generated/prisma/client';
import { escapeLike, groupDevicesWhere, viewerOf } from '../../core/devices/device-filter';
import { deviceGroupsContract, type DeviceGroupView } from '../contracts/device-groups';
import { type AuthenticatedOrganisation, requireEnabled } from '../../core/organisations';
import { callerOf, type ApiDeps } from '../context';
import { decodeCursor, encodeCursor } from '../cursors';
import { ApiError } from '../errors';
import { isPrismaError } from '../../db/errors';
import { toDeviceView } from './core';
import { countGroupDevices, findOwnGroup } from '../../core/devices/device-groups';

const s = initServer();

const groupsListing = 'device-groups';
const membersListing = 'device-group-members';

function toGroupView(group: DeviceGroup): DeviceGroupView {
  return {
    groupIdentification: group.identification,
    description: group.description,
    kind: group.kind,
    filter: (group.filter as Record<string, unknown> | null) ?? null,
    createdAt: group.createdAt.toISOString(),
    updatedAt: group.updatedAt.toISOString(),
  };
}

export function deviceGroupsHandlers({ prisma, logger }: ApiDeps) {
  /** The ids of the named devices the caller holds a right on (all for ADMIN); 404 names the others. */
  const knownDevices = async (caller: AuthenticatedOrganisation, identifications: string[]): Promise<string[]> => {
    const viewer = viewerOf(caller);
    const devices = await prisma.device.findMany({
      where: {
        identification: { in: identifications },
        ...(viewer.isAdmin ? {} : { authorizations: { some: { organisationId: caller.id } } }),
      },
      select: { id: true, identification: true },
    });
    if (devices.length < identifications.length) {
      const found = new Set(devices.map((d) => d.identification));
      const unknown = identifications.filter((id) => !found.has(id));
      const named = unknown.slice(0, 20).join(', ');
      throw new ApiError(
        404,
        'DEVICE_NOT_FOUND',
        `${unknown.length} device(s) do not exist or are not the caller's: ${named}${unknown.length > 20 ? ', ...' : ''}`,
        'body.deviceIdentifications',
      );
    }
    return devices.map((d) => d.id);
  };

  const staticGroup = async (caller: AuthenticatedOrganisation, groupIdentification: string): Promise<DeviceGroup> => {
    const group = await findOwnGroup(prisma, caller, groupIdentification);
    if (group.kind !== 'STATIC') {
      throw new ApiError(409, 'GROUP_IS_FILTER', `Device group ${groupIdentification} is a FILTER group: its filter decides its members`);
    }
    return group;
  };

  return s.router(deviceGroupsContract, {
    createDeviceGroup: async ({ body, res }) => {
      const caller = callerOf(res);
      requireEnabled(caller);
      try {
        const group = await prisma.deviceGroup.create({
          data: {
            organisationId: caller.id,
            identification: body.groupIdentification,
            description: body.description ?? null,
            kind: body.kind,
            ...(body.filter ? { filter: body.filter as Prisma.InputJsonObject } : {}),
          },
        });
        logger.info('device group created', { group: group.identification, organisation: caller.identification, kind: group.kind });
        return { status: 201, body: toGroupView(group) };
      } catch (error) {
        if (isPrismaError(error, 'P2002')) {
          throw new ApiError(409, 'GROUP_EXISTS', `Device group ${body.groupIdentification} already exists`);
        }
        throw error;
      }
    },

    findDeviceGroups: async ({ query, res }) => {
      const caller = callerOf(res);
      requireEnabled(caller);
      const after = query.after === undefined ? undefined : decodeCursor(groupsListing, query.after);
      const rows = await prisma.deviceGroup.findMany({
        where: {
          organisationId: caller.id,
          ...(query.kind ? { kind: query.kind } : {}),
          identification: {
            ...(query.groupIdentificationPrefix ? { startsWith: escapeLike(query.groupIdentificationPrefix) } : {}),
            ...(after !== undefined ? { gt: after } : {}),
          },
        },
        orderBy: { identification: 'asc' },
        take: query.limit + 1,
      });
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      const nextCursor = rows.length > query.limit && last ? encodeCursor(groupsListing, last.identification) : null;
      return { status: 200, body: { groups: page.map(toGroupView), nextCursor } };
    },

    getDeviceGroup: async ({ params, res }) => {
      const caller = callerOf(res);
      const group = await findOwnGroup(prisma, caller, params.groupIdentification);
      const memberCount = await countGroupDevices(prisma, group, viewerOf(caller));
      return { status: 200, body: { ...toGroupView(group), memberCount } };
    },

    updateDeviceGroup: async ({ params, body, res }) => {
      const caller = callerOf(res);
      const group = await findOwnGroup(prisma, caller, params.groupIdentification);
      if (body.filter !== undefined && group.kind !== 'FILTER') {
        throw new ApiError(400, 'VALIDATION_FAILED', 'body.filter: only a FILTER group has a filter', 'body.filter');
      }
      const updated = await prisma.deviceGroup.update({
        where: { id: group.id },
        data: {
          ...(body.description !== undefined ? { description: body.description } : {}),
          ...(body.filter !== undefined ? { filter: body.filter as Prisma.InputJsonObject } : {}),
        },
      });
      return { status: 200, body: toGroupView(updated) };
    },

    deleteDeviceGroup: async ({ params, res }) => {
      const caller = callerOf(res);
      const group = await findOwnGroup(prisma, caller, params.groupIdentification);
      await prisma.deviceGroup.delete({ where: { id: group.id } });
      logger.info('device group deleted', { group: group.identification, organisation: caller.identification });
      return { status: 204, body: undefined };
    },

    addDeviceGroupMembers: async ({ params, body, res }) => {
      const caller = callerOf(res);
      const group = await staticGroup(caller, params.groupIdentification);
      const deviceIds = await knownDevices(caller, body.deviceIdentifications);
      const added = await prisma.deviceGroupMember.createMany({
        data: deviceIds.map((deviceId) => ({ groupId: group.id, deviceId })),
        skipDuplicates: true,
      });
      const memberCount = await prisma.deviceGroupMember.count({ where: { groupId: group.id } });
      return { status: 200, body: { added: added.count, memberCount } };
    },

    removeDeviceGroupMembers: async ({ params, body, res }) => {
      const caller = callerOf(res);
      const group = await staticGroup(caller, params.groupIdentification);
      const deviceIds = await knownDevices(caller, body.deviceIdentifications);
      const removed = await prisma.deviceGroupMember.deleteMany({ where: { groupId: group.id, deviceId: { in: deviceIds } } });
      const memberCount = await prisma.deviceGroupMember.count({ where: { groupId: group.id } });
      return { status: 200, body: { removed: removed.count, memberCount } };
    },

    findDeviceGroupMembers: async ({ params, query, res }) => {
      const caller = callerOf(res);
      const group = await findOwnGroup(prisma, caller, params.groupIdentification);
      const after = query.after === undefined ? undefined : decodeCursor(membersListing, query.after);
      const members = groupDevicesWhere(group, viewerOf(caller));
      const rows = await prisma.device.findMany({
        where: after === undefined ? members : { AND: [members, { identification: { gt: after } }] },
        orderBy: { identification: 'asc' },
        take: query.limit + 1,
        include: { owner: { select: { identification: true } } },
      });
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      const nextCursor = rows.length > query.limit && last ? encodeCursor(membersListing, last.identification) : null;
      return { status: 200, body: { devices: page.map(toDeviceView), nextCursor } };
    },
  });
}
