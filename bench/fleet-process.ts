/**
 * One simulator fleet in a process of its own, for the benchmark: the platform and the simulators then run
 * on separate cores, and several fleets (one port each) share the load of tens of thousands of devices.
 *
 *   tsx bench/fleet-process.ts --count 20000 --first 1 --prefix BENCH- --platform-public-key <pem> --out devices.json
 *
 * Writes the devices (identification, uid, public key, address, port) to --out, then prints `READY <port>`.
 * Answers lines on stdin: `stats` prints one JSON line { lightsOn, setLightRequests, devices }; `exit` stops.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { publicKeyFromPem } from '../adapters/oslp/envelope';
import { startOslpSimulatorFleet } from '../simulators/oslp/fleet';
import { fleetEntries } from '../simulators/oslp/provision';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string' },
      first: { type: 'string', default: '1' },
      prefix: { type: 'string', default: 'BENCH-' },
      host: { type: 'string', default: '127.0.0.1' },
      'platform-public-key': { type: 'string' },
      out: { type: 'string' },
    },
  });
  if (!values.count || !values['platform-public-key'] || !values.out) throw new Error('--count, --platform-public-key and --out are required');
  const fleet = await startOslpSimulatorFleet({
    count: Number(values.count),
    host: values.host,
    firstDeviceNumber: Number(values.first),
    identificationPrefix: values.prefix,
    platformPublicKey: publicKeyFromPem(fs.readFileSync(values['platform-public-key'], 'utf8')),
  });
  fs.writeFileSync(values.out, JSON.stringify(fleetEntries(fleet)));
  process.stdout.write(`READY ${fleet.port}\n`);

  const stop = (): void => {
    void fleet.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  for await (const line of readline.createInterface({ input: process.stdin })) {
    if (line.trim() === 'stats') {
      let lightsOn = 0;
      let setLightRequests = 0;
      for (const device of fleet.devices) {
        if (device.state.lights.every((light) => light.on)) lightsOn += 1;
        setLightRequests += device.receivedCount('setLightRequest');
      }
      process.stdout.write(`${JSON.stringify({ lightsOn, setLightRequests, devices: fleet.devices.length })}\n`);
    } else if (line.trim() === 'exit') {
      break;
    }
  }
  stop();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
