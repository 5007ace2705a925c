// The platform's API: one ts-rest contract per functional domain. The router keys make the OpenAPI
// operationIds `<domain>.<operation>`, the OSGP operation name in lowerCamelCase.
import { initContract } from '@ts-rest/core';
import { adminContract } from './contracts/admin';
import { coreContract } from './contracts/core';
import { coreEventsContract } from './contracts/core-events';
import { coreFirmwareContract } from './contracts/core-firmware';
import { deviceGroupsContract } from './contracts/device-groups';
import { publicLightingContract } from './contracts/public-lighting';
import { lightingSchedulesContract } from './contracts/lighting-schedules';
import { requestsContract } from './contracts/requests';
import { smartMeteringContract } from './contracts/smart-metering';
import { publicLightingDeviceContract } from './contracts/public-lighting-device';
import { coreLightMeasurementContract } from './contracts/core-light-measurement';
import { tariffSwitchingContract } from './contracts/tariff-switching';
import { coreConfigurationContract } from './contracts/core-configuration';
import { adminNetworkContract } from './contracts/admin-network';

const c = initContract();

export const platformContract = c.router(
  {
    admin: { ...adminContract, ...adminNetworkContract },
    core: {
      ...coreContract,
      ...coreEventsContract,
      ...coreLightMeasurementContract,
      ...deviceGroupsContract,
      ...coreFirmwareContract,
      ...coreConfigurationContract,
    },
    publicLighting: { ...publicLightingContract, ...lightingSchedulesContract, ...publicLightingDeviceContract },
    requests: requestsContract,
    smartMetering: smartMeteringContract,
    tariffSwitching: tariffSwitchingContract,
  },
  { strictStatusCodes: true },
);

export type PlatformContract = typeof platformContract;
