-- The per-organisation rate limit shared by every API process (issue 14): one token bucket row per key,
-- taken from in one statement (api/rate-limit.ts). Written in the form `prisma migrate dev` produces.

-- CreateTable
CREATE TABLE "RateLimitBucket" (
    "key" TEXT NOT NULL,
    "tokens" DOUBLE PRECISION NOT NULL,
    "allowed" BOOLEAN NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RateLimitBucket_pkey" PRIMARY KEY ("key")
);
