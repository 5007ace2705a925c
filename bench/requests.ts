/**
 * Benchmark of small requests: a stream of single-device setLight requests through the whole path (API,
 * Temporal, the OSLP adapter, simulated lights over TCP, request records), measured against the ceilings of
 * the platform's own Temporal dev server, probed in the same run with the platform idle beside it. Not a test.
 *
 *   npm run bench:requests -- --requests 2000 --devices 200 --concurrency 32
 *       [--database embedded|postgres]   # embedded PGlite (npm start's default) or a throwaway PostgreSQL
 *       [--webhook none|live|dead]       # the organisation's webhook: none, a receiver here, or a refused port
 *       [--probes 300]                   # workflows per ceiling probe (0: no probes)
 *       [--schedule-in-s S]              # requests carried out S s from now: all of them open at once (memory)
 *       [--in-flight-only]               # with --schedule-in-s: print memory with all of them open, then stop
 *       [--cpu-prof DIR]                 # the platform process writes a CPU profile into DIR when it stops
 *
 * Prints progress, then ONE JSON line: accepted/s, 202 latency p50/p99, completed/s, Temporal history events
 * per request (the request's own workflow, and the other workflows the run started, per request), database
 * statements per request (the platform's osgp_db_statements_total), CPU seconds and peak memory per process,
 * the ceilings (one-activity and one-local-activity workflows/s, bare starts/s with their p99) and the ratios
 * to them, and the load average.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { privateKeyFromPem, publicKeyOf } from '../adapters/oslp/envelope';
import { startOslpSimulatorFleet } from '../simulators/oslp/fleet';
import { addFleetToPlatform, platformClient, type PlatformClient } from '../simulators/oslp/provision';
import { startPlatformProcess, startPostgres, type PlatformProcess } from './environment';
import { cpuSeconds, peakMemoryKb, resetPeak } from './proc';
import type { ProbeActivities } from './probe-workflows';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    devices: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '32' },
    probes: { type: 'string', default: '300' },
    database: { type: 'string', default: 'embedded' },
    webhook: { type: 'string', default: 'none' },
    'schedule-in-s': { type: 'string' },
    'in-flight-only': { type: 'boolean', default: false },
    'timeout-s': { type: 'string', default: '1200' },
    'cpu-prof': { type: 'string' },
  },
});

const count = (name: keyof typeof values, min = 1): number => {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer >= ${min}`);
  return value;
};
const requests = count('requests');
const deviceCount = count('devices');
const concurrency = count('concurrency');
const probeCount = count('probes', 0);
const timeoutMs = count('timeout-s') * 1000;
const scheduleInS = values['schedule-in-s'] === undefined ? undefined : count('schedule-in-s');
const database = values.database;
if (database !== 'embedded' && database !== 'postgres') throw new Error('--database is embedded or postgres');
const webhook = values.webhook;
if (webhook !== 'none' && webhook !== 'live' && webhook !== 'dead') throw new Error('--webhook is none, live or dead');
const run = Date.now().toString(36);

const log = (line: string): void => void process.stdout.write(`${line}\n`);
const percentile = (sorted: number[], p: number): number => Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN);
const loadAverage = (): number[] => os.loadavg().map((l) => Number(l.toFixed(2)));
const round = (value: number, digits = 2): number => Number(value.toFixed(digits));
const mib = (kb: number | undefined): number | null => (kb === undefined ? null : Math.round(kb / 1024));

/** Runs `task(i)` for i in [0, total) with `parallel` in flight; returns each call's duration in ms. */
async function inParallel(total: number, parallel: number, task: (i: number) => Promise<void>): Promise<number[]> {
  const durations: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, total) }, async () => {
      while (next < total) {
        const i = next++;
        const started = performance.now();
        await task(i);
        durations.push(performance.now() - started);
      }
    }),
  );
  return durations.sort((a, b) => a - b);
}

interface Ceilings {
  oneActivityPerSecond: number;
  oneLocalActivityPerSecond: number;
  bareStartsPerSecond: number;
  bareStartP50Ms: number;
  bareStartP99Ms: number;
}

/**
 * The Temporal server's own ceilings for one workflow per request, on the platform's dev server: trivial
 * workflows started and awaited `concurrency` at a time by a worker and client in this process.
 */
async function probeCeilings(temporalAddress: string): Promise<Ceilings> {
  const taskQueue = `bench-probe-${run}`;
  const nativeConnection = await NativeConnection.connect({ address: temporalAddress });
  const activities: ProbeActivities = { probeNothing: async () => undefined };
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('./probe-workflows'),
    activities,
  });
  const running = worker.run();
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection });
  try {
    const rate = async (workflowType: 'probeOneActivity' | 'probeOneLocalActivity'): Promise<number> => {
      // A few first, so the bundle is loaded and the connections are warm.
      await inParallel(concurrency, concurrency, (i) => client.workflow.execute(workflowType, { taskQueue, workflowId: `warm-${workflowType}-${run}-${i}` }));
      const started = performance.now();
      await inParallel(probeCount, concurrency, (i) => client.workflow.execute(workflowType, { taskQueue, workflowId: `${workflowType}-${run}-${i}` }));
      return probeCount / ((performance.now() - started) / 1000);
    };
    const oneActivityPerSecond = await rate('probeOneActivity');
    const oneLocalActivityPerSecond = await rate('probeOneLocalActivity');
    // Starts alone: nobody polls this queue; the workflows time out on their own a minute later.
    const started = performance.now();
    const latencies = await inParallel(probeCount, concurrency, async (i) => {
      await client.workflow.start('probeOneActivity', {
        taskQueue: `bench-unpolled-${run}`,
        workflowId: `bare-${run}-${i}`,
        workflowExecutionTimeout: '1 minute',
      });
    });
    const bareStartsPerSecond = probeCount / ((performance.now() - started) / 1000);
    return {
      oneActivityPerSecond: round(oneActivityPerSecond, 1),
      oneLocalActivityPerSecond: round(oneLocalActivityPerSecond, 1),
      bareStartsPerSecond: round(bareStartsPerSecond, 1),
      bareStartP50Ms: percentile(latencies, 50),
      bareStartP99Ms: percentile(latencies, 99),
    };
  } finally {
    worker.shutdown();
    await running;
    await nativeConnection.close();
    await connection.close();
  }
}

/** A webhook receiver in this process that takes every notification (--webhook live). */
async function startReceiver(): Promise<{ url: string; received: () => number; close: () => Promise<void> }> {
  let received = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received += 1;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/hook`, received: () => received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A loopback port nobody listens on (taken and released here): connections to it are refused. */
async function refusedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function statementCount(baseUrl: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return Number(/^osgp_db_statements_total (\d+)$/m.exec(text)?.[1] ?? NaN);
}

async function main(): Promise<void> {
  // The probe worker's state changes are not figures.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const cleanups: Array<() => Promise<void>> = [];
  let platform: PlatformProcess | undefined;
  try {
    let databaseUrl: string | undefined;
    if (database === 'postgres') {
      const postgres = await startPostgres({ database: 'osgp_bench', maxConnections: 100 });
      cleanups.push(() => postgres.stop());
      databaseUrl = postgres.url;
    }
    const profileDir = values['cpu-prof'] ? path.resolve(values['cpu-prof']) : undefined;
    if (profileDir) fs.mkdirSync(profileDir, { recursive: true });
    platform = await startPlatformProcess({
      databaseUrl,
      env: { LOG_LEVEL: 'error' },
      nodeArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : undefined,
    });
    cleanups.push(() => platform!.stop());
    const temporalPid = platform.temporalPid;
    log(`platform: ${platform.baseUrl} (node pid ${platform.nodePid}, Temporal dev server pid ${temporalPid ?? '?'}, database ${database})`);

    const client: PlatformClient = platformClient(platform.baseUrl, platform.apiKey);
    const platformPrivateKey = privateKeyFromPem(fs.readFileSync(platform.platformKeyFile, 'utf8'));
    const fleet = await startOslpSimulatorFleet({
      count: deviceCount,
      platformPublicKey: publicKeyOf(platformPrivateKey),
      platform: { host: '127.0.0.1', port: platform.listenerPort },
      identificationPrefix: `R${run.slice(-5)}-`,
      firstDeviceNumber: 1,
    });
    cleanups.push(() => fleet.close());
    await addFleetToPlatform(client, fleet);
    const registration = await fleet.registerAll();
    if (registration.failed.length) throw new Error(`registration failed: ${JSON.stringify(registration.failed.slice(0, 3))}`);
    const ids = fleet.devices.map((device) => device.identification);

    let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
    if (webhook !== 'none') {
      if (webhook === 'live') {
        receiver = await startReceiver();
        cleanups.push(() => receiver!.close());
      }
      const url = receiver?.url ?? `http://127.0.0.1:${await refusedPort()}/hook`;
      const set = await client.core.setNotificationWebhook({ body: { url, secret: 'bench-secret-0123456789' } });
      if (set.status !== 200) throw new Error(`setNotificationWebhook answered ${set.status}: ${JSON.stringify(set.body)}`);
    }
    log(`set-up: ${deviceCount} simulated lights added and registered; webhook ${webhook}`);

    // ------------------------------------------------------------ ceilings, the platform idle beside them
    const probeLoad = loadAverage();
    const probeCpuBefore = [platform.nodePid, temporalPid, process.pid].map((pid) => (pid === undefined ? 0 : (cpuSeconds(pid) ?? 0)));
    const ceilings = probeCount > 0 ? await probeCeilings(platform.temporalAddress) : undefined;
    const probeCpu = [platform.nodePid, temporalPid, process.pid].map((pid, i) => (pid === undefined ? null : round((cpuSeconds(pid) ?? 0) - probeCpuBefore[i], 1)));
    if (ceilings) log(`ceilings (load ${probeLoad.join(' ')}): ${JSON.stringify(ceilings)}; CPU s platform/temporal/bench ${probeCpu.join('/')}`);

    // ------------------------------------------------------------ single-device requests
    const temporal = new Client({ connection: await Connection.connect({ address: platform.temporalAddress }) });
    cleanups.push(() => temporal.connection.close());
    const pids = { platform: platform.nodePid, temporal: temporalPid, bench: process.pid };
    for (const pid of Object.values(pids)) if (pid) resetPeak(pid);
    const cpuBefore = Object.fromEntries(Object.entries(pids).map(([role, pid]) => [role, pid === undefined ? 0 : (cpuSeconds(pid) ?? 0)]));
    const statementsBefore = await statementCount(platform.baseUrl);
    const rssMiB = (): number | null =>
      mib(fs.existsSync(`/proc/${platform!.nodePid}/status`) ? Number(/^VmRSS:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${platform!.nodePid}/status`, 'utf8'))?.[1]) : undefined);
    // The platform idle (set up, devices registered, probes done): what the requests add is measured from here.
    const platformRssBeforeMiB = rssMiB();
    const loadBefore = loadAverage();
    const runStart = new Date();
    const sentAt = performance.now();
    const scheduleTime = scheduleInS === undefined ? undefined : new Date(Date.now() + scheduleInS * 1000).toISOString();
    const correlationUids: string[] = new Array<string>(requests);
    // A 503 (the start did not answer within API_TEMPORAL_TIMEOUT_MS on a saturated machine) is counted and the
    // request sent again; its latency includes the attempt that was refused.
    let unavailable = 0;
    const acceptLatencies = await inParallel(requests, concurrency, async (i) => {
      for (;;) {
        const accepted = await client.publicLighting.setLight({
          headers: scheduleTime ? { 'x-osgp-schedule-time': scheduleTime } : {},
          body: { deviceIdentifications: [ids[i % ids.length]], lightValues: [{ index: 0, on: i % 2 === 0 }] },
        });
        if (accepted.status === 503 && unavailable < requests / 10) {
          unavailable += 1;
          continue;
        }
        if (accepted.status !== 202) throw new Error(`setLight answered ${accepted.status}: ${JSON.stringify(accepted.body)}`);
        correlationUids[i] = accepted.body.correlationUid;
        return;
      }
    });
    const acceptedSeconds = (performance.now() - sentAt) / 1000;
    log(`accepted ${requests} in ${acceptedSeconds.toFixed(1)} s`);

    const openQuery = `WorkflowType = 'setLightWorkflow' AND ExecutionStatus = 'Running'`;
    if (values['in-flight-only']) {
      // Memory with every request open (waiting for its schedule time), after the platform had 30 s to settle.
      await new Promise((resolve) => setTimeout(resolve, 30_000));
      const { count: open } = await temporal.workflow.count(openQuery);
      log(
        JSON.stringify({
          bench: 'requests-in-flight',
          database,
          webhook,
          requests,
          open,
          acceptedPerSecond: round(requests / acceptedSeconds, 1),
          acceptP50Ms: percentile(acceptLatencies, 50),
          acceptP99Ms: percentile(acceptLatencies, 99),
          unavailable,
          platformRssBeforeMiB,
          platformRssMiB: rssMiB(),
          peakMemoryMiB: Object.fromEntries(Object.entries(pids).map(([role, pid]) => [role, pid === undefined ? null : mib(peakMemoryKb(pid))])),
          dbStatementsPerRequest: round(((await statementCount(platform.baseUrl)) - statementsBefore) / requests, 2),
          ceilings: ceilings ?? null,
          loadAverage: { before: loadBefore, end: loadAverage() },
        }),
      );
      return;
    }
    const deadline = Date.now() + timeoutMs;
    let openPeakMiB: number | null = null;
    for (let lastReport = Date.now(); ; ) {
      const { count: open } = await temporal.workflow.count(openQuery);
      if (open === 0) break;
      if (Date.now() - lastReport >= 5_000) {
        lastReport = Date.now();
        openPeakMiB = mib(peakMemoryKb(platform.nodePid));
        log(`  ${((performance.now() - sentAt) / 1000).toFixed(0)} s: ${open} requests open; platform peak ${openPeakMiB} MiB`);
      }
      if (Date.now() > deadline) throw new Error(`${open} requests still open after ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const waitedSeconds = (performance.now() - sentAt) / 1000;
    const loadAfter = loadAverage();
    const cpu = Object.fromEntries(Object.entries(pids).map(([role, pid]) => [role, pid === undefined ? null : round((cpuSeconds(pid) ?? 0) - cpuBefore[role], 1)]));
    const memory = Object.fromEntries(Object.entries(pids).map(([role, pid]) => [role, pid === undefined ? null : mib(peakMemoryKb(pid))]));
    const statements = (await statementCount(platform.baseUrl)) - statementsBefore;

    // When each request's workflow closed (Temporal's own clock), for completed/s and the time to a result.
    let lastClose = 0;
    const closeLatencies: number[] = [];
    const otherWorkflows: string[] = [];
    for await (const execution of temporal.workflow.list({ query: `StartTime >= '${runStart.toISOString()}'` })) {
      if (execution.type !== 'setLightWorkflow') {
        if (!execution.type.startsWith('probe')) otherWorkflows.push(execution.workflowId);
        continue;
      }
      if (!execution.closeTime) continue;
      lastClose = Math.max(lastClose, execution.closeTime.getTime());
      closeLatencies.push(execution.closeTime.getTime() - execution.startTime.getTime());
    }
    closeLatencies.sort((a, b) => a - b);
    const completedSeconds = (lastClose - runStart.getTime()) / 1000;

    // History events: a sample of the requests' own workflows, and all the others the run started.
    const sample = correlationUids.filter((_, i) => i % Math.max(1, Math.floor(requests / 20)) === 0).slice(0, 20);
    let sampleEvents = 0;
    for (const id of sample) sampleEvents += (await temporal.workflow.getHandle(id).fetchHistory()).events?.length ?? 0;
    let otherEvents = 0;
    for (const id of otherWorkflows) otherEvents += (await temporal.workflow.getHandle(id).fetchHistory()).events?.length ?? 0;

    // Every request ended OK with one result (not timed).
    const states: Record<string, number> = {};
    let results = 0;
    await inParallel(requests, 16, async (i) => {
      const view = await client.requests.getRequest({ params: { correlationUid: correlationUids[i] }, query: { limit: 10 } });
      if (view.status !== 200) throw new Error(`getRequest answered ${view.status}`);
      states[view.body.state] = (states[view.body.state] ?? 0) + 1;
      results += view.body.devices.length;
    });
    const platformMemoryNowMiB = rssMiB();

    const acceptedPerSecond = requests / acceptedSeconds;
    const completedPerSecond = requests / completedSeconds;
    const figures = {
      bench: 'requests',
      database,
      webhook,
      requests,
      devices: deviceCount,
      concurrency,
      scheduleInS: scheduleInS ?? null,
      acceptedPerSecond: round(acceptedPerSecond, 1),
      acceptP50Ms: percentile(acceptLatencies, 50),
      acceptP99Ms: percentile(acceptLatencies, 99),
      unavailable,
      completedPerSecond: round(completedPerSecond, 1),
      completedSeconds: round(completedSeconds, 1),
      waitedSeconds: round(waitedSeconds, 1),
      requestP50Ms: percentile(closeLatencies, 50),
      requestP99Ms: percentile(closeLatencies, 99),
      historyEventsPerRequest: round(sampleEvents / Math.max(1, sample.length), 1),
      otherWorkflows: otherWorkflows.length,
      otherHistoryEventsPerRequest: round(otherEvents / requests, 2),
      dbStatementsPerRequest: round(statements / requests, 2),
      states,
      results,
      webhookReceived: receiver?.received() ?? null,
      cpuSeconds: cpu,
      cpuMsPerRequest: Object.fromEntries(Object.entries(cpu).map(([role, s]) => [role, s === null ? null : round((s * 1000) / requests, 1)])),
      peakMemoryMiB: memory,
      platformRssBeforeMiB,
      platformRssAfterMiB: platformMemoryNowMiB,
      ceilings: ceilings ?? null,
      ratios: ceilings
        ? {
            completedToOneActivity: round(completedPerSecond / ceilings.oneActivityPerSecond),
            completedToOneLocalActivity: round(completedPerSecond / ceilings.oneLocalActivityPerSecond),
            acceptedToBareStarts: round(acceptedPerSecond / ceilings.bareStartsPerSecond),
            acceptP99ToBareStartP99: round(percentile(acceptLatencies, 99) / ceilings.bareStartP99Ms),
          }
        : null,
      probeCpuSeconds: { platform: probeCpu[0], temporal: probeCpu[1], bench: probeCpu[2] },
      loadAverage: { probes: probeLoad, before: loadBefore, after: loadAfter, end: loadAverage() },
    };
    log(JSON.stringify(figures));
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => process.stderr.write(`cleanup: ${String(error)}\n`));
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
