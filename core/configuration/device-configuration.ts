// The configuration a device last reported or accepted, kept on its record and shown with it. A getConfiguration
// answer replaces what was known; an accepted setConfiguration changes the fields it carried (the device keeps
// the others) and the platform's relay types follow its relay map. Written by the core activities of the configuration workflows; idempotent.
import type { Prisma, PrismaClient } from '../../db/client';
import { mergeConfiguration, type DeviceConfiguration } from '../../common/device-configuration';

export interface ReportedConfiguration {
  deviceIdentification: string;
  configuration: DeviceConfiguration;
}

/** The stored configuration of a device record, or null when none is known. */
export function configurationOf(value: Prisma.JsonValue | null): DeviceConfiguration | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as DeviceConfiguration) : null;
}

/**
 * What devices reported. OSLP knows no reversed tariff relay: a TARIFF relay the platform keeps as
 * TARIFF_REVERSED is shown as such, since that is what it is.
 */
export async function storeReportedConfigurations(prisma: PrismaClient, reports: readonly ReportedConfiguration[], at: Date = new Date()): Promise<void> {
  for (const report of reports) {
    const device = await prisma.device.findUnique({
      where: { identification: report.deviceIdentification },
      select: { id: true, relays: { select: { index: true, relayType: true } } },
    });
    if (!device) continue; // removed meanwhile: nothing to show it with
    const reversed = new Set(device.relays.filter((r) => r.relayType === 'TARIFF_REVERSED').map((r) => r.index));
    const configuration = withPlatformRelayTypes(report.configuration, reversed);
    await prisma.device.update({
      where: { id: device.id },
      data: { configuration: configuration as Prisma.InputJsonValue, configurationReportedAt: at },
    });
  }
}

function withPlatformRelayTypes(configuration: DeviceConfiguration, reversed: ReadonlySet<number>): DeviceConfiguration {
  if (!configuration.relayConfiguration || reversed.size === 0) return configuration;
  return {
    ...configuration,
    relayConfiguration: {
      relayMap: configuration.relayConfiguration.relayMap.map((relay) =>
        relay.relayType === 'TARIFF' && reversed.has(relay.index) ? { ...relay, relayType: 'TARIFF_REVERSED' } : relay,
      ),
    },
  };
}

/** A configuration change the devices accepted: merged into what each had, and their relays' types updated. */
export async function storeAcceptedConfiguration(
  prisma: PrismaClient,
  deviceIdentifications: readonly string[],
  change: DeviceConfiguration,
  at: Date = new Date(),
): Promise<void> {
  for (const identification of deviceIdentifications) {
    await prisma.$transaction(async (tx) => {
      const device = await tx.device.findUnique({ where: { identification }, select: { id: true, configuration: true } });
      if (!device) return;
      const merged = mergeConfiguration(configurationOf(device.configuration), change);
      await tx.device.update({
        where: { id: device.id },
        data: { configuration: merged as Prisma.InputJsonValue, configurationReportedAt: at },
      });
      for (const relay of change.relayConfiguration?.relayMap ?? []) {
        await tx.deviceRelay.upsert({
          where: { deviceId_index: { deviceId: device.id, index: relay.index } },
          create: { deviceId: device.id, index: relay.index, relayType: relay.relayType },
          update: { relayType: relay.relayType },
        });
      }
    });
  }
}
