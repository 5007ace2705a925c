// Core activities of the configuration workflows: what devices reported or accepted is kept on their records
// (core/configuration/device-configuration.ts). Each is idempotent: a repeat writes the same values. (A new
// verification key is kept by the OSLP adapter itself, with the answer that accepted it.)
import type { PrismaClient } from '../db/client';
import type { DeviceConfiguration } from '../common/device-configuration';
import {
  storeAcceptedConfiguration,
  storeReportedConfigurations,
  type ReportedConfiguration,
} from '../core/configuration/device-configuration';

export interface ConfigurationActivities {
  recordReportedConfigurations(input: { reports: ReportedConfiguration[] }): Promise<void>;
  recordAcceptedConfiguration(input: { deviceIdentifications: string[]; configuration: DeviceConfiguration }): Promise<void>;
}

export function createConfigurationActivities(prisma: PrismaClient): ConfigurationActivities {
  return {
    async recordReportedConfigurations({ reports }) {
      await storeReportedConfigurations(prisma, reports);
    },
    async recordAcceptedConfiguration({ deviceIdentifications, configuration }) {
      await storeAcceptedConfiguration(prisma, deviceIdentifications, configuration);
    },
  };
}
