/**
 * Requests beyond an organisation's rate are answered 429 with Retry-After, per organisation, and are
 * served again once the bucket has refilled. The bucket is in the database: two API processes (here two
 * platforms on one database) share it.
 */
import { startTestPlatform, type TestPlatform } from '../support/platform';

jest.setTimeout(60_000);

const run = Date.now().toString(36);
let platform: TestPlatform;
let secondApi: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform({ workers: false, rateLimit: { perSecond: 0.5, burst: 5 } });
  secondApi = await startTestPlatform({ workers: false, rateLimit: { perSecond: 0.5, burst: 5 } });
});

afterAll(async () => {
  await secondApi?.stop();
  await platform?.stop();
});

test('a burst beyond the limit gets 429 with Retry-After; other organisations are not affected', async () => {
  const busyKey = await platform.createOrganisation(`busy-${run}`);
  const busy = platform.client(busyKey);
  const calm = platform.client(await platform.createOrganisation(`calm-${run}`));
  // One token every 2 s: a loaded machine does not refill the bucket within the burst.
  const answers: Response[] = [];
  for (let i = 0; i < 8; i++) {
    answers.push(await fetch(`${platform.baseUrl}/v1/requests`, { headers: { authorization: `Bearer ${busyKey}` } }));
  }
  const statuses = answers.map((a) => a.status);
  expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
  expect(statuses.slice(5)).toContain(429);

  const refused = answers.find((a) => a.status === 429)!;
  const retryAfter = Number(refused.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(await refused.json()).toMatchObject({ error: 'RATE_LIMITED' });

  expect((await calm.requests.findRequests({ query: {} })).status).toBe(200);

  await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000 + 100));
  expect((await busy.requests.findRequests({ query: {} })).status).toBe(200);
});

test('two API processes on one database share the bucket, and every answer carries the RateLimit headers', async () => {
  const key = await platform.createOrganisation(`shared-${run}`);
  const get = (api: TestPlatform) => fetch(`${api.baseUrl}/v1/requests`, { headers: { authorization: `Bearer ${key}` } });
  const answers: Response[] = [];
  // Alternating between the two APIs: with a bucket each, all 8 would pass.
  for (let i = 0; i < 8; i++) answers.push(await get(i % 2 === 0 ? platform : secondApi));
  const statuses = answers.map((a) => a.status);
  expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
  expect(statuses.slice(5)).toContain(429);
  expect(statuses.filter((s) => s === 200).length).toBeLessThan(8);

  expect(answers[0].headers.get('ratelimit-policy')).toBe('"organisation";q=5;w=10');
  expect(answers[0].headers.get('ratelimit')).toBe('"organisation";r=4;t=0');
  const refused = answers.find((a) => a.status === 429)!;
  expect(refused.headers.get('ratelimit')).toMatch(/^"organisation";r=0;t=[1-9]\d*$/);
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
});
