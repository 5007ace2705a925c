/**
 * The API's request id (the caller's X-Request-Id or a new one, returned in the answer) and its latency
 * histogram per contract route: a route's label is its path in the contract, never the URL as sent.
 */
import { startTestPlatform, type TestPlatform } from '../support/platform';

jest.setTimeout(60_000);

const run = Date.now().toString(36);
let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform({ workers: false });
});

afterAll(async () => {
  await platform?.stop();
});

test('X-Request-Id is taken from a plain token, otherwise generated, and always returned', async () => {
  const key = await platform.createOrganisation(`observed-${run}`);
  const get = (headers: Record<string, string>) => fetch(`${platform.baseUrl}/v1/requests`, { headers: { authorization: `Bearer ${key}`, ...headers } });
  expect((await get({ 'x-request-id': 'caller-123' })).headers.get('x-request-id')).toBe('caller-123');
  const generated = (await get({})).headers.get('x-request-id');
  expect(generated).toMatch(/^[0-9a-f-]{36}$/);
  const replaced = (await get({ 'x-request-id': 'has spaces and "quotes"' })).headers.get('x-request-id');
  expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
});

test('latency per contract route, with unknown paths under one label', async () => {
  const key = await platform.createOrganisation(`routes-${run}`);
  await fetch(`${platform.baseUrl}/v1/requests/no-such-uid-${run}`, { headers: { authorization: `Bearer ${key}` } });
  await fetch(`${platform.baseUrl}/v1/no-such-route-${run}`, { headers: { authorization: `Bearer ${key}` } });
  const metrics = await (await fetch(`${platform.baseUrl}/metrics`)).text();
  expect(metrics).toMatch(/^osgp_http_request_duration_seconds_bucket\{le="[^"]+",method="GET",route="[^"]*\/requests\/:correlationUid",status="\d{3}"\} \d+$/m);
  expect(metrics).toMatch(/^osgp_http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} \d+$/m);
  expect(metrics).not.toContain(run);
});
