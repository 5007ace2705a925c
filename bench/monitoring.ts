/**
 * What one device monitoring run costs: `npm run bench:monitoring -- --devices 40000 --silent-percent 1`.
 *
 * Starts a throwaway PostgreSQL and the platform (`tsx cli/start.ts`: Temporal dev server, migrations, core
 * worker, OSLP adapter, API; its own monitoring schedule set to a day so it does not fire during the bench),
 * seeds N registered OSLP devices straight into the database (bench/seed-devices.ts), of which the given
 * percentage was last heard from two hours ago and does not answer (`--silence refuse`: nothing listens at its
 * address; `--silence hang`: a server that accepts and never answers, so each costs the OSLP answer timeout),
 * and the rest a minute ago. Then it runs deviceMonitoringWorkflow twice, as the schedule does: the first run
 * marks the silent devices COMMUNICATION_LOST (events, no subscribers), the second finds them lost already.
 *
 * Prints per run: time, devices asked, lost/restored, SQL statements the platform sent (its
 * osgp_db_statements_total: worker and adapter together), CPU seconds per process (platform, Temporal dev
 * server, PostgreSQL summed over its processes, bench) and the load average. The last line is one JSON object.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { deviceUidToBase64, generateKeyPair, publicKeyToPem } from '../adapters/oslp/envelope';
import { openDatabase } from '../db/client';
import { simulatedDeviceUid } from '../simulators/oslp/fleet';
import type { SimulatedDeviceEntry } from '../simulators/oslp/provision';
import type { DeviceMonitoringInput, DeviceMonitoringSummary } from '../workflows/core/device-monitoring';
import { startPlatformProcess, startPostgres } from './environment';
import { cpuSeconds, descendants } from './proc';
import { seedRegisteredDevices } from './seed-devices';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '40000' },
    'silent-percent': { type: 'string', default: '1' },
    silence: { type: 'string', default: 'refuse' },
    'silent-after-ms': { type: 'string', default: String(60 * 60 * 1000) },
  },
});
const deviceCount = Number(values.devices);
const silentPercent = Number(values['silent-percent']);
const silence = values.silence;
const silentAfterMs = Number(values['silent-after-ms']);
if (!Number.isInteger(deviceCount) || deviceCount < 1) throw new Error('--devices must be a positive integer');
if (!(silentPercent >= 0 && silentPercent <= 100)) throw new Error('--silent-percent must be 0..100');
if (silence !== 'refuse' && silence !== 'hang') throw new Error('--silence must be refuse or hang');

const log = (line: string) => process.stderr.write(`${line}\n`);
const round = (n: number, digits = 1) => Number(n.toFixed(digits));
const loadAverage = () => os.loadavg().map((l) => round(l, 2));

async function statementCount(baseUrl: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return Number(/^osgp_db_statements_total (\d+)$/m.exec(text)?.[1] ?? NaN);
}

/** A port where nothing listens (refused at once), or a server that takes connections and never answers. */
async function silentEndpoint(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  if (silence === 'refuse') {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return { port, close: async () => undefined };
  }
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function main(): Promise<void> {
  const cleanups: Array<() => Promise<void>> = [];
  try {
    const setupStarted = Date.now();
    const postgres = await startPostgres({ database: 'osgp_bench', maxConnections: 100 });
    cleanups.push(() => postgres.stop());
    const postmaster = Number(fs.readFileSync(path.join(postgres.baseDir!, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const platform = await startPlatformProcess({
      databaseUrl: postgres.url,
      env: { DEVICE_MONITORING_INTERVAL_MS: String(24 * 60 * 60 * 1000), DEVICE_SILENT_AFTER_MS: String(silentAfterMs) },
    });
    cleanups.push(() => platform.stop());
    const endpoint = await silentEndpoint();
    cleanups.push(() => endpoint.close());

    // One key for every seeded device: the devices that are asked never answer, so no signature is checked.
    const publicKeyPem = publicKeyToPem(generateKeyPair().publicKey);
    const prefix = `M${Date.now().toString(36)}-`;
    const silentEvery = silentPercent > 0 ? Math.round(100 / silentPercent) : 0;
    const devices: SimulatedDeviceEntry[] = Array.from({ length: deviceCount }, (_, i) => {
      const identification = `${prefix}${String(i + 1).padStart(6, '0')}`;
      return {
        identification,
        deviceUid: deviceUidToBase64(simulatedDeviceUid(identification)),
        publicKeyPem,
        host: '127.0.0.1',
        port: endpoint.port,
      };
    });
    const silentIds = silentEvery ? devices.filter((_, i) => i % silentEvery === 0).map((d) => d.identification) : [];

    const db = await openDatabase({ url: postgres.url, embeddedDir: '' });
    cleanups.push(() => db.close());
    const admin = await db.prisma.organisation.findUniqueOrThrow({ where: { identification: 'platform-admin' } });
    await seedRegisteredDevices(db.prisma, admin.id, devices);
    // Everyone was heard from a minute ago, the silent ones two hours ago (beyond the threshold).
    await db.prisma.$executeRaw`UPDATE "Device" SET "lastCommunicationAt" = now() AT TIME ZONE 'UTC' - interval '1 minute' WHERE "identification" LIKE ${`${prefix}%`}`;
    await db.prisma.$executeRaw`UPDATE "Device" SET "lastCommunicationAt" = now() AT TIME ZONE 'UTC' - interval '2 hours' WHERE "identification" = ANY(${silentIds}::text[])`;
    await db.prisma.$executeRaw`ANALYZE "Device"`;
    log(`set-up: ${deviceCount} devices (${silentIds.length} silent, ${silence}) in ${round((Date.now() - setupStarted) / 1000)} s; platform ${platform.baseUrl}`);

    const connection = await Connection.connect({ address: platform.temporalAddress });
    cleanups.push(() => connection.close());
    const temporal = new Client({ connection });
    // As deviceMonitoringSettingsFrom makes it from the defaults (OSLP 10 s connect + 30 s answer, + 5 s).
    const input: DeviceMonitoringInput = { silentAfterMs, maxClockDeviationMs: 60_000, attemptTimeoutMs: 45_000, maxDevices: 20_000 };

    const temporalPid = platform.temporalPid;
    const databasePids = () => [postmaster, ...descendants(postmaster)];
    const runs = [];
    for (const name of ['first (marks them lost)', 'second (lost already)']) {
      const pids = { platform: platform.nodePid, temporal: temporalPid, bench: process.pid };
      const cpuBefore = new Map([...Object.values(pids), ...databasePids()].filter((p): p is number => p !== undefined).map((p) => [p, cpuSeconds(p) ?? 0]));
      const used = (pid: number | undefined) => (pid === undefined ? null : round((cpuSeconds(pid) ?? 0) - (cpuBefore.get(pid) ?? 0), 2));
      const statementsBefore = await statementCount(platform.baseUrl);
      const started = performance.now();
      const summary = (await temporal.workflow.execute('deviceMonitoringWorkflow', {
        taskQueue: 'core',
        workflowId: `bench-monitoring-${Date.now()}`,
        args: [input],
      })) as DeviceMonitoringSummary;
      const seconds = round((performance.now() - started) / 1000, 2);
      // Statements are counted as they are sent: the run's last ones are in by the time its result is.
      const statements = (await statementCount(platform.baseUrl)) - statementsBefore;
      const run = {
        run: name,
        seconds,
        asked: summary.asked,
        lost: summary.lost.length,
        restored: summary.restored.length,
        dbStatements: statements,
        dbStatementsPerAskedDevice: summary.asked ? round(statements / summary.asked, 2) : null,
        cpuSeconds: {
          platform: used(pids.platform),
          temporal: used(pids.temporal),
          database: round(databasePids().reduce((total, pid) => total + (used(pid) ?? 0), 0), 2),
          bench: used(pids.bench),
        },
      };
      log(JSON.stringify(run));
      runs.push(run);
    }
    const lostNow = await db.prisma.device.count({ where: { communicationState: 'COMMUNICATION_LOST', identification: { startsWith: prefix } } });
    if (lostNow !== silentIds.length) throw new Error(`expected ${silentIds.length} devices COMMUNICATION_LOST, found ${lostNow}`);
    process.stdout.write(
      `${JSON.stringify({ bench: 'monitoring', devices: deviceCount, silentPercent, silent: silentIds.length, silence, silentAfterMs, runs, load: loadAverage(), cpus: os.cpus().length })}\n`,
    );
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => log(`cleanup: ${String(error)}`));
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
