// Adds a fleet's simulated devices to the platform through its API (core.addDevice), as an installer would:
// the organisation of the API key becomes their owner. (Benchmarks of tens of thousands of devices write them
// straight into the database instead: bench/seed-devices.ts.)
import path from 'node:path';
import { createPlatformClient, type PlatformClient } from '../../api/client';
import { deviceUidToBase64 } from '../../adapters/oslp/envelope';
import type { OslpSimulatorFleet } from './fleet';

export type { PlatformClient } from '../../api/client';

export function platformClient(apiUrl: string, apiKey: string): PlatformClient {
  return createPlatformClient({ baseUrl: apiUrl, apiKey });
}

/** The simulator's device list lives with the platform's data (OSGP_DATA_DIR, default .data), never in the checkout. */
export function defaultDeviceListFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.OSGP_DATA_DIR || '.data', 'devices.json');
}

export interface ProvisionOptions {
  /** Known address of the devices; without it they get one when they register. */
  networkAddress?: string;
  /** Devices that already exist count as added instead of failing (re-running the simulator). */
  tolerateExisting?: boolean;
  /** Requests in flight at once. */
  concurrency?: number;
}

/** A device the run did not add, and why (the platform's answer). */
export interface DeviceNotAdded {
  identification: string;
  status: number;
  reason: string;
}

export interface ProvisionReport {
  added: string[];
  /** Already on the platform (409): made by an earlier run or someone else; they register only with this run's key. */
  existing: DeviceNotAdded[];
  /** Refused for another reason, or still rate limited after every retry. */
  refused: DeviceNotAdded[];
}

/** How often one device is tried again after a 429 before it is reported as refused. */
const MAX_RATE_LIMITED_RETRIES = 20;

/**
 * Adds the fleet's devices; a 429 waits for its Retry-After and tries the same device again (the platform's
 * own rate limit must not end a run half-way), and every device not added is reported with the reason.
 */
export async function provisionFleet(
  client: PlatformClient,
  fleet: Pick<OslpSimulatorFleet, 'devices' | 'port'>,
  { networkAddress, concurrency = 20 }: Omit<ProvisionOptions, 'tolerateExisting'> = {},
): Promise<ProvisionReport> {
  const report: ProvisionReport = { added: [], existing: [], refused: [] };
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < fleet.devices.length) {
      const device = fleet.devices[next++];
      for (let retries = 0; ; retries += 1) {
        // Widened: the client's types list the contract's statuses, and a 429 comes from the rate limit in front of every route.
        const response: { status: number; body: unknown; headers: Headers } = await client.core.addDevice({
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
        if (response.status === 201) {
          report.added.push(device.identification);
        } else if (response.status === 429 && retries < MAX_RATE_LIMITED_RETRIES) {
          await new Promise((resolve) => setTimeout(resolve, retryAfterMs(response.headers.get('retry-after'))));
          continue;
        } else {
          const notAdded = { identification: device.identification, status: response.status, reason: reasonOf(response.body) };
          (response.status === 409 ? report.existing : report.refused).push(notAdded);
        }
        break;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, fleet.devices.length) }, lane));
  return report;
}

/** Retry-After in seconds (what the API sends); one second when it is missing or not a number. */
export function retryAfterMs(header: string | null): number {
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000;
}

function reasonOf(body: unknown): string {
  if (body && typeof body === 'object' && 'message' in body && typeof body.message === 'string') return body.message;
  return JSON.stringify(body);
}

/** Returns how many devices were added; throws on the first device not added (unless it exists and that is tolerated). */
export async function addFleetToPlatform(
  client: PlatformClient,
  fleet: Pick<OslpSimulatorFleet, 'devices' | 'port'>,
  { tolerateExisting = false, ...options }: ProvisionOptions = {},
): Promise<number> {
  const report = await provisionFleet(client, fleet, options);
  const failed = [...report.refused, ...(tolerateExisting ? [] : report.existing)][0];
  if (failed) throw new Error(`adding ${failed.identification} failed: ${failed.status} ${failed.reason}`);
  return report.added.length;
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
