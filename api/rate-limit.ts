// Requests per organisation are limited by a token bucket: a burst up to `burst`, refilled at `perSecond`.
// The bucket lives in the platform's PostgreSQL, so every API process takes from the same one: N API processes
// do not give an organisation N times the rate. One statement per request reads, refills and takes a token
// atomically (row lock of the upsert). On the embedded database (PGlite, one process) it lives in memory.
import type { PrismaClient } from '../db/client';

export interface RateLimit {
  perSecond: number;
  burst: number;
}

export interface RateDecision {
  allowed: boolean;
  /** Whole tokens left in the bucket after this request (RateLimit header `r`). */
  remaining: number;
  /** Seconds until a request would be allowed again (Retry-After; RateLimit header `t`); 0 when allowed. */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  readonly limit: RateLimit;
  take(key: string): Promise<RateDecision>;
}

function decide(limit: RateLimit, allowed: boolean, tokens: number): RateDecision {
  return {
    allowed,
    remaining: Math.max(0, Math.floor(tokens)),
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / limit.perSecond)),
  };
}

/** The shared bucket in the platform database: what the API uses. */
export class DatabaseRateLimiter implements RateLimiter {
  constructor(
    private readonly prisma: PrismaClient,
    readonly limit: RateLimit,
  ) {}

  async take(key: string): Promise<RateDecision> {
    const { perSecond, burst } = this.limit;
    // refill: the tokens now (at most burst); a token is taken when at least one is there.
    const [row] = await this.prisma.$queryRawUnsafe<Array<{ tokens: number; allowed: boolean }>>(
      `WITH now AS (SELECT clock_timestamp()::timestamp(3) AS at)
       INSERT INTO "RateLimitBucket" AS b ("key", "tokens", "allowed", "updatedAt")
       SELECT $1, $2::float8 - 1, true, now.at FROM now
       ON CONFLICT ("key") DO UPDATE SET
         "tokens" = LEAST($2::float8, b."tokens" + GREATEST(0, EXTRACT(EPOCH FROM (EXCLUDED."updatedAt" - b."updatedAt")))::float8 * $3::float8)
                    - CASE WHEN LEAST($2::float8, b."tokens" + GREATEST(0, EXTRACT(EPOCH FROM (EXCLUDED."updatedAt" - b."updatedAt")))::float8 * $3::float8) >= 1 THEN 1 ELSE 0 END,
         "allowed" = LEAST($2::float8, b."tokens" + GREATEST(0, EXTRACT(EPOCH FROM (EXCLUDED."updatedAt" - b."updatedAt")))::float8 * $3::float8) >= 1,
         "updatedAt" = GREATEST(b."updatedAt", EXCLUDED."updatedAt")
       RETURNING "tokens", "allowed"`,
      key,
      burst,
      perSecond,
    );
    return decide(this.limit, row.allowed, Number(row.tokens));
  }
}

/** The same bucket in memory, for one process: the embedded database's single API process, and unit tests. */
export class InMemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  async take(key: string): Promise<RateDecision> {
    return this.takeNow(key);
  }

  takeNow(key: string): RateDecision {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.limit.burst, at: now };
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.limit.perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    return decide(this.limit, allowed, bucket.tokens);
  }
}

/** The policy name and window of the RateLimit-Policy header (draft-ietf-httpapi-ratelimit-headers). */
const policyName = 'organisation';

/** Headers of every answer behind the limit: the policy (quota `q` per window `w` seconds) and what is left. */
export function rateLimitHeaders(limit: RateLimit, decision: RateDecision): Record<string, string> {
  const windowSeconds = Math.max(1, Math.ceil(limit.burst / limit.perSecond));
  return {
    'RateLimit-Policy': `"${policyName}";q=${limit.burst};w=${windowSeconds}`,
    RateLimit: `"${policyName}";r=${decision.remaining};t=${decision.retryAfterSeconds}`,
    ...(decision.allowed ? {} : { 'Retry-After': String(decision.retryAfterSeconds) }),
  };
}
