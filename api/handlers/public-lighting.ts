import { initServer } from '@ts-rest/express';
import { publicLightingContract } from '../contracts/public-lighting';
import { callerOf, type ApiDeps } from '../context';
import { startDeviceOperation } from '../device-operations';

const s = initServer();

export function publicLightingHandlers(deps: ApiDeps) {
  return s.router(publicLightingContract, {
    setLight: async ({ body, headers, res }) =>
      startDeviceOperation(
        deps,
        { domain: 'publicLighting', operation: 'setLight', fn: 'SET_LIGHT', workflowType: 'setLightWorkflow' },
        callerOf(res),
        body.deviceIdentifications,
        { lightValues: body.lightValues },
        headers,
      ),
    getStatus: async ({ body, headers, res }) =>
      startDeviceOperation(
        deps,
        { domain: 'publicLighting', operation: 'getStatus', fn: 'GET_STATUS', workflowType: 'getStatusWorkflow' },
        callerOf(res),
        body.deviceIdentifications,
        {},
        headers,
      ),
  });
}
