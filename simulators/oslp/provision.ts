// Adds a fleet's simulated devices to the platform through its API (core.addDevices), as an installer would:
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
  /** core.addDevices calls in flight at once. */
  concurrency?: number;
  /** Devices per core.addDevices call (at most the API's 10,000). */
  batchSize?: number;
}

/** A device the run did not add, and why (the platform's answer). */
export interface DeviceNotAdded {
  identification: string;
  reason: string;
}

export interface ProvisionReport {
  added: string[];
  /** Already on the platform with this very uid and key (a re-run with the same keys): they can register. */
  present: string[];
  /** Already on the platform with another uid or key: made by an earlier run or someone else, so they cannot register with this run's keys. */
  existing: DeviceNotAdded[];
  /** Refused for another reason, or still rate limited after every retry. */
  refused: DeviceNotAdded[];
}

/** How often one call is tried again after a 429 before its devices are reported as refused. */
const MAX_RATE_LIMITED_RETRIES = 20;

/**
 * Adds the fleet's devices with core.addDevices; a 429 waits for its Retry-After and sends the same devices
 * again (the platform's own rate limit must not end a run half-way), and every device not added is reported
 * with the reason.
 */
export async function provisionFleet(
  client: PlatformClient,
  fleet: Pick<OslpSimulatorFleet, 'devices' | 'port'>,
  { networkAddress, concurrency = 2, batchSize = 10_000 }: Omit<ProvisionOptions, 'tolerateExisting'> = {},
): Promise<ProvisionReport> {
  const report: ProvisionReport = { added: [], present: [], existing: [], refused: [] };
  const batches: Array<OslpSimulatorFleet['devices']> = [];
  for (let start = 0; start < fleet.devices.length; start += batchSize) batches.push(fleet.devices.slice(start, start + batchSize));
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < batches.length) {
      const batch = batches[next++];
      const devices = batch.map((device) => ({
        deviceIdentification: device.identification,
        protocol: 'OSLP' as const,
        networkAddress,
        port: fleet.port,
        deviceUid: deviceUidToBase64(device.deviceUid),
        publicKey: device.publicKeyPem,
        activated: true,
      }));
      for (let retries = 0; ; retries += 1) {
        const response = await client.core.addDevices({ body: { devices } });
        if (response.status === 200) {
          for (const row of response.body.results) {
            const id = row.deviceIdentification;
            if (row.result === 'ADDED') report.added.push(id);
            else if (row.result === 'EXISTS') report.present.push(id);
            else (row.code === 'DEVICE_EXISTS' ? report.existing : report.refused).push({ identification: id, reason: `${row.code}: ${row.message}` });
          }
          break;
        }
        // Widened: the client's types list the contract's statuses, and a 429 comes from the rate limit in front of every route.
        const { status, headers } = response as { status: number; headers: Headers };
        if (status === 429 && retries < MAX_RATE_LIMITED_RETRIES) {
          await new Promise((resolve) => setTimeout(resolve, retryAfterMs(headers.get('retry-after'))));
          continue;
        }
        const reason = `${status} ${reasonOf(response.body)}`;
        for (const device of batch) report.refused.push({ identification: device.identification, reason });
        break;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, lane));
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
  if (failed) throw new Error(`adding ${failed.identification} failed: ${failed.reason}`);
  return report.added.length + (tolerateExisting ? report.present.length : 0);
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
