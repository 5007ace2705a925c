import { initServer } from '@ts-rest/express';
import { startDeviceOperation } from '../../core/requests/device-operations';
import { callerOf, type ApiDeps } from '../context';
import { tariffSwitchingContract } from '../contracts/tariff-switching';
import { accepted, requestOptionsFrom } from '../device-requests';
import { pageOfLightingDevices } from './public-lighting-device';

const s = initServer();

export function tariffSwitchingHandlers(deps: ApiDeps) {
  return s.router(tariffSwitchingContract, {
    getDevices: async ({ query, res }) =>
      pageOfLightingDevices(deps.prisma, callerOf(res), 'tariff-devices', { relays: { some: { relayType: { in: ['TARIFF', 'TARIFF_REVERSED'] } } } }, query),

    // The devices go with their relays: the workflows invert the values of TARIFF_REVERSED relays.
    getStatus: async ({ body, headers, res }) =>
      accepted(
        startDeviceOperation(
          deps,
          { domain: 'tariffSwitching', operation: 'getStatus', functions: ['GET_TARIFF_STATUS'], workflow: 'tariffGetStatusWorkflow', withRelays: true },
          callerOf(res),
          body.deviceIdentifications,
          {},
          requestOptionsFrom(headers),
        ),
      ),

    setSchedule: async ({ body, headers, res }) =>
      accepted(
        startDeviceOperation(
          deps,
          { domain: 'tariffSwitching', operation: 'setSchedule', functions: ['SET_TARIFF_SCHEDULE'], workflow: 'tariffSetScheduleWorkflow', withRelays: true },
          callerOf(res),
          body.deviceIdentifications,
          { entries: body.schedules },
          requestOptionsFrom(headers),
        ),
      ),
  });
}
