import { RateLimiter } from '../../../api/rate-limit';

test('an organisation may burst, is then refused with a Retry-After, and is served again once refilled', () => {
  let now = 0;
  const limiter = new RateLimiter({ perSecond: 2, burst: 3 }, () => now);
  expect([1, 2, 3].map(() => limiter.take('city').allowed)).toEqual([true, true, true]);
  expect(limiter.take('city')).toEqual({ allowed: false, retryAfterSeconds: 1 });
  // Another organisation has its own bucket.
  expect(limiter.take('contractor').allowed).toBe(true);
  now = 500; // half a second refills one token
  expect(limiter.take('city').allowed).toBe(true);
  expect(limiter.take('city').allowed).toBe(false);
  now = 60_000; // refilled to the burst, not beyond
  expect([1, 2, 3, 4].map(() => limiter.take('city').allowed)).toEqual([true, true, true, false]);
});

test('Retry-After grows with how far the bucket is from one token', () => {
  const limiter = new RateLimiter({ perSecond: 0.1, burst: 1 }, () => 0);
  expect(limiter.take('city').allowed).toBe(true);
  expect(limiter.take('city').retryAfterSeconds).toBe(10);
});
