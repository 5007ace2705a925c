import { initServer } from '@ts-rest/express';
import { publicLightingContract } from '../contracts/public-lighting';
import { authorizeDevices } from '../authorization';
import { callerOf, type ApiDeps } from '../context';

const s = initServer();

export function publicLightingHandlers({ prisma, requests }: ApiDeps) {
  return s.router(publicLightingContract, {
    setLight: async ({ body, headers, res }) => {
      const organisation = callerOf(res);
      const devices = await authorizeDevices(prisma, organisation, body.deviceIdentifications, 'SET_LIGHT');
      const accepted = await requests.start({
        organisation,
        domain: 'publicLighting',
        operation: 'setLight',
        workflowType: 'setLightWorkflow',
        devices,
        args: { lightValues: body.lightValues },
        headers,
      });
      return { status: 202, body: accepted };
    },
    getStatus: async ({ body, headers, res }) => {
      const organisation = callerOf(res);
      const devices = await authorizeDevices(prisma, organisation, body.deviceIdentifications, 'GET_STATUS');
      const accepted = await requests.start({
        organisation,
        domain: 'publicLighting',
        operation: 'getStatus',
        workflowType: 'getStatusWorkflow',
        devices,
        args: {},
        headers,
      });
      return { status: 202, body: accepted };
    },
  });
}
