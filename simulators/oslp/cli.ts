/**
 * Starts a fleet of simulated OSLP devices, registers them with the platform and writes what the
 * platform needs to add them (identification, uid, public key, address) to a JSON file.
 *
 *   npm run simulate:oslp -- --devices 100 [--api-key KEY [--api-url http://127.0.0.1:3000]]
 *       [--port 0] [--host 127.0.0.1] [--platform-host 127.0.0.1 --platform-port 12122]
 *       [--platform-public-key .data/keys/oslp-platform.pub.pem] [--prefix SIM-] [--first 1] [--out <data dir>/devices.json]
 *
 * With --api-key the devices are added to the platform through its API (core.addDevice; the key's
 * organisation becomes their owner; core.addDevices, 10,000 per call; a 429 waits for its Retry-After). Devices the platform already has, or
 * refused, are listed and left out of registration: they were not made by this run and cannot register with
 * its keys. The list is written first, then registration is retried every 5 s until the platform has accepted
 * every device this run may register. With --platform-port 0 it only serves.
 * The defaults fit `npm start` on its embedded defaults in the same folder, with the same PORT, OSLP_LISTENER_PORT
 * and OSGP_DATA_DIR when those are set.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { deviceUidToBase64, publicKeyFromPem } from '../../adapters/oslp';
import { startOslpSimulatorFleet, type OslpSimulatorFleet } from './fleet';
import { defaultDeviceListFile, platformClient, provisionFleet, type DeviceNotAdded } from './provision';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '1' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    'platform-host': { type: 'string', default: '127.0.0.1' },
    'platform-port': { type: 'string', default: process.env.OSLP_LISTENER_PORT ?? '12122' },
    'platform-public-key': { type: 'string', default: path.join(process.env.OSGP_DATA_DIR ?? '.data', 'keys', 'oslp-platform.pub.pem') },
    'api-url': { type: 'string', default: `http://127.0.0.1:${process.env.PORT ?? 3000}` },
    'api-key': { type: 'string' },
    prefix: { type: 'string', default: 'SIM-' },
    first: { type: 'string', default: '1' },
    out: { type: 'string', default: defaultDeviceListFile() },
  },
});

function nonNegativeInteger(name: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer, got "${text}"`);
  return value;
}

function deviceList(fleet: OslpSimulatorFleet) {
  return fleet.devices.map((device) => ({
    identification: device.identification,
    deviceUid: deviceUidToBase64(device.deviceUid),
    publicKeyPem: device.publicKeyPem,
    host: fleet.host,
    port: fleet.port,
    registered: device.state.registered,
  }));
}

const REGISTRATION_RETRY_MS = 5_000;

/** Retries the devices the platform refused (likely not added yet) until every device is registered. */
async function registerUntilDone(fleet: OslpSimulatorFleet, only: ReadonlySet<string> | undefined, onProgress: () => void): Promise<void> {
  const started = Date.now();
  let registered = 0;
  for (;;) {
    const summary = await fleet.registerAll({ skipRegistered: true, only });
    registered += summary.registered;
    const pending = fleet.devices.filter((device) => !device.state.registered && (!only || only.has(device.identification))).length;
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `registered ${summary.registered} more; ${pending} not registered yet (${registered} in ${seconds.toFixed(1)} s, ${(registered / Math.max(seconds, 0.001)).toFixed(1)}/s)`,
    );
    for (const failure of summary.failed.slice(0, 3)) console.log(`  ${failure.identification}: ${failure.error}`);
    onProgress();
    if (pending === 0) return;
    await new Promise((resolve) => setTimeout(resolve, REGISTRATION_RETRY_MS));
  }
}

function printNotAdded(what: string, devices: DeviceNotAdded[]): void {
  if (!devices.length) return;
  console.log(`${devices.length} devices ${what}:`);
  for (const device of devices.slice(0, 10)) console.log(`  ${device.identification}: ${device.reason}`);
  if (devices.length > 10) console.log(`  ... and ${devices.length - 10} more`);
}

async function main(): Promise<void> {
  const keyFile = values['platform-public-key']!;
  if (!fs.existsSync(keyFile)) {
    throw new Error(`--platform-public-key ${keyFile} does not exist: devices verify every request with the platform's public key`);
  }
  const platformPort = values['platform-port'] === '0' ? undefined : values['platform-port'];
  const fleet = await startOslpSimulatorFleet({
    count: nonNegativeInteger('devices', values.devices),
    host: values.host,
    port: nonNegativeInteger('port', values.port),
    platformPublicKey: publicKeyFromPem(fs.readFileSync(keyFile, 'utf8')),
    platform: platformPort ? { host: values['platform-host'] ?? '127.0.0.1', port: nonNegativeInteger('platform-port', platformPort) } : undefined,
    identificationPrefix: values.prefix,
    firstDeviceNumber: nonNegativeInteger('first', values.first),
  });
  console.log(`${fleet.devices.length} simulated OSLP devices listening on ${fleet.host}:${fleet.port}`);
  const out = values.out ?? defaultDeviceListFile();
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const writeDeviceList = (): void => fs.writeFileSync(out, JSON.stringify(deviceList(fleet), null, 2));
  // Written before registering: the platform only accepts registrations from devices it was given.
  writeDeviceList();
  console.log(`device list written to ${out}; Ctrl-C to stop`);
  let toRegister: ReadonlySet<string> | undefined;
  if (values['api-key']) {
    const report = await provisionFleet(platformClient(values['api-url']!, values['api-key']), fleet);
    console.log(`added ${report.added.length} of ${fleet.devices.length} devices through ${values['api-url']}`);
    printNotAdded('already on the platform (not made by this run, so not registered by it)', report.existing);
    printNotAdded('refused by the platform', report.refused);
    if (report.present.length) console.log(`${report.present.length} devices were already on the platform with these keys`);
    toRegister = new Set([...report.added, ...report.present]);
  }
  if (platformPort) void registerUntilDone(fleet, toRegister, writeDeviceList);
  const stop = (): void => {
    void fleet.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
