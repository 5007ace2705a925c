// The commands of `osgp`. Each reads its profile, calls the platform through the typed client and prints a
// table (or --json); failures end in a CliError whose exit code scripts can rely on (exit-codes.ts).
import fs from 'node:fs';
import cliProgress from 'cli-progress';
import { expectStatus, clientFor, type PlatformClient } from './api';
import { importFilesFor, parseDeviceCsv, runImport, sha256, startState, type ImportState } from './device-import';
import { CliError, ExitCode, usageError } from './exit-codes';
import { formatTime, note, printJson, printJsonLine, printTable } from './output';
import { DEFAULT_PROFILE, profileFile, resolveProfile, saveProfile } from './profile';
import { watchRequest, type WatchOutcome } from './watch';

/** The options every command takes (commander's globals). */
export interface GlobalOptions {
  profile?: string;
  url?: string;
  apiKey?: string;
  json?: boolean;
  progress?: boolean;
}

function connect(options: GlobalOptions): PlatformClient {
  return clientFor(resolveProfile(options));
}

function showProgress(options: GlobalOptions): boolean {
  return !options.json && options.progress !== false;
}

// ---- login -------------------------------------------------------------------------------------------------

export async function login(options: GlobalOptions & { url?: string; apiKey?: string }): Promise<void> {
  if (!options.url || !options.apiKey) throw usageError('login needs --url and --api-key');
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw usageError(`--url ${options.url} is not a URL (e.g. http://127.0.0.1:3000)`);
  }
  const profile = { url: url.toString().replace(/\/+$/, ''), apiKey: options.apiKey };
  // The key is tried before it is stored: a profile that cannot work is not written.
  await expectStatus('checking the key with core.findDevices', () => clientFor(profile).core.findDevices({ query: { limit: 1 } }), 200);
  const name = options.profile ?? DEFAULT_PROFILE;
  const file = saveProfile(name, profile);
  if (options.json) printJson({ profile: name, url: profile.url, file });
  else process.stdout.write(`Logged in to ${profile.url}; profile "${name}" stored in ${file}\n`);
}

// ---- devices -----------------------------------------------------------------------------------------------

export async function importDevices(csvPath: string, options: GlobalOptions & { chunkSize: number; restart?: boolean }): Promise<void> {
  if (!Number.isInteger(options.chunkSize) || options.chunkSize < 1 || options.chunkSize > 10_000) {
    throw usageError('--chunk-size must be a whole number from 1 to 10000');
  }
  if (!fs.existsSync(csvPath)) throw usageError(`${csvPath} does not exist`);
  const text = fs.readFileSync(csvPath, 'utf8');
  const rows = parseDeviceCsv(text);
  const client = connect(options);
  const files = importFilesFor(csvPath);
  const state = startState(files, sha256(text), options.restart ?? false);
  if (state.rowsDone > 0 && !state.completed) note(`resuming ${csvPath} after row ${state.rowsDone} of ${rows.length} (${files.state})`);

  let stopRequested = false;
  const onInterrupt = (): void => {
    if (stopRequested) process.exit(ExitCode.INTERRUPTED);
    stopRequested = true;
    note('\nstopping after the chunk in flight (Ctrl-C again to stop at once; the import resumes either way)');
  };
  process.on('SIGINT', onInterrupt);
  const bar = showProgress(options)
    ? new cliProgress.SingleBar(
        { format: 'import [{bar}] {percentage}% | {value}/{total} rows | added {added} | existing {existing} | rejected {rejected} | {duration_formatted}', stream: process.stderr, noTTYOutput: true, notTTYSchedule: 5_000 },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const counts = (s: ImportState) => ({ added: s.added, existing: s.existing, rejected: s.rejected });
  bar?.start(rows.length, state.rowsDone, counts(state));
  let final: ImportState;
  try {
    final = await runImport({
      rows,
      files,
      state,
      chunkSize: options.chunkSize,
      addDevices: async (devices) =>
        (await expectStatus(`core.addDevices (rows ${state.rowsDone + 1}-)`, () => client.core.addDevices({ body: { devices } }), 200)).results,
      onChunk: (current) => bar?.update(current.rowsDone, counts(current)),
      shouldStop: () => stopRequested,
    });
  } finally {
    bar?.stop();
    process.off('SIGINT', onInterrupt);
  }
  const summary = { file: csvPath, rows: rows.length, ...final, report: files.report, stateFile: files.state };
  if (options.json) printJson(summary);
  else {
    process.stdout.write(
      `${final.completed ? 'imported' : 'stopped after'} ${final.rowsDone} of ${rows.length} rows: ${final.added} added, ${final.existing} already there, ${final.rejected} rejected\n`,
    );
    if (final.rejected) process.stdout.write(`rejected rows and the reasons: ${files.report}\n`);
  }
  if (!final.completed) throw new CliError(`interrupted; run the same command again to resume after row ${final.rowsDone}`, ExitCode.INTERRUPTED);
  if (final.rejected) throw new CliError(`${final.rejected} rows were rejected (see ${files.report})`, ExitCode.FAILURES);
}

export interface ListDevicesOptions extends GlobalOptions {
  prefix?: string;
  protocol?: string;
  owner?: string;
  activated?: string;
  inMaintenance?: string;
  lifecycle?: string;
  limit: number;
  after?: string;
  all?: boolean;
}

export async function listDevices(options: ListDevicesOptions): Promise<void> {
  const client = connect(options);
  const query = {
    deviceIdentificationPrefix: options.prefix,
    protocol: options.protocol,
    ownerIdentification: options.owner,
    activated: booleanOption('--activated', options.activated),
    inMaintenance: booleanOption('--in-maintenance', options.inMaintenance),
    lifecycleStatus: options.lifecycle,
  } as NonNullable<NonNullable<Parameters<PlatformClient['core']['findDevices']>[0]>['query']>;
  const devices = [];
  let after = options.after;
  let nextCursor: string | null;
  do {
    const page = await expectStatus('core.findDevices', () => client.core.findDevices({ query: { ...query, limit: options.limit, after } }), 200);
    devices.push(...page.devices);
    nextCursor = page.nextCursor;
    after = nextCursor ?? undefined;
  } while (options.all && nextCursor);
  if (options.json) return printJson({ devices, nextCursor });
  printTable(
    ['device', 'protocol', 'address', 'owner', 'activated', 'maintenance', 'lifecycle', 'registered'],
    devices.map((d) => [
      d.deviceIdentification,
      d.protocol,
      d.networkAddress ? `${d.networkAddress}:${d.port ?? ''}` : '',
      d.ownerIdentification,
      d.activated ? 'yes' : 'no',
      d.inMaintenance ? 'yes' : 'no',
      d.lifecycleStatus,
      formatTime(d.registeredAt),
    ]),
  );
  note(`${devices.length} devices${nextCursor ? `; next page: --after ${nextCursor}` : ''}`);
}

function booleanOption(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  throw usageError(`${name} must be true or false, got "${value}"`);
}

// ---- light / requests --------------------------------------------------------------------------------------

export interface LightSetOptions extends GlobalOptions {
  group?: string;
  devices?: string;
  on?: boolean;
  off?: boolean;
  dim?: number;
  index: number;
  idempotencyKey?: string;
  wait?: boolean;
}

export async function lightSet(options: LightSetOptions): Promise<void> {
  if ((options.group === undefined) === (options.devices === undefined)) throw usageError('give either --group NAME or --devices A,B,...');
  if (Boolean(options.on) === Boolean(options.off)) throw usageError('give either --on or --off');
  if (options.dim !== undefined && (!Number.isInteger(options.dim) || options.dim < 1 || options.dim > 100)) throw usageError('--dim must be a whole number from 1 to 100');
  if (options.dim !== undefined && options.off) throw usageError('--dim applies only with --on');
  if (!Number.isInteger(options.index) || options.index < 0 || options.index > 6) throw usageError('--index must be 0 (all lights) to 6');
  const deviceIdentifications = options.devices?.split(',').map((d) => d.trim()).filter(Boolean);
  if (deviceIdentifications && !deviceIdentifications.length) throw usageError('--devices names no device');
  if (deviceIdentifications && deviceIdentifications.length > 1000) throw usageError('--devices names more than 1,000 devices: put them in a group and use --group');
  const client = connect(options);
  const accepted = await expectStatus(
    'publicLighting.setLight',
    () =>
      client.publicLighting.setLight({
        headers: options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {},
        body: {
          ...(deviceIdentifications ? { deviceIdentifications } : { groupIdentification: options.group }),
          lightValues: [{ index: options.index, on: Boolean(options.on), ...(options.dim !== undefined ? { dimValue: options.dim } : {}) }],
        },
      }),
    202,
  );
  if (options.wait === false) {
    if (options.json) return printJson(accepted);
    process.stdout.write(`${accepted.correlationUid}\n`);
    return;
  }
  if (!options.json) note(`request ${accepted.correlationUid} started`);
  await watchAndReport(client, accepted.correlationUid, options);
}

export async function watch(correlationUid: string, options: GlobalOptions): Promise<void> {
  await watchAndReport(connect(options), correlationUid, options);
}

async function watchAndReport(client: PlatformClient, correlationUid: string, options: GlobalOptions): Promise<void> {
  const started = Date.now();
  const outcome = await watchRequest(client, correlationUid, { progress: showProgress(options) });
  reportOutcome(outcome, options, Date.now() - started);
  if (outcome.request.state !== 'OK') {
    throw new CliError(`request ${correlationUid} ended ${outcome.request.state}: ${outcome.request.progress.failed} of ${outcome.request.progress.total} devices failed`, ExitCode.FAILURES);
  }
}

function reportOutcome({ request, failures }: WatchOutcome, options: GlobalOptions, watchedMs: number): void {
  if (options.json) return printJson({ ...request, failures });
  const { progress } = request;
  process.stdout.write(
    `${request.domain}.${request.operation} ${request.correlationUid}: ${request.state}; ${progress.ok} ok, ${progress.failed} failed of ${progress.total} (watched ${(watchedMs / 1000).toFixed(1)} s)\n`,
  );
  if (failures.length) {
    printTable(
      ['device', 'error', 'message', 'attempts'],
      failures.map((f) => [f.deviceIdentification, f.errorCode, f.message, f.attempts]),
    );
  }
}

export interface ListRequestsOptions extends GlobalOptions {
  state?: string;
  operation?: string;
  device?: string;
  from?: string;
  to?: string;
  limit: number;
  after?: string;
}

export async function listRequests(options: ListRequestsOptions): Promise<void> {
  const client = connect(options);
  const query = {
    state: options.state,
    operation: options.operation,
    deviceIdentification: options.device,
    from: options.from,
    to: options.to,
    limit: options.limit,
    after: options.after,
  } as NonNullable<NonNullable<Parameters<PlatformClient['requests']['findRequests']>[0]>['query']>;
  const page = await expectStatus('requests.findRequests', () => client.requests.findRequests({ query }), 200);
  if (options.json) return printJson(page);
  printTable(
    ['correlation uid', 'operation', 'state', 'devices', 'ok', 'failed', 'created', 'finished'],
    page.requests.map((r) => [r.correlationUid, `${r.domain}.${r.operation}`, r.state, r.progress.total, r.progress.ok, r.progress.failed, formatTime(r.createdAt), formatTime(r.finishedAt)]),
  );
  note(`${page.requests.length} requests${page.nextCursor ? `; next page: --after ${page.nextCursor}` : ''}`);
}

// ---- schedules / events ------------------------------------------------------------------------------------

export async function listSchedules(options: GlobalOptions & { limit: number; after?: string; runs: number }): Promise<void> {
  const client = connect(options);
  const page = await expectStatus('publicLighting.findLightingSchedules', () => client.publicLighting.findLightingSchedules({ query: { limit: options.limit, after: options.after } }), 200);
  // The list has no next runs; each schedule's own view computes them.
  const schedules = [];
  for (const schedule of page.schedules) {
    const detail = await expectStatus(
      `publicLighting.getLightingSchedule ${schedule.identification}`,
      () => client.publicLighting.getLightingSchedule({ params: { identification: schedule.identification } }),
      200,
    );
    const nextRunTimes = detail.nextRuns.flatMap((run) => run.nextRunTimes).sort((a, b) => Date.parse(a) - Date.parse(b)).slice(0, options.runs);
    schedules.push({ ...schedule, nextRuns: detail.nextRuns, nextRunTimes });
  }
  if (options.json) return printJson({ schedules, nextCursor: page.nextCursor });
  printTable(
    ['schedule', 'target', 'time zone', 'entries', 'paused', 'next runs'],
    schedules.map((s) => [
      s.identification,
      s.groupIdentification ? `group ${s.groupIdentification}` : `${s.deviceIdentifications?.length ?? 0} devices`,
      s.timeZone,
      s.entries.length,
      s.paused ? 'yes' : 'no',
      s.paused ? '(paused)' : s.nextRunTimes.map(formatTime).join('\n'),
    ]),
  );
  note(`${schedules.length} schedules${page.nextCursor ? `; next page: --after ${page.nextCursor}` : ''}`);
}

export interface TailEventsOptions extends GlobalOptions {
  device?: string;
  type?: string;
  lines: number;
  follow?: boolean;
  interval: number;
}

type EventView = Extract<Awaited<ReturnType<PlatformClient['core']['findEvents']>>, { status: 200 }>['body']['events'][number];

/** The last `lines` events, then (unless --no-follow) every new one as it arrives, oldest first, until Ctrl-C. */
export async function tailEvents(options: TailEventsOptions): Promise<void> {
  const client = connect(options);
  const filter = { deviceIdentification: options.device, eventType: options.type } as { deviceIdentification?: string; eventType?: undefined };
  const print = (event: EventView): void => {
    if (options.json) printJsonLine(event);
    else process.stdout.write(`${formatTime(event.receivedAt)}  ${event.deviceIdentification}  ${event.eventType}${event.index !== null ? ` [${event.index}]` : ''}${event.description ? `  ${event.description}` : ''}\n`);
  };
  const seen = new Set<string>();
  let newest: string | undefined;
  const remember = (event: EventView): void => {
    seen.add(event.eventId);
    if (!newest || Date.parse(event.receivedAt) > Date.parse(newest)) newest = event.receivedAt;
  };
  if (options.lines > 0) {
    const first = await expectStatus('core.findEvents', () => client.core.findEvents({ query: { ...filter, limit: options.lines } }), 200);
    for (const event of [...first.events].reverse()) {
      remember(event);
      print(event);
    }
  }
  if (options.follow === false) return;
  newest ??= new Date().toISOString();
  let stopped = false;
  process.once('SIGINT', () => {
    stopped = true;
  });
  while (!stopped) {
    await new Promise((resolve) => setTimeout(resolve, options.interval));
    // Newest first from the newest time seen (inclusive); pages until one reaches an event already printed.
    const fresh: EventView[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await expectStatus('core.findEvents', () => client.core.findEvents({ query: { ...filter, from: newest, limit: 1000, after } }), 200);
      const unseen = page.events.filter((event) => !seen.has(event.eventId));
      fresh.push(...unseen);
      if (!page.nextCursor || unseen.length < page.events.length) break;
      after = page.nextCursor;
    }
    for (const event of fresh.reverse()) {
      remember(event);
      print(event);
    }
    if (seen.size > 100_000) seen.clear();
  }
}

export function describeProfileFile(): string {
  return profileFile();
}
