/**
 * Benchmark: time from setLight to a result for every device, through the whole path of a running platform
 * (API, Temporal workflow, OSLP adapter, signed envelopes over TCP, simulated devices). Prints figures; the
 * last line is one JSON object. Not a test.
 *
 *   npm start                       # in another terminal, or any platform reachable at --api-url
 *   npm run bench -- --devices 50 --api-key <admin key>
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { maxDevicesPerRequest } from '../api/contracts/public-lighting';
import { publicKeyFromPem } from '../adapters/oslp/envelope';
import { startOslpSimulatorFleet } from '../simulators/oslp/fleet';
import { addFleetToPlatform, platformClient } from '../simulators/oslp/provision';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '50' },
    'api-url': { type: 'string', default: `http://127.0.0.1:${process.env.PORT ?? 3000}` },
    'api-key': { type: 'string' },
    'platform-port': { type: 'string', default: '12122' },
    'platform-public-key': { type: 'string', default: path.join(process.env.OSGP_DATA_DIR ?? '.data', 'keys', 'oslp-platform.pub.pem') },
  },
});

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const n = Number(values.devices);
  if (!Number.isInteger(n) || n < 1) throw new Error('--devices must be a positive integer');
  if (!values['api-key']) throw new Error('--api-key is required (the first admin key printed by npm start, or npm run admin-key)');
  const client = platformClient(values['api-url']!, values['api-key']);
  const run = Date.now().toString(36);
  const fleet = await startOslpSimulatorFleet({
    count: n,
    platformPublicKey: publicKeyFromPem(fs.readFileSync(values['platform-public-key']!, 'utf8')),
    platform: { host: '127.0.0.1', port: Number(values['platform-port']) },
    identificationPrefix: `BENCH-${run}-`,
    firstDeviceNumber: Date.now() % 1e9,
  });
  try {
    const setupStarted = Date.now();
    await addFleetToPlatform(client, fleet);
    const registration = await fleet.registerAll();
    if (registration.failed.length) throw new Error(`registration failed: ${JSON.stringify(registration.failed.slice(0, 3))}`);
    console.log(`set-up: ${n} devices added and registered in ${((Date.now() - setupStarted) / 1000).toFixed(1)} s`);

    const ids = fleet.devices.map((d) => d.identification);
    const started = Date.now();
    const correlationUids: string[] = [];
    for (let i = 0; i < ids.length; i += maxDevicesPerRequest) {
      const accepted = await client.publicLighting.setLight({
        body: { deviceIdentifications: ids.slice(i, i + maxDevicesPerRequest), lightValues: [{ index: 0, on: true }] },
      });
      if (accepted.status !== 202) throw new Error(`setLight answered ${accepted.status}`);
      correlationUids.push(accepted.body.correlationUid);
    }

    const latencies: number[] = [];
    let failed = 0;
    for (const correlationUid of correlationUids) {
      for (;;) {
        const view = await client.requests.getRequest({ params: { correlationUid }, query: { limit: 1 } });
        if (view.status !== 200) throw new Error(`getRequest answered ${view.status}`);
        if (view.body.state === 'OK' || view.body.state === 'NOT_OK') break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      let after: string | undefined;
      do {
        const page = await client.requests.getRequest({ params: { correlationUid }, query: { limit: 1000, after } });
        if (page.status !== 200) throw new Error(`getRequest answered ${page.status}`);
        for (const device of page.body.devices) {
          latencies.push(Date.parse(device.finishedAt) - started);
          if (device.result !== 'OK') failed += 1;
        }
        after = page.body.nextCursor ?? undefined;
      } while (after);
    }
    const seconds = (Date.now() - started) / 1000;
    const lightsOn = fleet.devices.filter((d) => d.state.lights.every((l) => l.on)).length;
    latencies.sort((a, b) => a - b);
    const result = {
      n,
      seconds: Number(seconds.toFixed(3)),
      devicesPerSecond: Number((n / seconds).toFixed(1)),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      failed,
      lightsOn,
      requests: correlationUids.length,
    };
    console.log(`setLight to all results: ${result.seconds} s for ${n} devices (${result.devicesPerSecond}/s), ` +
      `p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ${failed} failed, ${lightsOn} lights on`);
    console.log(JSON.stringify(result));
  } finally {
    await fleet.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
