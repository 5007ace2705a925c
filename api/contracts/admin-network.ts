// Admin: a device's mobile network information (OSGP's AdminDeviceManagement setCommunicationNetworkInformation):
// its IP address, base transceiver station id and cell id, kept by the platform (no device contact).
import { initContract } from '@ts-rest/core';
import { z } from 'zod';
import { errorResponse, identification, standardErrors } from './common';

const c = initContract();

export const communicationNetworkInformation = z.object({
  deviceIdentification: z.string(),
  ipAddress: z.string().nullable(),
  btsId: z.number().int().nullable(),
  cellId: z.number().int().nullable(),
});

export const adminNetworkContract = c.router({
  setCommunicationNetworkInformation: {
    method: 'PUT',
    path: '/v1/admin/devices/:deviceIdentification/communication-network-information',
    summary:
      "Set a device's IP address, BTS id and cell id (SET_COMMUNICATION_NETWORK_INFORMATION: the owner, or ADMIN); fields left out stay as they are",
    pathParams: z.object({ deviceIdentification: identification }),
    body: z
      .object({
        ipAddress: z.string().ip({ message: 'must be an IPv4 or IPv6 address' }).optional(),
        btsId: z.number().int().min(0).max(2_147_483_647).optional(),
        cellId: z.number().int().min(0).max(2_147_483_647).optional(),
      })
      .strict()
      .refine((body) => Object.values(body).some((value) => value !== undefined), 'must set ipAddress, btsId or cellId'),
    responses: { 200: communicationNetworkInformation, 404: errorResponse, ...standardErrors },
  },
});
