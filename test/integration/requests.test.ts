/**
 * Request records: requests.findRequests (filters, keyset paging, who sees what, refusals naming the field),
 * requests.getRequest reads that do not consume the result, and the retention purge that deletes finished
 * records (with their device results and notifications) once they are older than the retention.
 *
 * Most records are written straight into the database with timestamps of a time window of this run's own
 * (in the past, so no other test file's requests fall in it); one request goes the whole way through the
 * API, a workflow and simulated OSLP devices.
 */
import { randomInt } from 'node:crypto';
import { purgeExpiredRequests } from '../../core/requests/retention';
import type { RequestSummary } from '../../api/contracts/requests';
import { createLogger } from '../../common/logger';
import type { OslpSimulatorFleet } from '../../simulators/oslp/fleet';
import { addFleetToPlatform } from '../../simulators/oslp/provision';
import { startRetentionJob } from '../../worker/retention';
import { startFleetFor, startTestPlatform, type TestPlatform } from '../support/platform';
import { waitForRequest } from '../support/requests';

jest.setTimeout(120_000);

const run = Date.now().toString(36);
const dayMs = 24 * 60 * 60 * 1000;
const minute = 60_000;
// This run's window: a whole hour somewhere in 2001-2004, far from the "now" of every other test's requests.
const base = new Date(Date.UTC(2001, 0, 1) + randomInt(0, 3 * 365 * 24) * 60 * minute);
const at = (minutes: number) => new Date(base.getTime() + minutes * minute);
const window = { from: base.toISOString(), to: at(60).toISOString() };

const orgA = `req-a-${run}`;
const orgB = `req-b-${run}`;
const device = (n: number) => `RQ-${run}-${n}`;
const uid = (name: string) => `${orgA}-${name}`;

let platform: TestPlatform;
let fleet: OslpSimulatorFleet;
let keyA: string;
let a: ReturnType<TestPlatform['client']>;
let b: ReturnType<TestPlatform['client']>;
let admin: ReturnType<TestPlatform['client']>;

interface SeedRequest {
  correlationUid: string;
  organisation: string;
  operation: string;
  state: 'PENDING' | 'OK' | 'NOT_OK';
  deviceCount: number;
  createdAt: Date;
  finishedAt?: Date | null;
  results?: Array<[string, 'OK' | 'NOT_OK']>;
}

async function seed(request: SeedRequest): Promise<void> {
  const prisma = platform.db.prisma;
  const organisation = await prisma.organisation.findUniqueOrThrow({ where: { identification: request.organisation } });
  const [domain, operation] = request.operation.split('.');
  await prisma.requestRecord.create({
    data: {
      correlationUid: request.correlationUid,
      organisationId: organisation.id,
      domain,
      operation,
      state: request.state,
      deviceCount: request.deviceCount,
      createdAt: request.createdAt,
      // Finished "now" unless told otherwise: the retention purge of this file must leave these alone.
      finishedAt: request.finishedAt !== undefined ? request.finishedAt : request.state === 'PENDING' ? null : new Date(),
      deviceResults: {
        create: (request.results ?? []).map(([deviceIdentification, result]) => ({
          deviceIdentification,
          result,
          attempts: 1,
          errorCode: result === 'OK' ? null : 'DEVICE_REJECTED',
          finishedAt: request.createdAt,
        })),
      },
    },
  });
}

beforeAll(async () => {
  platform = await startTestPlatform();
  keyA = await platform.createOrganisation(orgA);
  a = platform.client(keyA);
  b = platform.client(await platform.createOrganisation(orgB));
  admin = platform.client(platform.adminKey);

  // Organisation A: every state, three operations, two requests created at the same millisecond.
  await seed({ correlationUid: uid('a1'), organisation: orgA, operation: 'publicLighting.setLight', state: 'OK', deviceCount: 2, createdAt: at(1), results: [[device(1), 'OK'], [device(2), 'OK']] });
  await seed({ correlationUid: uid('a2'), organisation: orgA, operation: 'publicLighting.setLight', state: 'NOT_OK', deviceCount: 2, createdAt: at(2), results: [[device(1), 'OK'], [device(3), 'NOT_OK']] });
  await seed({ correlationUid: uid('a3'), organisation: orgA, operation: 'publicLighting.getStatus', state: 'PENDING', deviceCount: 2, createdAt: at(3), results: [[device(2), 'OK']] });
  // Device 1 has not answered yet: no result row, so the device filter does not find this request.
  await seed({ correlationUid: uid('a4'), organisation: orgA, operation: 'core.setReboot', state: 'PENDING', deviceCount: 1, createdAt: at(4) });
  await seed({ correlationUid: uid('a5'), organisation: orgA, operation: 'core.getStatus', state: 'OK', deviceCount: 1, createdAt: at(5), results: [[device(4), 'OK']] });
  await seed({ correlationUid: uid('a6'), organisation: orgA, operation: 'core.getStatus', state: 'OK', deviceCount: 1, createdAt: at(5), results: [[device(4), 'OK']] });
  // Organisation B: one request, for a device A's requests name too.
  await seed({ correlationUid: `${orgB}-b1`, organisation: orgB, operation: 'publicLighting.setLight', state: 'OK', deviceCount: 1, createdAt: at(2.5), results: [[device(1), 'OK']] });
});

afterAll(async () => {
  await fleet?.close();
  await platform?.stop();
});

type Client = ReturnType<TestPlatform['client']>;
type FindQuery = NonNullable<NonNullable<Parameters<Client['requests']['findRequests']>[0]>['query']>;

async function find(client: Client, query: FindQuery): Promise<{ requests: RequestSummary[]; nextCursor: string | null }> {
  const answer = await client.requests.findRequests({ query });
  if (answer.status !== 200) throw new Error(`findRequests answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

const uids = async (client: Client, query: FindQuery) => (await find(client, { ...window, ...query })).requests.map((r) => r.correlationUid);

describe('requests.findRequests', () => {
  test('lists the caller’s requests newest first, with state, operation split in domain and operation, and progress', async () => {
    const { requests, nextCursor } = await find(a, window);
    expect(requests.map((r) => r.correlationUid)).toEqual(['a6', 'a5', 'a4', 'a3', 'a2', 'a1'].map(uid));
    expect(nextCursor).toBeNull();
    expect(requests.find((r) => r.correlationUid === uid('a3'))).toEqual({
      correlationUid: uid('a3'),
      organisationIdentification: orgA,
      domain: 'publicLighting',
      operation: 'getStatus',
      state: 'IN_PROGRESS',
      createdAt: at(3).toISOString(),
      finishedAt: null,
      progress: { total: 2, done: 1, ok: 1, failed: 0 },
    });
    expect(requests.find((r) => r.correlationUid === uid('a2'))).toMatchObject({
      state: 'NOT_OK',
      progress: { total: 2, done: 2, ok: 1, failed: 1 },
    });
    expect(requests.find((r) => r.correlationUid === uid('a4'))).toMatchObject({
      state: 'PENDING',
      finishedAt: null,
      progress: { total: 1, done: 0, ok: 0, failed: 0 },
    });
  });

  test.each([
    ['OK', ['a6', 'a5', 'a1']],
    ['NOT_OK', ['a2']],
    ['IN_PROGRESS', ['a3']],
    ['PENDING', ['a4']],
  ] as const)('state=%s selects the requests in that state (as getRequest derives it)', async (state, expected) => {
    expect(await uids(a, { state })).toEqual(expected.map(uid));
  });

  test('operation=<domain>.<operation> selects on both', async () => {
    expect(await uids(a, { operation: 'publicLighting.setLight' })).toEqual(['a2', 'a1'].map(uid));
    expect(await uids(a, { operation: 'core.setReboot' })).toEqual([uid('a4')]);
    expect(await uids(a, { operation: 'core.setLight' })).toEqual([]);
  });

  test('deviceIdentification selects the requests with a result for that device (not those it has not answered yet)', async () => {
    expect(await uids(a, { deviceIdentification: device(1) })).toEqual(['a2', 'a1'].map(uid));
    expect(await uids(a, { deviceIdentification: device(2) })).toEqual(['a3', 'a1'].map(uid));
    expect(await uids(a, { deviceIdentification: device(3) })).toEqual([uid('a2')]);
    expect(await uids(a, { deviceIdentification: `RQ-${run}-none` })).toEqual([]);
  });

  test('from is inclusive and to exclusive on the creation time', async () => {
    expect(await uids(a, { from: at(2).toISOString(), to: at(4).toISOString() })).toEqual(['a3', 'a2'].map(uid));
    expect(await uids(a, { from: at(5).toISOString(), to: at(60).toISOString() })).toEqual(['a6', 'a5'].map(uid));
    // Offsets other than Z name the same instants.
    const withOffset = (d: Date) => new Date(d.getTime() + 60 * minute).toISOString().replace('Z', '+01:00');
    expect(await uids(a, { from: withOffset(at(2)), to: withOffset(at(4)) })).toEqual(['a3', 'a2'].map(uid));
    // Either bound alone.
    expect((await find(a, { to: at(1.5).toISOString() })).requests.map((r) => r.correlationUid)).toEqual([uid('a1')]);
    expect((await find(a, { from: at(4).toISOString(), to: at(60).toISOString() })).requests).toHaveLength(3);
  });

  test('filters combine', async () => {
    expect(await uids(a, { operation: 'publicLighting.setLight', state: 'OK', deviceIdentification: device(1) })).toEqual([uid('a1')]);
    expect(await uids(a, { state: 'IN_PROGRESS', deviceIdentification: device(1) })).toEqual([]);
    expect(await uids(a, { state: 'PENDING', operation: 'core.setReboot' })).toEqual([uid('a4')]);
  });

  test.each([1, 2, 4])('paging with limit %i walks every request once, in order, and ends with a null cursor', async (limit) => {
    const seen: string[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 20; pages++) {
      const page = await find(a, { ...window, limit, ...(after ? { after } : {}) });
      expect(page.requests.length).toBeLessThanOrEqual(limit);
      seen.push(...page.requests.map((r) => r.correlationUid));
      if (!page.nextCursor) break;
      after = page.nextCursor;
    }
    expect(seen).toEqual(['a6', 'a5', 'a4', 'a3', 'a2', 'a1'].map(uid));
  });

  test('the cursor is stable while newer requests arrive, and keeps the filters', async () => {
    const first = await find(a, { ...window, limit: 2, operation: 'publicLighting.setLight' });
    expect(first.requests.map((r) => r.correlationUid)).toEqual(['a2', 'a1'].map(uid));
    expect(first.nextCursor).toBeNull();

    const page1 = await find(a, { ...window, limit: 3 });
    await seed({ correlationUid: uid('a7'), organisation: orgA, operation: 'core.getStatus', state: 'OK', deviceCount: 1, createdAt: at(30) });
    const page2 = await find(a, { ...window, limit: 3, after: page1.nextCursor! });
    expect([...page1.requests, ...page2.requests].map((r) => r.correlationUid)).toEqual(['a6', 'a5', 'a4', 'a3', 'a2', 'a1'].map(uid));
    expect(await uids(a, { limit: 1 })).toEqual([uid('a7')]);
    await platform.db.prisma.requestRecord.delete({ where: { correlationUid: uid('a7') } });
  });

  test('another organisation’s requests are invisible: not listed, 404 on getRequest, 403 when asked for by name', async () => {
    expect(await uids(b, {})).toEqual([`${orgB}-b1`]);
    expect(await uids(b, { deviceIdentification: device(1) })).toEqual([`${orgB}-b1`]);
    expect(await uids(a, { deviceIdentification: device(1) })).not.toContain(`${orgB}-b1`);

    const hidden = await b.requests.getRequest({ params: { correlationUid: uid('a1') }, query: {} });
    expect(hidden.status).toBe(404);

    const byName = await b.requests.findRequests({ query: { ...window, organisationIdentification: orgA } });
    expect(byName.status).toBe(403);
    // Naming itself is allowed, and changes nothing.
    expect(await uids(b, { organisationIdentification: orgB })).toEqual([`${orgB}-b1`]);
  });

  test('ADMIN sees every organisation’s requests, or one organisation’s with organisationIdentification', async () => {
    const all = await find(admin, { ...window, limit: 100 });
    expect(all.requests.map((r) => r.correlationUid)).toEqual(['a6', 'a5', 'a4', 'a3', 'b1', 'a2', 'a1'].map((n) => (n === 'b1' ? `${orgB}-b1` : uid(n))));
    expect(all.requests.find((r) => r.correlationUid === `${orgB}-b1`)?.organisationIdentification).toBe(orgB);
    expect(await uids(admin, { organisationIdentification: orgB })).toEqual([`${orgB}-b1`]);
    expect(await uids(admin, { organisationIdentification: orgA, state: 'NOT_OK' })).toEqual([uid('a2')]);
    expect(await uids(admin, { organisationIdentification: `nobody-${run}` })).toEqual([]);

    const read = await admin.requests.getRequest({ params: { correlationUid: `${orgB}-b1` }, query: {} });
    expect(read.status).toBe(200);
  });

  test.each([
    ['from after to', 'query.to', { from: at(10).toISOString(), to: at(5).toISOString() }],
    ['from equal to to', 'query.to', { from: at(10).toISOString(), to: at(10).toISOString() }],
    ['a from that is no date-time', 'query.from', { from: 'yesterday' }],
    ['a to without a time', 'query.to', { to: '2026-11-27' }],
    ['an unknown state', 'query.state', { state: 'DONE' }],
    ['an operation without its domain', 'query.operation', { operation: 'setLight' }],
    ['a device identification with a space', 'query.deviceIdentification', { deviceIdentification: 'LAMP 1' }],
    ['a limit of 0', 'query.limit', { limit: '0' }],
    ['a limit above 1000', 'query.limit', { limit: '1001' }],
    ['a cursor that is not one', 'query.after', { after: 'not-a-cursor' }],
    ['a cursor of another listing', 'query.after', { after: Buffer.from(JSON.stringify({ k: 'find', i: 'LAMP-1' })).toString('base64url') }],
    ['a cursor with a broken time', 'query.after', { after: Buffer.from(JSON.stringify({ k: 'requests', t: 'soon', u: 'x' })).toString('base64url') }],
  ])('400 for %s, naming %s', async (_case, field, query) => {
    const url = new URL(`${platform.baseUrl}/v1/requests`);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    const answer = await fetch(url, { headers: { authorization: `Bearer ${keyA}` } });
    expect(answer.status).toBe(400);
    const body = (await answer.json()) as { error: string; issues: Array<{ field: string }> };
    expect(body.error).toBe('VALIDATION_FAILED');
    expect(body.issues.map((i) => i.field)).toContain(field);
  });

  test('401 without a key or with an unknown one; 403 for a disabled organisation', async () => {
    expect((await fetch(`${platform.baseUrl}/v1/requests`)).status).toBe(401);
    const unknown = await fetch(`${platform.baseUrl}/v1/requests`, { headers: { authorization: 'Bearer osgp_nope_nope' } });
    expect(unknown.status).toBe(401);

    const disabledOrg = `req-off-${run}`;
    const disabled = platform.client(await platform.createOrganisation(disabledOrg));
    await platform.db.prisma.organisation.update({ where: { identification: disabledOrg }, data: { enabled: false } });
    expect((await disabled.requests.findRequests({ query: {} })).status).toBe(403);
  });
});

describe('a request made through the API', () => {
  test('is listed by device and operation, and reading its result twice returns the same (reading consumes nothing)', async () => {
    fleet = await startFleetFor(platform, {
      count: 2,
      identificationPrefix: `RQL-${run}-`,
    });
    const city = platform.client(await platform.createOrganisation(`req-city-${run}`));
    expect(await addFleetToPlatform(city, fleet)).toBe(2);
    expect(await fleet.registerAll()).toEqual({ registered: 2, failed: [] });
    const ids = fleet.devices.map((d) => d.identification);

    const accepted = await city.publicLighting.setLight({
      body: { deviceIdentifications: ids, lightValues: [{ index: 0, on: true, dimValue: 40 }] },
    });
    if (accepted.status !== 202) throw new Error(`setLight answered ${accepted.status}`);
    const correlationUid = accepted.body.correlationUid;
    await waitForRequest(city, correlationUid);

    const listed = await find(city, { deviceIdentification: ids[1], operation: 'publicLighting.setLight', state: 'OK' });
    expect(listed.requests).toEqual([
      expect.objectContaining({
        correlationUid,
        organisationIdentification: `req-city-${run}`,
        domain: 'publicLighting',
        operation: 'setLight',
        state: 'OK',
        progress: { total: 2, done: 2, ok: 2, failed: 0 },
      }),
    ]);
    expect(listed.requests[0].finishedAt).not.toBeNull();

    const first = await city.requests.getRequest({ params: { correlationUid }, query: {} });
    const second = await city.requests.getRequest({ params: { correlationUid }, query: {} });
    expect(first.status).toBe(200);
    // Status and body: the response headers differ (Date).
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    if (first.status !== 200) return;
    expect(first.body.devices.map((d) => d.result)).toEqual(['OK', 'OK']);
    expect(first.body.notification).toBeNull();
    expect(await platform.db.prisma.deviceResult.count({ where: { correlationUid } })).toBe(2);
  });
});

describe('retention', () => {
  const now = new Date();
  const ago = (days: number) => new Date(now.getTime() - days * dayMs);
  const r = (name: string) => `${orgA}-ret-${name}`;

  async function notify(correlationUid: string, state: 'PENDING' | 'DELIVERED' | 'FAILED'): Promise<void> {
    const organisation = await platform.db.prisma.organisation.findUniqueOrThrow({ where: { identification: orgA } });
    await platform.db.prisma.notification.create({
      data: {
        id: `request-finished:${correlationUid}`,
        correlationUid,
        organisationId: organisation.id,
        type: 'REQUEST_FINISHED',
        payload: { correlationUid },
        state,
      },
    });
  }

  const exists = async (correlationUid: string) =>
    (await platform.db.prisma.requestRecord.count({ where: { correlationUid } })) === 1;

  test('deletes the finished records older than the retention, with their device results and notifications, and nothing else', async () => {
    const prisma = platform.db.prisma;
    await seed({ correlationUid: r('old-ok'), organisation: orgA, operation: 'publicLighting.setLight', state: 'OK', deviceCount: 2, createdAt: ago(41), finishedAt: ago(40), results: [[device(1), 'OK'], [device(2), 'OK']] });
    await notify(r('old-ok'), 'DELIVERED');
    await seed({ correlationUid: r('old-not-ok'), organisation: orgA, operation: 'core.setReboot', state: 'NOT_OK', deviceCount: 1, createdAt: ago(31), finishedAt: ago(30.01), results: [[device(3), 'NOT_OK']] });
    await notify(r('old-not-ok'), 'FAILED');
    // Created long ago, finished within the retention: kept (retention counts from the end).
    await seed({ correlationUid: r('recent'), organisation: orgA, operation: 'core.getStatus', state: 'OK', deviceCount: 1, createdAt: ago(90), finishedAt: ago(29.99), results: [[device(4), 'OK']] });
    // Never finished: kept however old.
    await seed({ correlationUid: r('unfinished'), organisation: orgA, operation: 'core.setReboot', state: 'PENDING', deviceCount: 2, createdAt: ago(100), results: [[device(1), 'OK']] });
    // Its notification is still being delivered: kept until the delivery has ended.
    await seed({ correlationUid: r('delivering'), organisation: orgA, operation: 'core.getStatus', state: 'OK', deviceCount: 1, createdAt: ago(50), finishedAt: ago(50) });
    await notify(r('delivering'), 'PENDING');

    const deleted = await purgeExpiredRequests(prisma, 30, now);
    expect(deleted).toBeGreaterThanOrEqual(2);

    expect(await exists(r('old-ok'))).toBe(false);
    expect(await exists(r('old-not-ok'))).toBe(false);
    expect(await prisma.deviceResult.count({ where: { correlationUid: { in: [r('old-ok'), r('old-not-ok')] } } })).toBe(0);
    expect(await prisma.notification.count({ where: { correlationUid: { in: [r('old-ok'), r('old-not-ok')] } } })).toBe(0);

    for (const kept of ['recent', 'unfinished', 'delivering']) expect(await exists(r(kept))).toBe(true);
    expect(await prisma.deviceResult.count({ where: { correlationUid: { in: [r('recent'), r('unfinished')] } } })).toBe(2);
    expect(await prisma.notification.count({ where: { correlationUid: r('delivering') } })).toBe(1);
    // The records of the listing tests (finished now) are untouched.
    expect(await uids(a, {})).toEqual(['a6', 'a5', 'a4', 'a3', 'a2', 'a1'].map(uid));

    // Gone for the API too; a kept one still reads.
    expect((await a.requests.getRequest({ params: { correlationUid: r('old-ok') }, query: {} })).status).toBe(404);
    expect((await a.requests.getRequest({ params: { correlationUid: r('recent') }, query: {} })).status).toBe(200);

    // Once the delivery has ended, the record goes at the next purge; a second purge finds nothing more of ours.
    await prisma.notification.update({ where: { id: `request-finished:${r('delivering')}` }, data: { state: 'DELIVERED' } });
    expect(await purgeExpiredRequests(prisma, 30, now)).toBeGreaterThanOrEqual(1);
    expect(await exists(r('delivering'))).toBe(false);
    expect(await exists(r('recent'))).toBe(true);
  });

  test('the retention is configurable, and a large purge goes in batches', async () => {
    const prisma = platform.db.prisma;
    const names = Array.from({ length: 7 }, (_, i) => `batch-${i}`);
    for (const [i, name] of names.entries()) {
      await seed({ correlationUid: r(name), organisation: orgA, operation: 'core.getStatus', state: 'OK', deviceCount: i === 3 ? 5 : 1, createdAt: ago(6), finishedAt: ago(5 + i / 100), results: [[device(1), 'OK']] });
    }
    // 30 days: none of them is old enough.
    await purgeExpiredRequests(prisma, 30, now);
    expect(await prisma.requestRecord.count({ where: { correlationUid: { in: names.map(r) } } })).toBe(7);

    // 2 days: all of them, two (or, past a request of 5 devices, fewer) at a time.
    const transactions = jest.spyOn(prisma, '$transaction');
    try {
      const deleted = await purgeExpiredRequests(prisma, 2, now, { batchSize: 2, maxDeviceResultsPerBatch: 3 });
      expect(deleted).toBeGreaterThanOrEqual(7);
      // 7 records, at most 2 per transaction, the one of 5 devices alone: at least 5 transactions.
      expect(transactions.mock.calls.length).toBeGreaterThanOrEqual(5);
    } finally {
      transactions.mockRestore();
    }
    expect(await prisma.requestRecord.count({ where: { correlationUid: { in: names.map(r) } } })).toBe(0);
    expect(await prisma.deviceResult.count({ where: { correlationUid: { in: names.map(r) } } })).toBe(0);
    // What finished within 2 days stays: the records of the listing tests (finished when they were written).
    expect(await uids(a, {})).toEqual(['a6', 'a5', 'a4', 'a3', 'a2', 'a1'].map(uid));
  });

  test('the core worker’s retention job purges at start', async () => {
    await seed({ correlationUid: r('job'), organisation: orgA, operation: 'core.getStatus', state: 'OK', deviceCount: 1, createdAt: ago(61), finishedAt: ago(60) });
    const job = startRetentionJob({ prisma: platform.db.prisma, retentionDays: 30, logger: createLogger({}, 'error') });
    try {
      const deadline = Date.now() + 10_000;
      while ((await exists(r('job'))) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await exists(r('job'))).toBe(false);
      expect(await uids(a, {})).toEqual(['a6', 'a5', 'a4', 'a3', 'a2', 'a1'].map(uid));
    } finally {
      job.stop();
    }
  });
});
