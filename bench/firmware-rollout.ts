/**
 * Benchmark: a staged firmware rollout to N simulated OSLP devices through the whole path (API upload, the
 * rollout workflow with a child workflow per wave, UpdateFirmware over TCP, downloads over HTTP from the
 * platform, getFirmwareVersion polling). Prints the time of each wave and of the whole rollout, devices/s and
 * CPU seconds of the platform, Temporal and the simulators; the LAST line is one JSON object. Not a test.
 *
 *   npm run bench:rollout -- --devices 10000 [--waves 1,10,89] [--fleets 2] [--poll-s 5] [--concurrency 200]
 *
 * Starts a PostgreSQL server, the platform (`tsx cli/start.ts`) and `--fleets` simulator processes, and writes
 * the devices straight into the database as registered devices of one device model (bench set-up, as
 * bench/set-light.ts does); the firmware is uploaded and the rollout started and followed through the API.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { openDatabase, type Database } from '../db/client';
import { platformClient } from '../simulators/oslp/provision';
import type { RolloutProgress } from '../core/firmware/rollout-model';
import { seedRegisteredDevices } from './seed-devices';
import { startFleetProcess, startPlatformProcess, startPostgres, type FleetProcess } from './environment';
import { cpuSeconds } from './proc';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '10000' },
    fleets: { type: 'string', default: '2' },
    waves: { type: 'string', default: '1,10,89' },
    'poll-s': { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '200' },
    'timeout-s': { type: 'string', default: '3600' },
  },
});
const n = Number(values.devices);
const fleetCount = Math.max(1, Math.min(Number(values.fleets), n));
const waves = (values.waves ?? '1,10,89').split(',').map(Number);
const pollSeconds = Number(values['poll-s']);
const timeoutMs = Number(values['timeout-s']) * 1000;
const prefix = `F${Date.now().toString(36).slice(-5)}-`;
const log = (line: string): void => void process.stdout.write(`${line}\n`);

function must<T extends { status: number; body: unknown }>(answer: T, expected: number, what: string): T {
  if (answer.status !== expected) throw new Error(`${what} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer;
}

async function main(): Promise<void> {
  const cleanups: Array<() => Promise<void>> = [];
  let db: Database | undefined;
  try {
    const setupStarted = Date.now();
    const postgres = await startPostgres({ database: 'osgp_bench', maxConnections: 100 });
    cleanups.push(() => postgres.stop());
    const platform = await startPlatformProcess({ databaseUrl: postgres.url, env: { DEVICE_REQUEST_MAX_CONCURRENCY: values.concurrency ?? '200' } });
    cleanups.push(() => platform.stop());
    log(`platform: ${platform.baseUrl} (node pid ${platform.nodePid}), database ${postgres.url}`);
    const publicKeyFile = `${platform.platformKeyFile.replace(/\.pem$/, '')}.pub.pem`;
    const perFleet = Math.ceil(n / fleetCount);
    const fleets: FleetProcess[] = await Promise.all(
      Array.from({ length: fleetCount }, (_, i) =>
        startFleetProcess({ count: Math.min(perFleet, n - i * perFleet), firstDeviceNumber: 1 + i * perFleet, prefix, platformPublicKeyFile: publicKeyFile }),
      ),
    );
    cleanups.push(async () => void (await Promise.all(fleets.map((fleet) => fleet.stop()))));
    const devices = fleets.flatMap((fleet) => fleet.devices);

    db = await openDatabase({ url: postgres.url, embeddedDir: '' });
    const admin = await db.prisma.organisation.findUniqueOrThrow({ where: { identification: 'platform-admin' } });
    await seedRegisteredDevices(db.prisma, admin.id, devices);
    const client = platformClient(platform.baseUrl, platform.apiKey);
    must(await client.core.addManufacturer({ body: { code: 'BENCH', name: 'Bench Lights' } }), 201, 'addManufacturer');
    must(await client.core.addDeviceModel({ body: { manufacturer: 'BENCH', modelCode: 'SSLD' } }), 201, 'addDeviceModel');
    const model = await db.prisma.deviceModel.findFirstOrThrow({ where: { modelCode: 'SSLD', manufacturer: { code: 'BENCH' } } });
    await db.prisma.device.updateMany({ where: { identification: { startsWith: prefix } }, data: { deviceModelId: model.id } });
    const image = Buffer.alloc(256 * 1024, 0x5a);
    must(
      await client.core.addFirmware({
        body: { identification: 'BENCH-R02', version: 'R02', deviceModels: [{ manufacturer: 'BENCH', modelCode: 'SSLD' }], file: image.toString('base64') },
      }),
      201,
      'addFirmware',
    );
    log(`set-up: ${devices.length} devices in ${fleetCount} simulator processes, a 256 KiB image, in ${((Date.now() - setupStarted) / 1000).toFixed(1)} s`);

    const watched: Record<string, number> = { platform: platform.nodePid, ...(platform.temporalPid ? { temporal: platform.temporalPid } : {}) };
    fleets.forEach((fleet, i) => (watched[`simulators-${i + 1}`] = fleet.pid));
    const cpuBefore = Object.fromEntries(Object.entries(watched).map(([name, pid]) => [name, cpuSeconds(pid) ?? 0]));
    const started = Date.now();
    const accepted = await client.core.startFirmwareRollout({
      body: {
        firmwareIdentification: 'BENCH-R02',
        filter: { deviceIdentificationPrefix: prefix },
        waves,
        failureThresholdPercent: 100,
        waveTimeoutSeconds: 3600,
        pollIntervalSeconds: pollSeconds,
      },
    });
    if (accepted.status !== 202) throw new Error(`startFirmwareRollout answered ${accepted.status}: ${JSON.stringify(accepted.body)}`);
    const waveEndsMs: number[] = [];
    let progress: RolloutProgress | undefined;
    for (;;) {
      const answer = await client.core.getFirmwareRollout({ params: { correlationUid: accepted.body.correlationUid } });
      if (answer.status === 200) {
        progress = answer.body;
        progress.waves.forEach((wave, i) => {
          if (wave.state === 'DONE' && waveEndsMs[i] === undefined) waveEndsMs[i] = Date.now() - started;
        });
        if (progress.state === 'COMPLETED') break;
      }
      if (Date.now() - started > timeoutMs) throw new Error(`the rollout did not finish in time: ${JSON.stringify(progress)}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const totalMs = Date.now() - started;
    const cpu = Object.fromEntries(Object.entries(watched).map(([name, pid]) => [name, Number(((cpuSeconds(pid) ?? 0) - cpuBefore[name]).toFixed(1))]));
    progress.waves.forEach((wave, i) => {
      log(`wave ${i + 1} (${wave.percent} %): ${wave.size} devices, ok ${wave.ok}, failed ${wave.failed}, done ${((waveEndsMs[i] ?? totalMs) / 1000).toFixed(1)} s after the start`);
    });
    log(`rollout to ${n} devices: ${(totalMs / 1000).toFixed(1)} s (${(n / (totalMs / 1000)).toFixed(0)} devices/s), ok ${progress.ok}, failed ${progress.failed}; poll every ${pollSeconds} s`);
    log(`CPU seconds: ${JSON.stringify(cpu)}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    log(JSON.stringify({ devices: n, waves, pollSeconds, totalMs, waveEndsMs, ok: progress.ok, failed: progress.failed, cpu, loadAverage: os.loadavg() }));
  } finally {
    await db?.close();
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
