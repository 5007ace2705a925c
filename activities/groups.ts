// Core activities of group requests: the parent workflow reads its target (a device group, or a list of
// devices) a page at a time, keyset-paged by device id, and each page comes back authorised device by
// device. Refused devices get their NOT_OK result here, so the workflow only sends to devices it may.
import type { Prisma, PrismaClient } from '../db/client';
import { asProtocol } from '../core/protocols';
import { groupDevicesWhere, viewerOf } from '../core/devices/device-filter';
import { deviceRefusal, type DeviceFunction } from '../core/authorization/device-functions';
import type { DeviceTarget } from '../core/requests/request-types';
import { type DeviceResultRecord, insertDeviceResults } from '../core/requests/records';

/** What a group request runs on: the members (or filter matches) of a device group, or named devices. */
export type GroupTarget = { groupId: string } | { deviceIdentifications: string[] };

export interface TargetPageInput {
  correlationUid: string;
  organisationId: string;
  deviceFunction: DeviceFunction;
  target: GroupTarget;
  /** The id of the last device of the previous page; absent for the first page. */
  after?: string;
  limit: number;
  /** Also count the whole target (the first page of a request does, for its progress total). */
  countTotal?: boolean;
}

export interface TargetPage {
  /** The devices of this page the organisation may send the command to, in id order. */
  devices: DeviceTarget[];
  /** Devices of this page refused (unknown, not authorised, not activated, in maintenance): recorded NOT_OK. */
  refused: number;
  /** Pass as `after` for the next page; null after the last page. */
  nextCursor: string | null;
  total?: number;
}

export interface GroupActivities {
  readTargetPage(input: TargetPageInput): Promise<TargetPage>;
  /**
   * Records NOT_OK `CANCELLED` for every device of the target that has no result yet (a device that has
   * answered keeps its result). Returns how many devices it recorded.
   */
  recordCancelledDevices(input: { correlationUid: string; organisationId: string; target: GroupTarget }): Promise<number>;
}

const cancelPage = 5_000;

export function createGroupActivities(prisma: PrismaClient): GroupActivities {
  /** The devices of the target as a condition; null when the group is gone or not the organisation's. */
  const targetWhere = async (organisationId: string, target: GroupTarget): Promise<Prisma.DeviceWhereInput | null> => {
    if ('deviceIdentifications' in target) return { identification: { in: target.deviceIdentifications } };
    const group = await prisma.deviceGroup.findUnique({ where: { id: target.groupId } });
    if (!group || group.organisationId !== organisationId) return null;
    const organisation = await prisma.organisation.findUniqueOrThrow({ where: { id: organisationId } });
    return groupDevicesWhere(group, viewerOf(organisation));
  };

  const record = (correlationUid: string, results: DeviceResultRecord[]): Promise<number> => insertDeviceResults(prisma, correlationUid, results);

  return {
    async readTargetPage({ correlationUid, organisationId, deviceFunction, target, after, limit, countTotal }) {
      const organisation = await prisma.organisation.findUniqueOrThrow({ where: { id: organisationId } });
      const where = await targetWhere(organisationId, target);
      if (!where) return { devices: [], refused: 0, nextCursor: null, ...(countTotal ? { total: 0 } : {}) };
      const rows = await prisma.device.findMany({
        where: after === undefined ? where : { AND: [where, { id: { gt: after } }] },
        orderBy: { id: 'asc' },
        take: limit,
        select: {
          id: true,
          identification: true,
          protocol: true,
          activated: true,
          inMaintenance: true,
          authorizations: { where: { organisationId }, select: { functionGroup: true } },
        },
      });
      const now = Date.now();
      const devices: DeviceTarget[] = [];
      const refusedResults: DeviceResultRecord[] = [];
      for (const row of rows) {
        const refusal = organisation.enabled
          ? deviceRefusal(organisation, { ...row, functionGroups: row.authorizations.map((a) => a.functionGroup) }, deviceFunction)
          : { code: 'UNAUTHORIZED', message: `Organisation ${organisation.identification} is disabled` };
        if (refusal) {
          refusedResults.push({
            deviceIdentification: row.identification,
            result: 'NOT_OK',
            attempts: 0,
            errorCode: refusal.code,
            message: refusal.message,
            finishedAtMs: now,
          });
        } else {
          devices.push({ deviceIdentification: row.identification, protocol: asProtocol(row.protocol) });
        }
      }
      // Named devices that do not exist are refused once, with the first page.
      if (after === undefined && 'deviceIdentifications' in target) {
        const known = new Set((await prisma.device.findMany({ where, select: { identification: true } })).map((d) => d.identification));
        for (const identification of target.deviceIdentifications) {
          if (known.has(identification)) continue;
          refusedResults.push({
            deviceIdentification: identification,
            result: 'NOT_OK',
            attempts: 0,
            errorCode: 'DEVICE_NOT_FOUND',
            message: `Device ${identification} does not exist`,
            finishedAtMs: now,
          });
        }
      }
      await record(correlationUid, refusedResults);
      const last = rows[rows.length - 1];
      return {
        devices,
        refused: refusedResults.length,
        nextCursor: rows.length === limit && last ? last.id : null,
        ...(countTotal
          ? { total: 'deviceIdentifications' in target ? target.deviceIdentifications.length : await prisma.device.count({ where }) }
          : {}),
      };
    },

    async recordCancelledDevices({ correlationUid, organisationId, target }) {
      const cancelled = (deviceIdentification: string): DeviceResultRecord => ({
        deviceIdentification,
        result: 'NOT_OK',
        attempts: 0,
        errorCode: 'CANCELLED',
        message: 'The request was cancelled before this device answered',
        finishedAtMs: Date.now(),
      });
      if ('deviceIdentifications' in target) return record(correlationUid, target.deviceIdentifications.map(cancelled));
      const where = await targetWhere(organisationId, target);
      if (!where) return 0;
      let recorded = 0;
      let after: string | undefined;
      for (;;) {
        const rows = await prisma.device.findMany({
          where: after === undefined ? where : { AND: [where, { id: { gt: after } }] },
          orderBy: { id: 'asc' },
          take: cancelPage,
          select: { id: true, identification: true },
        });
        recorded += await record(correlationUid, rows.map((row) => cancelled(row.identification)));
        if (rows.length < cancelPage) return recorded;
        after = rows[rows.length - 1].id;
      }
    },
  };
}
