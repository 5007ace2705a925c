import { InMemoryRateLimiter, rateLimitHeaders } from '../../../api/rate-limit';

test('an organisation may burst, is then refused with a Retry-After, and is served again once refilled', () => {
  let now = 0;
  const limiter = new InMemoryRateLimiter({ perSecond: 2, burst: 3 }, () => now);
  expect([1, 2, 3].map(() => limiter.takeNow('city').allowed)).toEqual([true, true, true]);
  expect(limiter.takeNow('city')).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 1 });
  // Another organisation has its own bucket.
  expect(limiter.takeNow('contractor').allowed).toBe(true);
  now = 500; // half a second refills one token
  expect(limiter.takeNow('city').allowed).toBe(true);
  expect(limiter.takeNow('city').allowed).toBe(false);
  now = 60_000; // refilled to the burst, not beyond
  expect([1, 2, 3, 4].map(() => limiter.takeNow('city').allowed)).toEqual([true, true, true, false]);
});

test('Retry-After grows with how far the bucket is from one token', () => {
  const limiter = new InMemoryRateLimiter({ perSecond: 0.1, burst: 1 }, () => 0);
  expect(limiter.takeNow('city').allowed).toBe(true);
  expect(limiter.takeNow('city').retryAfterSeconds).toBe(10);
});

test('the RateLimit-Policy, RateLimit and (when refused) Retry-After headers', () => {
  const limit = { perSecond: 50, burst: 200 };
  expect(rateLimitHeaders(limit, { allowed: true, remaining: 120, retryAfterSeconds: 0 })).toEqual({
    'RateLimit-Policy': '"organisation";q=200;w=4',
    RateLimit: '"organisation";r=120;t=0',
  });
  expect(rateLimitHeaders(limit, { allowed: false, remaining: 0, retryAfterSeconds: 1 })).toEqual({
    'RateLimit-Policy': '"organisation";q=200;w=4',
    RateLimit: '"organisation";r=0;t=1',
    'Retry-After': '1',
  });
});
