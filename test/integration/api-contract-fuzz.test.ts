/**
 * Standing property-based suite of the API (issue 10), generated from its contracts: for every route, requests
 * whose path parameters, query, headers and body are drawn from the route's own zod schemas (mostly valid,
 * naming things that exist; sometimes with one part replaced by junk), sent to the real API on PostgreSQL and
 * Temporal. Properties: no answer is a 5xx; a request the contract refuses is a 400 naming each refused field;
 * any other 400 names a field too. Responses are checked against the contract as well (responseValidation),
 * so a handler answering outside its contract would be a 500 here. Seeded: see test/support/fuzz.ts.
 */
import { randomBytes } from 'node:crypto';
import type { AppRoute } from '@ts-rest/core';
import fc from 'fast-check';
import { z } from 'zod';
import { generateKeyPair, publicKeyToPem } from '../../adapters/oslp/envelope';
import { platformContract } from '../../api/contract';
import type { ErrorResponse } from '../../api/contracts/common';
import { arbitraryFor, sometimesCorrupted, type Pools } from '../support/contract-arbitraries';
import { fuzzCases, fuzzSeed } from '../support/fuzz';
import { startTestPlatform, type TestPlatform } from '../support/platform';

jest.setTimeout(300_000);

const seed = fuzzSeed('API contracts');
const requestsPerRoute = fuzzCases(75);
const run = Date.now().toString(36);
const adminOrganisation = `fuzz-admin-${run}`;
const cityOrganisation = `fuzz-city-${run}`;
/** What the fuzz may change, disable or remove: not one of its callers, whose keys must keep working. */
const targetOrganisation = `fuzz-target-${run}`;

let platform: TestPlatform;
let keys: { admin: string; city: string };
let pools: Pools;

interface NamedRoute {
  name: string;
  route: AppRoute;
}

function routesOf(node: object, prefix = ''): NamedRoute[] {
  return Object.entries(node).flatMap(([name, value]: [string, object]) =>
    'method' in value && 'path' in value ? [{ name: `${prefix}${name}`, route: value as AppRoute }] : routesOf(value, `${prefix}${name}.`),
  );
}

beforeAll(async () => {
  platform = await startTestPlatform({ workers: false, rateLimit: { perSecond: 1e9, burst: 1e9 } });
  keys = { admin: await platform.createOrganisation(adminOrganisation, 'ADMIN'), city: await platform.createOrganisation(cityOrganisation) };
  const targetKey = await platform.createOrganisation(targetOrganisation);
  const admin = platform.client(keys.admin);
  const pem = publicKeyToPem(generateKeyPair().publicKey);
  const devices = [1, 2, 3].map((n) => `FZ-${run}-${n}`);
  for (const deviceIdentification of devices) {
    const added = await admin.core.addDevice({
      body: { deviceIdentification, protocol: 'OSLP', deviceUid: randomBytes(12).toString('base64'), publicKey: pem, networkAddress: '127.0.0.1', port: 9 },
    });
    expect(added.status).toBe(201);
  }
  const group = await admin.core.createDeviceGroup({ body: { groupIdentification: `g-${run}`, kind: 'STATIC' } });
  expect(group.status).toBe(201);
  const targetKeyId = /^osgp_([a-f0-9]{16})_/.exec(targetKey)?.[1] ?? '';
  pools = {
    deviceIdentification: [...devices, `NO-SUCH-${run}`],
    lightMeasurementDeviceIdentification: devices,
    groupIdentification: [`g-${run}`],
    organisationIdentification: [targetOrganisation],
    identification: [`s-${run}`],
    apiKeyId: [targetKeyId],
    publicKey: [pem],
    timeZone: ['Europe/Amsterdam', 'UTC', 'America/New_York'],
    correlationUid: [`${adminOrganisation}-0123456789abcdef0123456789abcdef`],
  };
});

afterAll(async () => {
  if (platform) await stopWhatTheFuzzStarted(platform);
  await platform?.stop();
});

/** Requests and schedules the fuzz started must not run into later test files' workers. */
async function stopWhatTheFuzzStarted({ temporal }: TestPlatform): Promise<void> {
  for await (const schedule of temporal.schedule.list()) {
    if ([adminOrganisation, cityOrganisation, targetOrganisation].some((organisation) => schedule.scheduleId.includes(organisation))) {
      await temporal.schedule.getHandle(schedule.scheduleId).delete().catch(() => undefined);
    }
  }
  for (const organisation of [adminOrganisation, cityOrganisation, targetOrganisation]) {
    const running = temporal.workflow.list({ query: `OsgpOrganisation = "${organisation}" AND ExecutionStatus = "Running"` });
    for await (const workflow of running) {
      await temporal.workflow.getHandle(workflow.workflowId).terminate('fuzz test over').catch(() => undefined);
    }
  }
}

// ---------------------------------------------------------------- one request

interface Sample {
  caller: 'admin' | 'city';
  pathParams: Record<string, unknown>;
  query: Record<string, unknown>;
  headers: Record<string, unknown>;
  body: unknown;
}

const zodOf = (schema: unknown): z.ZodTypeAny | null => (schema instanceof z.ZodType ? schema : null);
const asText = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
/** What fetch can send as a header value unchanged: printable ASCII, no surrounding spaces. */
const sendableHeader = (value: string) => /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(value) || value === '';

function sampleFor(route: AppRoute): fc.Arbitrary<Sample> {
  const part = (schema: unknown, fallback: unknown) => {
    const zod = zodOf(schema);
    return zod ? sometimesCorrupted(arbitraryFor(zod, pools)) : fc.constant(fallback);
  };
  return fc.record({
    caller: fc.constantFrom<'admin' | 'city'>('admin', 'admin', 'admin', 'city'),
    pathParams: part(route.pathParams, {}) as fc.Arbitrary<Record<string, unknown>>,
    query: part('query' in route ? route.query : undefined, {}) as fc.Arbitrary<Record<string, unknown>>,
    headers: part(route.headers, {}) as fc.Arbitrary<Record<string, unknown>>,
    body: part('body' in route ? route.body : undefined, undefined),
  });
}

interface Sent {
  url: string;
  init: RequestInit;
  /** What the server's validation sees, part by part. */
  seen: { path: unknown; header: unknown; query: unknown; body: unknown };
}

function requestFor(route: AppRoute, sample: Sample): Sent {
  const pathParams: Record<string, string> = {};
  const objectOr = (value: unknown) => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
  const generated = objectOr(sample.pathParams);
  const path = route.path.replace(/:(\w+)/g, (_m, name: string) => {
    const text = generated[name] === undefined ? 'x' : asText(generated[name]);
    // An empty, "." or ".." segment is a different URL, not a bad parameter.
    pathParams[name] = text === '' || text === '.' || text === '..' ? 'x' : text;
    return encodeURIComponent(pathParams[name]);
  });
  const query = new URLSearchParams();
  const seenQuery: Record<string, string> = {};
  for (const [name, value] of Object.entries(objectOr(sample.query))) {
    if (value === undefined) continue;
    query.set(name, asText(value));
    seenQuery[name] = asText(value);
  }
  const headers: Record<string, string> = {
    authorization: `Bearer ${keys[sample.caller]}`,
    'content-type': 'application/json',
  };
  for (const [name, value] of Object.entries(objectOr(sample.headers))) {
    if (value === undefined || !sendableHeader(asText(value))) continue;
    headers[name] = asText(value);
  }
  const hasBody = zodOf('body' in route ? route.body : undefined) !== null && sample.body !== undefined;
  const bodyText = hasBody ? JSON.stringify(sample.body) : undefined;
  const search = query.toString();
  return {
    url: `${platform.baseUrl}${path}${search ? `?${search}` : ''}`,
    init: { method: route.method, headers, body: bodyText },
    seen: {
      path: pathParams,
      header: headers,
      query: seenQuery,
      // express.json() leaves {} when there is no body.
      body: bodyText === undefined ? {} : (JSON.parse(bodyText) as unknown),
    },
  };
}

/** The fields the contract refuses in this request, as the API names them (e.g. body.lightValues.0.dimValue). */
function refusedFields(route: AppRoute, seen: Sent['seen']): string[] {
  // express.json() (strict) refuses a body that is not an object or array before any other check.
  if (seen.body === null || typeof seen.body !== 'object') return ['body'];
  const parts: Array<[keyof Sent['seen'], unknown]> = [
    ['path', route.pathParams],
    ['header', route.headers],
    ['query', 'query' in route ? route.query : undefined],
    ['body', 'body' in route ? route.body : undefined],
  ];
  return parts.flatMap(([where, schema]) => {
    const zod = zodOf(schema);
    const parsed = zod?.safeParse(seen[where]);
    return parsed && !parsed.success ? parsed.error.issues.map((issue) => [where, ...issue.path].join('.')) : [];
  });
}

// ---------------------------------------------------------------- the properties

const tally = { requests: 0, refusedByContract: 0, serverErrors: 0, byStatus: new Map<number, number>() };

async function check(route: AppRoute, sample: Sample): Promise<void> {
  const sent = requestFor(route, sample);
  const response = await fetch(sent.url, sent.init);
  const text = await response.text();
  tally.requests += 1;
  tally.byStatus.set(response.status, (tally.byStatus.get(response.status) ?? 0) + 1);
  const describe = () => `${sent.init.method} ${sent.url} ${String(sent.init.body ?? '')} -> ${response.status} ${text}`;
  if (response.status >= 500) {
    tally.serverErrors += 1;
    throw new Error(`5xx: ${describe()}`);
  }
  const refused = refusedFields(route, sent.seen);
  const answered = response.status === 400 ? ((JSON.parse(text) as ErrorResponse).issues ?? []).map((issue) => issue.field) : [];
  if (refused.length > 0) {
    tally.refusedByContract += 1;
    if (response.status !== 400) throw new Error(`expected 400 naming ${refused.join(', ')}: ${describe()}`);
    const unnamed = refused.filter((field) => !answered.includes(field));
    if (unnamed.length > 0) throw new Error(`400 without naming ${unnamed.join(', ')}: ${describe()}`);
  } else if (response.status === 400 && answered.length === 0) {
    throw new Error(`400 naming no field: ${describe()}`);
  }
}

test('every route: no 5xx, and each input the contract refuses is a 400 naming the field', async () => {
  const routes = routesOf(platformContract);
  expect(routes.length).toBeGreaterThan(60);
  const started = Date.now();
  for (const [index, { name, route }] of routes.entries()) {
    await fc.assert(
      fc.asyncProperty(sampleFor(route), (sample) => check(route, sample)),
      { seed: seed + index, numRuns: requestsPerRoute, endOnFailure: true, reporter: (details) => {
        if (details.failed) throw new Error(`${name} (seed ${seed}, route ${index}): ${String(details.errorInstance)}`);
      } },
    );
  }
  process.stdout.write(
    `[fuzz] API contracts: ${tally.requests} requests on ${routes.length} routes in ${((Date.now() - started) / 1000).toFixed(1)} s, ` +
      `${tally.refusedByContract} refused by the contract (400 naming the field), ${tally.serverErrors} 5xx; ` +
      `by status ${JSON.stringify(Object.fromEntries([...tally.byStatus].sort(([a], [b]) => a - b)))}\n`,
  );
  expect(tally.serverErrors).toBe(0);
});
