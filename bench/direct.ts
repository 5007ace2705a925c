// The benchmark's yardstick: the same devices switched by a plain loop over the OSLP adapter's client, at the
// same concurrency, without Temporal, the API or database writes. The caller reads the devices beforehand
// (not timed); each device's key is parsed inside the timed loop, as a cold platform has to.
import type { KeyObject } from 'node:crypto';
import { OslpClient } from '../adapters/oslp/client';
import { deviceUidFromBase64, publicKeyFromPem } from '../adapters/oslp/envelope';
import type { SimulatedDeviceEntry } from '../simulators/oslp/provision';

/** A device as the loop reaches it: where, its uid and key, and its newest sequence number. */
export interface DirectDevice extends SimulatedDeviceEntry {
  sequenceNumber: number;
}

export interface DirectRunResult {
  seconds: number;
  /** Milliseconds from the loop's start to each device's answer (or failure), sorted. */
  latenciesMs: number[];
  ok: number;
  failed: number;
  errors: Record<string, number>;
}

export async function runDirect(options: {
  platformPrivateKey: KeyObject;
  devices: DirectDevice[];
  concurrency: number;
  lightOn: boolean;
}): Promise<DirectRunResult> {
  const { devices } = options;
  const client = new OslpClient({ platformPrivateKey: options.platformPrivateKey, connectTimeoutMs: 10_000, responseTimeoutMs: 30_000 });
  const message = { setLightRequest: { values: [{ index: 0, on: options.lightOn }] } };
  const latenciesMs: number[] = [];
  const errors: Record<string, number> = {};
  let ok = 0;
  let next = 0;
  const started = performance.now();
  const lane = async (): Promise<void> => {
    while (next < devices.length) {
      const device = devices[next++];
      try {
        const { response } = await client.request(
          {
            host: device.host,
            port: device.port,
            deviceUid: deviceUidFromBase64(device.deviceUid),
            publicKey: publicKeyFromPem(device.publicKeyPem),
            sequenceNumber: device.sequenceNumber,
          },
          message,
        );
        if (response.setLightResponse?.status === 'OK') ok += 1;
        else errors[response.setLightResponse?.status ?? 'NO_STATUS'] = (errors[response.setLightResponse?.status ?? 'NO_STATUS'] ?? 0) + 1;
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'ERROR';
        errors[code] = (errors[code] ?? 0) + 1;
      }
      latenciesMs.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, devices.length) }, lane));
  const seconds = (performance.now() - started) / 1000;
  latenciesMs.sort((a, b) => a - b);
  return { seconds, latenciesMs, ok, failed: devices.length - ok, errors };
}
