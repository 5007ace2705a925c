// The platform's API: one ts-rest contract per functional domain. The router keys make the OpenAPI
// operationIds `<domain>.<operation>`, the OSGP operation name in lowerCamelCase.
import { initContract } from '@ts-rest/core';
import { adminContract } from './contracts/admin';
import { coreContract } from './contracts/core';
import { coreEventsContract } from './contracts/core-events';
import { publicLightingContract } from './contracts/public-lighting';
import { requestsContract } from './contracts/requests';

const c = initContract();

export const platformContract = c.router(
  {
    admin: adminContract,
    core: { ...coreContract, ...coreEventsContract },
    publicLighting: publicLightingContract,
    requests: requestsContract,
  },
  { strictStatusCodes: true },
);

export type PlatformContract = typeof platformContract;
