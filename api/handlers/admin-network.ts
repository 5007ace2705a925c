// admin.setCommunicationNetworkInformation (contracts/admin-network.ts): a change of the platform's own record.
import { initServer } from '@ts-rest/express';
import { adminNetworkContract } from '../contracts/admin-network';
import { setCommunicationNetworkInformation } from '../../core/devices/device-network';
import { callerOf, type ApiDeps } from '../context';
import { ApiError } from '../errors';
import { isPrismaError } from '../../db/errors';

const s = initServer();

export function adminNetworkHandlers({ prisma, logger }: ApiDeps) {
  return s.router(adminNetworkContract, {
    setCommunicationNetworkInformation: async ({ params, body, res }) => {
      const caller = callerOf(res);
      try {
        const information = await setCommunicationNetworkInformation(prisma, caller, params.deviceIdentification, body);
        logger.info('device network information changed', { device: params.deviceIdentification, by: caller.identification });
        return { status: 200, body: information };
      } catch (error) {
        if (isPrismaError(error, 'P2025')) throw new ApiError(404, 'DEVICE_NOT_FOUND', `Device ${params.deviceIdentification} does not exist`);
        throw error;
      }
    },
  });
}
