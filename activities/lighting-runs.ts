// The core activities of scheduled lighting runs (workflows/public-lighting/scheduled-lighting.ts and
// astronomical-lighting.ts): read the schedule and its devices' locations in pages, with the rights checked
// again at every run, and record each run's request (core/requests/records.ts) with a correlation uid derived
// from the run, so a repeated run never switches twice.
import type { PrismaClient } from '../db/client';
import { deviceRefusal, type DeviceFunctionGroup } from '../core/authorization/device-functions';
import { groupDevicesWhere, viewerOf as viewerOfOrganisation } from '../core/devices/device-filter';
import { runCorrelationUid } from '../core/lighting-schedules/temporal-schedules';
import {
  scheduledLightingFunction,
  scheduledSetLightDomain,
  scheduledSetLightOperation,
  type LightingScheduleEntry,
  type Place,
} from '../core/lighting-schedules/model';
import { asProtocol, type Protocol } from '../core/protocols';
import { createRequestRecord, recordRefusedRequest } from '../core/requests/records';

export interface DeviceLocation {
  deviceIdentification: string;
  protocol: Protocol;
  latitude: number | null;
  longitude: number | null;
}

export interface LightingRunContext {
  organisationId: string;
  organisationIdentification: string;
  scheduleIdentification: string;
  timeZone: string;
  entry: LightingScheduleEntry;
  exceptionDates: string[];
  defaultPlace?: Place;
  /** A group target (its members are resolved when the run starts); otherwise a device list. */
  groupId?: string;
  deviceCount: number;
}

export interface UnswitchedDevice {
  deviceIdentification: string;
  errorCode: string;
  message: string;
}

export interface LightingRunActivities {
  /** The schedule as it is now, or null when it (or the entry) no longer exists. */
  loadLightingRun(input: { lightingScheduleId: string; entryIndex: number }): Promise<LightingRunContext | null>;
  /** A page of the target devices (by identification), with their locations. */
  findLightingTargets(input: { lightingScheduleId: string; after?: string; limit: number }): Promise<{
    devices: DeviceLocation[];
    /**
     * Devices of this page the run must not switch: no longer existing (device lists), or no longer
     * authorised for the schedule's organisation (SET_LIGHT_SCHEDULE), deactivated or in maintenance.
     */
    unswitched: UnswitchedDevice[];
    next?: string;
  }>;
  /** Creates the request record of one run's switching (idempotent); returns its correlation uid. */
  recordScheduledRequest(input: { organisationId: string; organisationIdentification: string; runKey: string; deviceCount: number }): Promise<string>;
  /**
   * A finished NOT_OK request for devices a run could not switch (no location for an astronomical entry, no
   * longer existing), one result per device naming why. Idempotent; returns its correlation uid.
   */
  recordUnswitchedDevices(input: {
    organisationId: string;
    organisationIdentification: string;
    runKey: string;
    devices: UnswitchedDevice[];
  }): Promise<string>;
}

export function createLightingRunActivities(prisma: PrismaClient): LightingRunActivities {
  /** Whose devices a FILTER group's filter may match: the schedule's organisation's. */
  const viewerOf = (row: { organisationId: string; organisation: { platformFunctionGroup: 'ADMIN' | 'USER' } }) =>
    viewerOfOrganisation({ id: row.organisationId, platformFunctionGroup: row.organisation.platformFunctionGroup });

  const loadRow = (id: string) =>
    prisma.lightingSchedule.findUnique({
      where: { id },
      include: { organisation: { select: { identification: true, platformFunctionGroup: true } }, group: true },
    });

  return {
    async loadLightingRun({ lightingScheduleId, entryIndex }) {
      const row = await loadRow(lightingScheduleId);
      const entries = row?.entries as unknown as LightingScheduleEntry[] | undefined;
      if (!row || !entries || !entries[entryIndex]) return null;
      const defaultPlace =
        row.defaultLatitude !== null && row.defaultLongitude !== null ? { latitude: row.defaultLatitude, longitude: row.defaultLongitude } : undefined;
      return {
        organisationId: row.organisationId,
        organisationIdentification: row.organisation.identification,
        scheduleIdentification: row.identification,
        timeZone: row.timeZone,
        entry: entries[entryIndex],
        exceptionDates: row.exceptionDates,
        ...(defaultPlace ? { defaultPlace } : {}),
        ...(row.groupId ? { groupId: row.groupId } : {}),
        deviceCount: row.group
          ? await prisma.device.count({ where: groupDevicesWhere(row.group, viewerOf(row)) })
          : row.deviceIdentifications.length,
      };
    },

    async findLightingTargets({ lightingScheduleId, after, limit }) {
      const row = await loadRow(lightingScheduleId);
      if (!row) return { devices: [], unswitched: [] };
      const select = {
        identification: true,
        protocol: true,
        latitude: true,
        longitude: true,
        activated: true,
        inMaintenance: true,
        authorizations: { where: { organisationId: row.organisationId }, select: { functionGroup: true } },
      } as const;
      // Rights are checked again at every run: a right revoked after the schedule was made stops the switching.
      const organisation = { identification: row.organisation.identification, platformFunctionGroup: row.organisation.platformFunctionGroup };
      const authorize = (
        rows: Array<{
          identification: string;
          protocol: string;
          latitude: number | null;
          longitude: number | null;
          activated: boolean;
          inMaintenance: boolean;
          authorizations: Array<{ functionGroup: DeviceFunctionGroup }>;
        }>,
      ): { devices: DeviceLocation[]; unswitched: UnswitchedDevice[] } => {
        const devices: DeviceLocation[] = [];
        const unswitched: UnswitchedDevice[] = [];
        for (const d of rows) {
          const refusal = deviceRefusal(organisation, { ...d, functionGroups: d.authorizations.map((a) => a.functionGroup) }, scheduledLightingFunction);
          if (refusal) unswitched.push({ deviceIdentification: d.identification, errorCode: refusal.code, message: refusal.message });
          else devices.push({ deviceIdentification: d.identification, protocol: asProtocol(d.protocol), latitude: d.latitude, longitude: d.longitude });
        }
        return { devices, unswitched };
      };
      if (!row.group) {
        // A device list: pages of the list itself, so devices removed since show up as missing.
        const remaining = [...row.deviceIdentifications].sort().filter((id) => after === undefined || id > after);
        const page = remaining.slice(0, limit);
        const devices = await prisma.device.findMany({ where: { identification: { in: page } }, select, orderBy: { identification: 'asc' } });
        const known = new Set(devices.map((d) => d.identification));
        const checked = authorize(devices);
        return {
          devices: checked.devices,
          unswitched: [
            ...page
              .filter((id) => !known.has(id))
              .map((id) => ({ deviceIdentification: id, errorCode: 'DEVICE_NOT_FOUND', message: `Device ${id} no longer exists` })),
            ...checked.unswitched,
          ],
          ...(remaining.length > page.length ? { next: page[page.length - 1] } : {}),
        };
      }
      const where = groupDevicesWhere(row.group, viewerOf(row));
      const devices = await prisma.device.findMany({
        where: { AND: [where, ...(after !== undefined ? [{ identification: { gt: after } }] : [])] },
        select,
        orderBy: { identification: 'asc' },
        take: limit,
      });
      return {
        ...authorize(devices),
        ...(devices.length === limit ? { next: devices[devices.length - 1].identification } : {}),
      };
    },

    async recordScheduledRequest({ organisationId, organisationIdentification, runKey, deviceCount }) {
      const correlationUid = runCorrelationUid(organisationIdentification, runKey);
      await createRequestRecord(prisma, {
        correlationUid,
        organisationId,
        domain: scheduledSetLightDomain,
        operation: scheduledSetLightOperation,
        deviceCount,
        requestHash: null,
      });
      return correlationUid;
    },

    async recordUnswitchedDevices({ organisationId, organisationIdentification, runKey, devices }) {
      const correlationUid = runCorrelationUid(organisationIdentification, runKey);
      await recordRefusedRequest(
        prisma,
        { correlationUid, organisationId, domain: scheduledSetLightDomain, operation: scheduledSetLightOperation },
        devices,
      );
      return correlationUid;
    },
  };
}

