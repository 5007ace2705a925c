/**
 * The operator CLI as an operator runs it: the real `osgp` executable (cli/osgp/bin.cjs) in a child process,
 * against a started platform with simulated OSLP devices over real TCP. Log in, import a CSV with bad rows
 * (report), list with paging, switch a group (--json), watch a request that ended with a failed device.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deviceUidToBase64 } from '../../adapters/oslp/envelope';
import { daysOfWeek } from '../../common/time-zones';
import type { OslpSimulatorFleet } from '../../simulators/oslp/fleet';
import { startFleetFor, startTestPlatform, type TestPlatform } from '../support/platform';

jest.setTimeout(180_000);

const bin = path.join(__dirname, '..', '..', 'cli', 'osgp', 'bin.cjs');
const run = Date.now().toString(36);
let platform: TestPlatform;
let fleet: OslpSimulatorFleet;
let configDir: string;
let workDir: string;
let apiKey: string;

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function osgp(...args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, OSGP_CONFIG_DIR: configDir, OSGP_PROFILE: '', OSGP_URL: '', OSGP_API_KEY: '' }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    );
  });
}

const quoted = (text: string) => `"${text.replace(/"/g, '""')}"`;

beforeAll(async () => {
  platform = await startTestPlatform();
  apiKey = await platform.createOrganisation(`cli-${run}`);
  fleet = await startFleetFor(platform, { count: 6, identificationPrefix: `CLI-${run}-` });
  configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'osgp-config-'));
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'osgp-work-'));
});

afterAll(async () => {
  await fleet?.close();
  await platform?.stop();
  for (const dir of [configDir, workDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('usage mistakes exit 2 and name the problem; --help exits 0', async () => {
  expect((await osgp('--help')).code).toBe(0);
  expect((await osgp('light', 'set', '--help')).stdout).toMatch(/--group <name>/);
  const noProfile = await osgp('devices', 'list');
  expect(noProfile).toMatchObject({ code: 2, stderr: expect.stringMatching(/no profile "default".*osgp login/) });
  expect((await osgp('devices', 'list', '--bogus')).code).toBe(2);
  expect((await osgp('light', 'set', '--url', platform.baseUrl, '--api-key', apiKey, '--group', 'g', '--on', '--off')).code).toBe(2);
});

test('login checks the key and stores the profile for the user alone; a refused key exits 3 and stores nothing', async () => {
  const refused = await osgp('login', '--url', platform.baseUrl, '--api-key', 'osgp_0000000000000000_wrong', '--profile', 'bad');
  expect(refused).toMatchObject({ code: 3, stderr: expect.stringMatching(/401/) });

  const ok = await osgp('login', '--url', platform.baseUrl, '--api-key', apiKey);
  expect(ok.code).toBe(0);
  const file = path.join(configDir, 'profiles.json');
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ profiles: { default: { url: platform.baseUrl, apiKey } } });

  const unreachable = await osgp('devices', 'list', '--url', 'http://127.0.0.1:1', '--api-key', apiKey);
  expect(unreachable).toMatchObject({ code: 3, stderr: expect.stringMatching(/did not answer/) });
});

test('imports a CSV, reports the rows it could not add, and a second run adds nothing twice', async () => {
  const rows = fleet.devices.map((device) =>
    [device.identification, deviceUidToBase64(device.deviceUid), quoted(device.publicKeyPem), '127.0.0.1', fleet.port].join(','),
  );
  const first = fleet.devices[0];
  const csv = [
    'deviceIdentification,deviceUid,publicKey,networkAddress,port',
    ...rows,
    // Refused here: not a uid. Refused by the platform: the uid of another device of this file.
    `CLI-${run}-bad-uid,not-a-uid,${quoted(first.publicKeyPem)},127.0.0.1,${fleet.port}`,
    `CLI-${run}-uid-taken,${deviceUidToBase64(first.deviceUid)},${quoted(first.publicKeyPem)},127.0.0.1,${fleet.port}`,
  ].join('\n');
  const csvPath = path.join(workDir, 'devices.csv');
  fs.writeFileSync(csvPath, csv);

  const imported = await osgp('--json', 'devices', 'import', csvPath, '--chunk-size', '3');
  expect(imported.code).toBe(4);
  expect(JSON.parse(imported.stdout)).toMatchObject({ rows: 8, rowsDone: 8, added: 6, existing: 0, rejected: 2, completed: true });
  const report = fs.readFileSync(`${csvPath}.rejected.csv`, 'utf8').trim().split('\n');
  expect(report).toEqual([
    'row,deviceIdentification,reason',
    expect.stringMatching(new RegExp(`^7,CLI-${run}-bad-uid,"?deviceUid: must be the Base64`)),
    expect.stringMatching(new RegExp(`^8,CLI-${run}-uid-taken,DEVICE_UID_TAKEN`)),
  ]);

  // Done already: the state file says so, nothing is sent again.
  const again = await osgp('--json', 'devices', 'import', csvPath);
  expect(JSON.parse(again.stdout)).toMatchObject({ added: 6, rejected: 2, completed: true });
  // From the first row again: the devices are there with the same keys (EXISTS), so nothing is added twice.
  const restarted = await osgp('--json', 'devices', 'import', csvPath, '--restart');
  expect(JSON.parse(restarted.stdout)).toMatchObject({ added: 0, existing: 6, rejected: 2 });

  expect(await fleet.registerAll()).toEqual({ registered: 6, failed: [] });
});

test('lists devices with a filter, page by page', async () => {
  const firstPage = await osgp('--json', 'devices', 'list', '--prefix', `CLI-${run}-`, '--limit', '4');
  expect(firstPage.code).toBe(0);
  const page1 = JSON.parse(firstPage.stdout) as { devices: Array<{ deviceIdentification: string }>; nextCursor: string | null };
  expect(page1.devices).toHaveLength(4);
  expect(page1.nextCursor).toEqual(expect.any(String));
  const page2 = JSON.parse((await osgp('--json', 'devices', 'list', '--prefix', `CLI-${run}-`, '--limit', '4', '--after', page1.nextCursor!)).stdout) as typeof page1;
  expect([...page1.devices, ...page2.devices].map((d) => d.deviceIdentification)).toEqual(fleet.devices.map((d) => d.identification));
  expect(page2.nextCursor).toBeNull();

  const table = await osgp('devices', 'list', '--prefix', `CLI-${run}-`, '--all');
  expect(table.stdout).toContain(fleet.devices[5].identification);
  expect(table.stderr).toMatch(/6 devices/);
});

test('switches a group with --json, then a request with a failed device is watched to its end and its failure printed', async () => {
  const client = platform.client(apiKey);
  const group = `cli-group-${run}`;
  expect((await client.core.createDeviceGroup({ body: { groupIdentification: group, kind: 'FILTER', filter: { deviceIdentificationPrefix: `CLI-${run}-` } } })).status).toBe(201);

  const switched = await osgp('--json', 'light', 'set', '--group', group, '--on', '--dim', '70');
  expect(switched.code).toBe(0);
  const result = JSON.parse(switched.stdout) as { correlationUid: string; state: string; progress: { total: number; ok: number }; failures: unknown[] };
  expect(result).toMatchObject({ state: 'OK', progress: { total: 6, ok: 6, failed: 0 }, failures: [] });
  for (const device of fleet.devices) expect(device.state.lights.every((light) => light.on && light.dimValue === 70)).toBe(true);

  const broken = fleet.devices[2];
  broken.misbehave({ kind: 'reject' });
  const started = await osgp('--json', 'light', 'set', '--devices', fleet.devices.slice(1, 4).map((d) => d.identification).join(','), '--off', '--no-wait');
  expect(started.code).toBe(0);
  const { correlationUid } = JSON.parse(started.stdout) as { correlationUid: string };

  const watched = await osgp('requests', 'watch', correlationUid);
  expect(watched.code).toBe(4);
  expect(watched.stdout).toMatch(/NOT_OK; 2 ok, 1 failed of 3/);
  expect(watched.stdout).toContain(broken.identification);
  expect(watched.stderr).toMatch(/ended NOT_OK/);
  broken.misbehave({ kind: 'normal' });

  const listed = JSON.parse((await osgp('--json', 'requests', 'list', '--operation', 'publicLighting.setLight')).stdout) as { requests: Array<{ correlationUid: string; state: string }> };
  expect(listed.requests.map((r) => r.correlationUid)).toEqual([correlationUid, result.correlationUid]);
  expect(listed.requests[0].state).toBe('NOT_OK');
});

test('schedules list shows next run times; events tail prints device events', async () => {
  const client = platform.client(apiKey);
  const created = await client.publicLighting.createLightingSchedule({
    body: {
      identification: `cli-evening-${run}`,
      timeZone: 'Europe/Amsterdam',
      deviceIdentifications: [fleet.devices[0].identification],
      entries: [{ kind: 'calendar', daysOfWeek: [...daysOfWeek], time: '19:30', lightValues: [{ index: 0, on: true }] }],
    },
  });
  expect(created.status).toBe(201);
  const schedules = JSON.parse((await osgp('--json', 'schedules', 'list')).stdout) as { schedules: Array<{ identification: string; nextRunTimes: string[] }> };
  const schedule = schedules.schedules.find((s) => s.identification === `cli-evening-${run}`);
  expect(schedule?.nextRunTimes.length).toBeGreaterThan(0);
  expect(Date.parse(schedule!.nextRunTimes[0])).toBeGreaterThan(Date.now() - 60_000);
  await client.publicLighting.deleteLightingSchedule({ params: { identification: `cli-evening-${run}` } });

  const device = fleet.devices[0];
  await device.sendEvent([{ event: 'LIGHT_EVENTS_LIGHT_ON', index: 1, description: 'cli test' }]);
  const tail = await osgp('events', 'tail', '--device', device.identification, '--no-follow');
  expect(tail.code).toBe(0);
  expect(tail.stdout).toMatch(new RegExp(`${device.identification}\\s+LIGHT_EVENTS_LIGHT_ON \\[1\\]\\s+cli test`));
});
