/**
 * Benchmark: N simulated OSLP lights switched on through the whole path (API, Temporal workflows, the OSLP
 * adapter's batch activity, signed envelopes over TCP, simulators), then the same N by a plain loop over the
 * adapter's client at the same concurrency without Temporal. Prints, per run, the time to all results,
 * devices/s, p50/p99 per-device latency, peak memory per process, the ratio platform/direct and the load
 * average; the LAST line is one JSON object. Not a test.
 *
 *   npm run bench -- --devices 1000                 # starts everything itself, fresh, and stops it after
 *       [--concurrency 200] [--fleets 2] [--adapters 0] [--target group|lists] [--cpu-prof DIR] [--timeout-s 600]
 *       [--temporal dev|cluster]  # cluster: a Temporal server on PostgreSQL with mutual TLS (test/support/temporal-cluster.ts)
 *       [--timeline]   # the last events of the group request and its last batch, relative to the last answer
 *   npm run bench -- --devices 50 --api-key KEY [--base-url http://127.0.0.1:3000] [--platform-port 12122]
 *       [--platform-key .data/keys/oslp-platform.pem]  # against a running platform (e.g. npm start)
 *
 * Fresh runs start a PostgreSQL server (test/support/postgres.ts), the platform (`tsx cli/start.ts`: Temporal
 * dev server, worker, adapter, API) and `--fleets` simulator processes, and write the N devices straight into
 * the database as registered devices owned by the platform's first admin organisation (bench set-up, not an
 * installer's path: adding 40,000 devices through addDevice and registering each would take minutes).
 * Against a running platform, devices are added through the API and register with its listener.
 *
 * `--adapters K` starts K more OSLP adapter processes (`--role adapter-oslp`) on the same Temporal and database:
 * the adapter scales out by sharing its task queue, and on one machine that gives it a core of its own.
 * `--target group` (the default) puts the devices in one static group and
 * sends one setLight for the group; `--target lists` sends setLight with lists of up to 1,000 devices.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { maxDevicesPerRequest } from '../api/contracts/common';
import { privateKeyFromPem, publicKeyOf } from '../adapters/oslp/envelope';
import { openDatabase, type Database } from '../db/client';
import { startOslpSimulatorFleet } from '../simulators/oslp/fleet';
import { addFleetToPlatform, fleetEntries, platformClient, type PlatformClient, type SimulatedDeviceEntry } from '../simulators/oslp/provision';
import { seedRegisteredDevices } from './seed-devices';
import { runDirect, type DirectDevice } from './direct';
import { printTimeline } from './timeline';
import { startAdapterProcess, startFleetProcess, startPlatformProcess, startPostgres, type FleetProcess, type PlatformProcess, type TestPostgres } from './environment';
import { cpuSeconds, descendants, peakMemoryKb, resetPeak } from './proc';
import { startTemporalCluster } from '../test/support/temporal-cluster';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '200' },
    fleets: { type: 'string', default: '2' },
    adapters: { type: 'string', default: '0' },
    temporal: { type: 'string', default: 'dev' },
    target: { type: 'string' },
    'cpu-prof': { type: 'string' },
    'api-key': { type: 'string' },
    'base-url': { type: 'string' },
    'api-url': { type: 'string' },
    'platform-port': { type: 'string', default: '12122' },
    'platform-key': { type: 'string', default: path.join(process.env.OSGP_DATA_DIR ?? '.data', 'keys', 'oslp-platform.pem') },
    'timeout-s': { type: 'string', default: '600' },
    timeline: { type: 'boolean', default: false },
  },
});

function positiveInteger(name: string): number {
  const value = Number(values[name as keyof typeof values]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const n = positiveInteger('devices');
const concurrency = positiveInteger('concurrency');
const fleetCount = Math.min(positiveInteger('fleets'), n);
const extraAdapters = Number(values.adapters);
if (!Number.isInteger(extraAdapters) || extraAdapters < 0) throw new Error('--adapters must be a non-negative integer');
const timeoutMs = positiveInteger('timeout-s') * 1000;
const temporalKind = values.temporal;
if (temporalKind !== 'dev' && temporalKind !== 'cluster') throw new Error('--temporal must be dev (the embedded dev server) or cluster');
const run = Date.now().toString(36);
// Short identifications (the OsgpDevices search attribute lists as many of the first devices as fit 2 KB).
const prefix = `B${run.slice(-5)}-`;
// A fresh database numbers from 1; a running platform already has devices, whose uids must not repeat.
const firstNumber = values['api-key'] ? (Math.floor(Date.now() / 1000) % 1e6) * 100 : 1;

/** The platform's own output, shown when the benchmark fails. */
let platformOutput: (() => string) | undefined;

const log = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const mib = (kb: number | undefined): number | null => (kb === undefined ? null : Math.round(kb / 1024));
const percentile = (sorted: number[], p: number): number => Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN);
const loadAverage = (): number[] => os.loadavg().map((l) => Number(l.toFixed(2)));

/** Processes whose peak memory and CPU the benchmark reports, by role. */
interface Watched {
  platform?: number;
  /** Extra OSLP adapter processes (--adapters). */
  adapters: number[];
  temporal?: number;
  /** PostgreSQL's postmaster; its backends come and go, so they are looked up at each read. */
  postmaster?: number;
  database: number[];
  /** --temporal cluster: the postmaster of Temporal's own PostgreSQL, and its processes. */
  temporalPostmaster?: number;
  temporalDatabase: number[];
  simulators: number[];
  bench: number;
}

function allPids(watched: Watched): number[] {
  if (watched.postmaster) watched.database = [watched.postmaster, ...descendants(watched.postmaster)];
  if (watched.temporalPostmaster) watched.temporalDatabase = [watched.temporalPostmaster, ...descendants(watched.temporalPostmaster)];
  return [watched.platform, ...watched.adapters, watched.temporal, ...watched.temporalDatabase, ...watched.database, ...watched.simulators, watched.bench].filter((pid): pid is number => pid !== undefined);
}

function memoryReport(watched: Watched) {
  allPids(watched);
  const sum = (pids: number[]) => pids.reduce((total, pid) => total + (peakMemoryKb(pid) ?? 0), 0);
  return {
    platform: mib(watched.platform === undefined ? undefined : peakMemoryKb(watched.platform)),
    adapters: watched.adapters.map((pid) => mib(peakMemoryKb(pid))),
    temporal: mib(watched.temporal === undefined ? undefined : peakMemoryKb(watched.temporal)),
    /** Sum over PostgreSQL's processes (counts its shared memory once per process that touched it). */
    database: watched.database.length ? mib(sum(watched.database)) : null,
    ...(watched.temporalDatabase.length ? { temporalDatabase: mib(sum(watched.temporalDatabase)) } : {}),
    simulators: watched.simulators.map((pid) => mib(peakMemoryKb(pid))),
    bench: mib(peakMemoryKb(watched.bench)),
  };
}

function cpuReport(watched: Watched, before: Map<number, number>) {
  const used = (pid: number | undefined) => (pid === undefined ? null : Number(((cpuSeconds(pid) ?? 0) - (before.get(pid) ?? 0)).toFixed(1)));
  return {
    platform: used(watched.platform),
    adapters: watched.adapters.map(used),
    temporal: used(watched.temporal),
    database: Number(watched.database.reduce((total, pid) => total + (used(pid) ?? 0), 0).toFixed(1)),
    ...(watched.temporalDatabase.length
      ? { temporalDatabase: Number(watched.temporalDatabase.reduce((total, pid) => total + (used(pid) ?? 0), 0).toFixed(1)) }
      : {}),
    simulators: watched.simulators.map(used),
    bench: used(watched.bench),
  };
}

/** Sends setLight for the devices (one group request, or lists of up to 1,000) and returns the correlation uids. */
async function sendSetLight(client: PlatformClient, ids: string[], target: 'group' | 'lists'): Promise<string[]> {
  if (target === 'group') {
    const accepted = await client.publicLighting.setLight({
      body: { groupIdentification: `bench-${run}`, lightValues: [{ index: 0, on: true }] },
    });
    if (accepted.status !== 202) throw new Error(`setLight answered ${accepted.status}: ${JSON.stringify(accepted.body)}`);
    return [accepted.body.correlationUid];
  }
  const uids: string[] = [];
  for (let i = 0; i < ids.length; i += maxDevicesPerRequest) {
    const accepted = await client.publicLighting.setLight({
      body: { deviceIdentifications: ids.slice(i, i + maxDevicesPerRequest), lightValues: [{ index: 0, on: true }] },
    });
    if (accepted.status !== 202) throw new Error(`setLight answered ${accepted.status}: ${JSON.stringify(accepted.body)}`);
    uids.push(accepted.body.correlationUid);
  }
  return uids;
}

async function createGroup(client: PlatformClient, ids: string[]): Promise<void> {
  const created = await client.core.createDeviceGroup({ body: { groupIdentification: `bench-${run}`, kind: 'STATIC', description: 'benchmark' } });
  if (created.status !== 201) throw new Error(`createDeviceGroup answered ${created.status}: ${JSON.stringify(created.body)}`);
  for (let i = 0; i < ids.length; i += 10_000) {
    const added = await client.core.addDeviceGroupMembers({
      params: { groupIdentification: `bench-${run}` },
      body: { deviceIdentifications: ids.slice(i, i + 10_000) },
    });
    if (added.status !== 200) throw new Error(`addDeviceGroupMembers answered ${added.status}: ${JSON.stringify(added.body)}`);
  }
}

/** Waits until every request is finished, then reads each device's result; latency = finishedAt - sent. */
async function collectResults(client: PlatformClient, correlationUids: string[], sentAtMs: number) {
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  let lastReport = sentAtMs;
  let done = 0;
  const deadline = Date.now() + timeoutMs;
  for (const correlationUid of correlationUids) {
    for (;;) {
      const view = await client.requests.getRequest({ params: { correlationUid }, query: { limit: 1 } });
      if (view.status !== 200) throw new Error(`getRequest answered ${view.status}`);
      if (!['PENDING', 'IN_PROGRESS', 'SCHEDULED'].includes(view.body.state)) break;
      const progress = JSON.stringify(view.body.progress);
      if (Date.now() - lastReport >= 5_000) {
        lastReport = Date.now();
        log(`  ${((lastReport - sentAtMs) / 1000).toFixed(0)} s: request ${done + 1} of ${correlationUids.length} ${view.body.state} ${progress}`);
      }
      if (Date.now() > deadline) throw new Error(`not finished within ${timeoutMs / 1000} s: ${progress}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    done += 1;
  }
  const finishedAtMs = Date.now();
  /** From the last device's answer to the request's record being closed (what the workflows add at the end). */
  let closingMs = 0;
  let lastAnswerOfAllMs = 0;
  for (const correlationUid of correlationUids) {
    let after: string | undefined;
    let lastAnswerMs = 0;
    let closedAtMs = 0;
    do {
      const page = await client.requests.getRequest({ params: { correlationUid }, query: { limit: 1000, after } });
      if (page.status !== 200) throw new Error(`getRequest answered ${page.status}`);
      closedAtMs = page.body.finishedAt ? Date.parse(page.body.finishedAt) : 0;
      for (const device of page.body.devices) {
        lastAnswerMs = Math.max(lastAnswerMs, Date.parse(device.finishedAt));
        latencies.push(Date.parse(device.finishedAt) - sentAtMs);
        if (device.result !== 'OK') failures[device.errorCode ?? device.result] = (failures[device.errorCode ?? device.result] ?? 0) + 1;
      }
      after = page.body.nextCursor ?? undefined;
    } while (after);
    closingMs = Math.max(closingMs, closedAtMs - lastAnswerMs);
    lastAnswerOfAllMs = Math.max(lastAnswerOfAllMs, lastAnswerMs);
  }
  latencies.sort((a, b) => a - b);
  return { seconds: (finishedAtMs - sentAtMs) / 1000, latencies, failures, requests: done, closingMs, lastAnswerMs: lastAnswerOfAllMs };
}

async function main(): Promise<void> {
  const apiKey = values['api-key'];
  const cleanups: Array<() => Promise<void>> = [];
  const watched: Watched = { adapters: [], database: [], temporalDatabase: [], simulators: [], bench: process.pid };
  let client: PlatformClient;
  let devices: SimulatedDeviceEntry[];
  let platformPrivateKeyPem: string;
  let lightsOn: () => Promise<number>;
  /** Each device's newest sequence number after the platform run, for the direct loop to continue from. */
  let sequenceNumbers: () => Promise<Map<string, number>>;
  let db: Database | undefined;
  /** The platform's Temporal (fresh runs only), for --timeline. */
  let temporalAddress: string | undefined;
  let target: 'group' | 'lists';
  const setupStarted = Date.now();
  try {
    if (!apiKey) {
      // ------------------------------------------------------------ fresh: everything started here
      const postgres: TestPostgres = await startPostgres({ database: 'osgp_bench', maxConnections: 100 });
      cleanups.push(() => postgres.stop());
      const postmaster = Number(fs.readFileSync(path.join(postgres.baseDir!, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
      const profileDir = values['cpu-prof'] ? path.resolve(values['cpu-prof']) : undefined;
      // --temporal cluster: a Temporal server on PostgreSQL with mutual TLS instead of the dev server.
      const cluster = temporalKind === 'cluster' ? await startTemporalCluster() : undefined;
      if (cluster) {
        cleanups.push(() => cluster.stop());
        log(`Temporal cluster: ${cluster.address} (mutual TLS, PostgreSQL ${cluster.postgres.url}), server pid ${cluster.pid()}`);
      }
      const platform: PlatformProcess = await startPlatformProcess({
        databaseUrl: postgres.url,
        env: {
          DEVICE_REQUEST_MAX_CONCURRENCY: String(concurrency),
          ...cluster?.env,
        },
        nodeArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : undefined,
      });
      cleanups.push(() => platform.stop());
      platformOutput = platform.output;
      // --timeline reads the history over a plaintext connection: the dev server's only.
      temporalAddress = cluster ? undefined : platform.temporalAddress;
      watched.platform = platform.nodePid;
      watched.temporal = cluster?.pid() ?? platform.temporalPid;
      if (cluster?.postgres.baseDir) {
        watched.temporalPostmaster = Number(fs.readFileSync(path.join(cluster.postgres.baseDir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
      }
      log(
        `platform: ${platform.baseUrl} (node pid ${platform.nodePid}, ${cluster ? `Temporal cluster ${cluster.address}` : `Temporal dev server pid ${platform.temporalPid ?? '?'}`}), database ${postgres.url}`,
      );
      for (let i = 0; i < extraAdapters; i++) {
        const adapter = await startAdapterProcess(platform, postgres.url, cluster?.env);
        cleanups.push(() => adapter.stop());
        watched.adapters.push(adapter.nodePid);
      }
      platformPrivateKeyPem = fs.readFileSync(platform.platformKeyFile, 'utf8');
      const publicKeyFile = `${platform.platformKeyFile.replace(/\.pem$/, '')}.pub.pem`;
      const perFleet = Math.ceil(n / fleetCount);
      const fleets: FleetProcess[] = await Promise.all(
        Array.from({ length: fleetCount }, (_, i) =>
          startFleetProcess({
            count: Math.min(perFleet, n - i * perFleet),
            firstDeviceNumber: firstNumber + i * perFleet,
            prefix,
            platformPublicKeyFile: fs.existsSync(publicKeyFile) ? publicKeyFile : platform.platformKeyFile,
          }),
        ),
      );
      cleanups.push(async () => void (await Promise.all(fleets.map((fleet) => fleet.stop()))));
      watched.simulators = fleets.map((fleet) => fleet.pid);
      devices = fleets.flatMap((fleet) => fleet.devices);
      lightsOn = async () => (await Promise.all(fleets.map((fleet) => fleet.stats()))).reduce((sum, s) => sum + s.lightsOn, 0);
      sequenceNumbers = async () => {
        const numbers = new Map<string, number>();
        const ids = devices.map((device) => device.identification);
        for (let i = 0; i < ids.length; i += 10_000) {
          for (const device of await db!.prisma.device.findMany({
            where: { identification: { in: ids.slice(i, i + 10_000) } },
            select: { identification: true, sequenceNumber: true },
          })) {
            numbers.set(device.identification, device.sequenceNumber ?? 0);
          }
        }
        return numbers;
      };

      db = await openDatabase({ url: postgres.url, embeddedDir: '' });
      cleanups.push(() => db!.close());
      const admin = await db.prisma.organisation.findUniqueOrThrow({ where: { identification: 'platform-admin' } });
      const seeded = await seedRegisteredDevices(db.prisma, admin.id, devices);
      watched.postmaster = postmaster;
      client = platformClient(platform.baseUrl, platform.apiKey);
      log(`set-up: ${seeded} devices in ${fleetCount} simulator processes, written to the database as registered, in ${((Date.now() - setupStarted) / 1000).toFixed(1)} s`);
    } else {
      // ------------------------------------------------------------ against a running platform
      const baseUrl = values['base-url'] ?? values['api-url'] ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
      client = platformClient(baseUrl, apiKey);
      platformPrivateKeyPem = fs.readFileSync(values['platform-key']!, 'utf8');
      const fleet = await startOslpSimulatorFleet({
        count: n,
        platformPublicKey: publicKeyOf(privateKeyFromPem(platformPrivateKeyPem)),
        platform: { host: '127.0.0.1', port: Number(values['platform-port']) },
        identificationPrefix: prefix,
        firstDeviceNumber: firstNumber,
      });
      cleanups.push(() => fleet.close());
      await addFleetToPlatform(client, fleet);
      const registration = await fleet.registerAll();
      if (registration.failed.length) throw new Error(`registration failed: ${JSON.stringify(registration.failed.slice(0, 3))}`);
      devices = fleetEntries(fleet);
      lightsOn = async () => fleet.devices.filter((d) => d.state.lights.every((l) => l.on)).length;
      // The devices' own newest numbers: the platform stores the same, and accepts answers within its window.
      sequenceNumbers = async () => new Map(fleet.devices.map((d) => [d.identification, d.state.sequenceNumber ?? 0]));
      log(`set-up: ${n} devices added through ${baseUrl} and registered in ${((Date.now() - setupStarted) / 1000).toFixed(1)} s`);
    }

    const ids = devices.map((device) => device.identification);
    target = (values.target as 'group' | 'lists' | undefined) ?? 'group';
    if (target === 'group') await createGroup(client, ids);

    // ------------------------------------------------------------ through the platform
    const loadBefore = loadAverage();
    for (const pid of allPids(watched)) resetPeak(pid);
    const cpuBefore = new Map(allPids(watched).map((pid) => [pid, cpuSeconds(pid) ?? 0]));
    const sentAtMs = Date.now();
    const correlationUids = await sendSetLight(client, ids, target);
    const platformRun = await collectResults(client, correlationUids, sentAtMs);
    const loadAfter = loadAverage();
    const platformMemory = memoryReport(watched);
    const platformCpu = cpuReport(watched, cpuBefore);
    const lit = await lightsOn();
    const failed = Object.values(platformRun.failures).reduce((a, b) => a + b, 0);
    const platformFigures = {
      seconds: Number(platformRun.seconds.toFixed(3)),
      devicesPerSecond: Number((n / platformRun.seconds).toFixed(1)),
      p50Ms: percentile(platformRun.latencies, 50),
      p99Ms: percentile(platformRun.latencies, 99),
      closingMs: platformRun.closingMs,
    };
    log(
      `platform (${target}, concurrency ${concurrency}): ${n} devices, all results in ${platformFigures.seconds} s ` +
        `(${platformFigures.devicesPerSecond} devices/s), p50 ${platformFigures.p50Ms} ms, p99 ${platformFigures.p99Ms} ms, ` +
        `${platformRun.latencies.length} results, ${failed} not OK ${JSON.stringify(platformRun.failures)}, ${lit} lights on; ` +
        `last answer -> request closed ${platformFigures.closingMs} ms`,
    );
    log(`  peak memory MiB: ${JSON.stringify(platformMemory)}; CPU s: ${JSON.stringify(platformCpu)}; load ${loadBefore.join(' ')} -> ${loadAfter.join(' ')}`);
    if (values.timeline && temporalAddress && target === 'group') await printTimeline(temporalAddress, correlationUids[0], platformRun.lastAnswerMs, log);

    // ------------------------------------------------------------ the plain loop, same devices, same concurrency
    const numbers = await sequenceNumbers();
    const directDevices: DirectDevice[] = devices.map((device) => ({ ...device, sequenceNumber: numbers.get(device.identification) ?? 0 }));
    for (const pid of allPids(watched)) resetPeak(pid);
    const directCpuBefore = new Map(allPids(watched).map((pid) => [pid, cpuSeconds(pid) ?? 0]));
    const direct = await runDirect({ platformPrivateKey: privateKeyFromPem(platformPrivateKeyPem), devices: directDevices, concurrency, lightOn: true });
    const directMemory = memoryReport(watched);
    const directCpu = cpuReport(watched, directCpuBefore);
    const directFigures = {
      seconds: Number(direct.seconds.toFixed(3)),
      devicesPerSecond: Number((n / direct.seconds).toFixed(1)),
      p50Ms: percentile(direct.latenciesMs, 50),
      p99Ms: percentile(direct.latenciesMs, 99),
    };
    log(
      `direct (OslpClient loop, concurrency ${concurrency}): ${n} devices in ${directFigures.seconds} s (${directFigures.devicesPerSecond} devices/s), ` +
        `p50 ${directFigures.p50Ms} ms, p99 ${directFigures.p99Ms} ms, ${direct.failed} failed ${JSON.stringify(direct.errors)}`,
    );
    log(`  peak memory MiB: ${JSON.stringify(directMemory)}; CPU s: ${JSON.stringify(directCpu)}`);
    const ratioToDirect = Number((platformRun.seconds / direct.seconds).toFixed(2));
    const loadNow = loadAverage();
    log(`ratio platform/direct: ${ratioToDirect}; load average now ${loadNow.join(' ')}`);
    log(
      JSON.stringify({
        n,
        target,
        concurrency,
        fleets: apiKey ? 1 : fleetCount,
        extraAdapters,
        temporal: temporalKind,
        ...platformFigures,
        failed,
        results: platformRun.latencies.length,
        lightsOn: lit,
        directSeconds: directFigures.seconds,
        directDevicesPerSecond: directFigures.devicesPerSecond,
        directP50Ms: directFigures.p50Ms,
        directP99Ms: directFigures.p99Ms,
        directFailed: direct.failed,
        ratioToDirect,
        peakMemoryMiB: platformMemory,
        directPeakMemoryMiB: directMemory,
        cpuSeconds: platformCpu,
        directCpuSeconds: directCpu,
        loadAverage: { before: loadBefore, after: loadAfter, end: loadNow },
      }),
    );
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => process.stderr.write(`cleanup: ${String(error)}\n`));
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    if (platformOutput) process.stderr.write(`--- platform output (last 4000 characters) ---\n${platformOutput().slice(-4000)}\n`);
    process.exit(1);
  },
);
