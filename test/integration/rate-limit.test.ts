/**
 * Requests beyond an organisation's rate are answered 429 with Retry-After, per organisation, and are
 * served again once the bucket has refilled.
 */
import { startTestPlatform, type TestPlatform } from '../support/platform';

jest.setTimeout(60_000);

const run = Date.now().toString(36);
let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform({ workers: false, rateLimit: { perSecond: 2, burst: 5 } });
});

afterAll(async () => {
  await platform?.stop();
});

test('a burst beyond the limit gets 429 with Retry-After; other organisations are not affected', async () => {
  const busyKey = await platform.createOrganisation(`busy-${run}`);
  const busy = platform.client(busyKey);
  const calm = platform.client(await platform.createOrganisation(`calm-${run}`));
  const statuses: number[] = [];
  for (let i = 0; i < 8; i++) {
    statuses.push((await busy.requests.findRequests({ query: {} })).status);
  }
  expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
  expect(statuses.slice(5)).toContain(429);

  const refused = await fetch(`${platform.baseUrl}/v1/requests`, { headers: { authorization: `Bearer ${busyKey}` } });
  expect(refused.status).toBe(429);
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(await refused.json()).toMatchObject({ error: 'RATE_LIMITED' });

  expect((await calm.requests.findRequests({ query: {} })).status).toBe(200);

  await new Promise((resolve) => setTimeout(resolve, 1_100));
  expect((await busy.requests.findRequests({ query: {} })).status).toBe(200);
});
