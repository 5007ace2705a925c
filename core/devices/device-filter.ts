// Which devices a device filter selects, as a Prisma condition: one place for core.findDevices and for
// filter-based device groups (resolved when a group request runs), so both always agree on what a filter means.
import type { Prisma } from '../../db/client';
import type { DeviceLifecycleStatus } from '../../generated/prisma/enums';
import type { CommunicationState } from '../monitoring/communication';
import type { AuthenticatedOrganisation } from '../organisations';
import type { Protocol } from '../protocols';

/** The filter fields of core.findDevices; a FILTER device group stores these. */
export interface DeviceFilter {
  deviceIdentificationPrefix?: string;
  protocol?: Protocol;
  ownerIdentification?: string;
  activated?: boolean;
  inMaintenance?: boolean;
  lifecycleStatus?: DeviceLifecycleStatus;
  /** Status monitoring: OK or COMMUNICATION_LOST. */
  communicationState?: CommunicationState;
  minLat?: number;
  maxLat?: number;
  minLon?: number;
  maxLon?: number;
}

/** Whose devices: an organisation sees the devices it holds an authorisation on; ADMIN sees every device. */
export interface DeviceViewer {
  organisationId: string;
  isAdmin: boolean;
}

export function viewerOf(organisation: Pick<AuthenticatedOrganisation, 'id' | 'platformFunctionGroup'>): DeviceViewer {
  return { organisationId: organisation.id, isAdmin: organisation.platformFunctionGroup === 'ADMIN' };
}

/** Prisma passes startsWith to LIKE as it is: escape LIKE's wildcards (and its escape character). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function range(min: number | undefined, max: number | undefined): Prisma.FloatNullableFilter | undefined {
  if (min === undefined && max === undefined) return undefined;
  // A location box leaves out devices without a location.
  return { ...(min !== undefined ? { gte: min } : {}), ...(max !== undefined ? { lte: max } : {}), not: null };
}

export function deviceFilterWhere(filter: DeviceFilter, viewer: DeviceViewer): Prisma.DeviceWhereInput {
  const latitude = range(filter.minLat, filter.maxLat);
  const longitude = range(filter.minLon, filter.maxLon);
  return {
    ...(viewer.isAdmin ? {} : { authorizations: { some: { organisationId: viewer.organisationId } } }),
    ...(filter.deviceIdentificationPrefix ? { identification: { startsWith: escapeLike(filter.deviceIdentificationPrefix) } } : {}),
    ...(filter.protocol ? { protocol: filter.protocol } : {}),
    ...(filter.ownerIdentification ? { owner: { identification: filter.ownerIdentification } } : {}),
    ...(filter.activated !== undefined ? { activated: filter.activated } : {}),
    ...(filter.inMaintenance !== undefined ? { inMaintenance: filter.inMaintenance } : {}),
    ...(filter.lifecycleStatus ? { lifecycleStatus: filter.lifecycleStatus } : {}),
    ...(filter.communicationState ? { communicationState: filter.communicationState } : {}),
    ...(latitude ? { latitude } : {}),
    ...(longitude ? { longitude } : {}),
  };
}

/** The devices of a group now: its members (STATIC), or the devices its filter matches for its organisation (FILTER). */
export function groupDevicesWhere(
  group: { id: string; kind: 'STATIC' | 'FILTER'; filter: Prisma.JsonValue | null },
  viewer: DeviceViewer,
): Prisma.DeviceWhereInput {
  return group.kind === 'STATIC'
    ? { groupMemberships: { some: { groupId: group.id } } }
    : deviceFilterWhere((group.filter ?? {}) as DeviceFilter, viewer);
}
