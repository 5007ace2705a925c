// Adds a fleet's simulated devices to the platform through its API (core.addDevice), as an installer would:
// the organisation of the API key becomes their owner. (Benchmarks of tens of thousands of devices write them
// straight into the database instead: bench/seed-devices.ts.)
import { createPlatformClient, type PlatformClient } from '../../api/client';
import { deviceUidToBase64 } from '../../adapters/oslp/envelope';
import type { OslpSimulatorFleet } from './fleet';

export type { PlatformClient } from '../../api/client';

export function platformClient(apiUrl: string, apiKey: string): PlatformClient {
  return createPlatformClient({ baseUrl: apiUrl, apiKey });
}

export interface ProvisionOptions {
  /** Known address of the devices; without it they get one when they register. */
  networkAddress?: string;
  /** Devices that already exist count as added instead of failing (re-running the simulator). */
  tolerateExisting?: boolean;
  /** Requests in flight at once. */
  concurrency?: number;
}

/** Returns how many devices were added. */
export async function addFleetToPlatform(
  client: PlatformClient,
  fleet: Pick<OslpSimulatorFleet, 'devices' | 'port'>,
  { networkAddress, tolerateExisting = false, concurrency = 20 }: ProvisionOptions = {},
): Promise<number> {
  let added = 0;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < fleet.devices.length) {
      const device = fleet.devices[next++];
      const { status, body } = await client.core.addDevice({
        body: {
          deviceIdentification: device.identification,
          protocol: 'OSLP',
          networkAddress,
          port: fleet.port,
          deviceUid: deviceUidToBase64(device.deviceUid),
          publicKey: device.publicKeyPem,
          activated: true,
        },
      });
      if (status === 201) added += 1;
      else if (!(status === 409 && tolerateExisting)) {
        throw new Error(`adding ${device.identification} failed: ${status} ${JSON.stringify(body)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, fleet.devices.length) }, lane));
  return added;
}

/** What the platform's record of a simulated device needs (the simulator CLI writes these to its device list). */
export interface SimulatedDeviceEntry {
  identification: string;
  /** Base64, 12 bytes. */
  deviceUid: string;
  publicKeyPem: string;
  host: string;
  port: number;
}

/** A fleet's devices as entries for bench/seed-devices.ts. */
export function fleetEntries(fleet: Pick<OslpSimulatorFleet, 'devices' | 'host' | 'port'>): SimulatedDeviceEntry[] {
  return fleet.devices.map((device) => ({
    identification: device.identification,
    deviceUid: deviceUidToBase64(device.deviceUid),
    publicKeyPem: device.publicKeyPem,
    host: fleet.host,
    port: fleet.port,
  }));
}
