import { initServer } from '@ts-rest/express';
import type { PrismaClient } from '../../db/client';
import type { RelayConfiguration } from '../../common/device-commands';
import type { DeviceTarget } from '../../workflows/common/device-request';
import type { AuthenticatedOrganisation } from '../api-keys';
import { authorizeDevices, type DeviceFunction } from '../authorization';
import { callerOf, type ApiDeps } from '../context';
import type { DeviceRequestHeaders } from '../contracts/common';
import { tariffSwitchingContract } from '../contracts/tariff-switching';
import { pageOfLightingDevices } from './public-lighting-device';

const s = initServer();

/** The request's devices with their relays: the workflow inverts the values of TARIFF_REVERSED relays. */
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

export function tariffSwitchingHandlers({ prisma, requests }: ApiDeps) {
  const start = async <TArgs extends object>(
    operation: 'getStatus' | 'setSchedule',
    fn: DeviceFunction,
    workflowType: string,
    caller: AuthenticatedOrganisation,
    deviceIdentifications: string[],
    args: TArgs,
    headers: DeviceRequestHeaders,
  ) => {
    const authorized = await authorizeDevices(prisma, caller, deviceIdentifications, fn);
    const devices = await withRelays(prisma, authorized);
    const accepted = await requests.start({ organisation: caller, domain: 'tariffSwitching', operation, workflowType, devices, args, headers });
    return { status: 202 as const, body: accepted };
  };

  return s.router(tariffSwitchingContract, {
    getDevices: async ({ query, res }) =>
      pageOfLightingDevices(prisma, callerOf(res), 'tariff-devices', { relays: { some: { relayType: { in: ['TARIFF', 'TARIFF_REVERSED'] } } } }, query),

    getStatus: async ({ body, headers, res }) =>
      start('getStatus', 'GET_TARIFF_STATUS', 'tariffGetStatusWorkflow', callerOf(res), body.deviceIdentifications, {}, headers),

    setSchedule: async ({ body, headers, res }) =>
      start(
        'setSchedule',
        'SET_TARIFF_SCHEDULE',
        'tariffSetScheduleWorkflow',
        callerOf(res),
        body.deviceIdentifications,
        { entries: body.schedules },
        headers,
      ),
  });
}
