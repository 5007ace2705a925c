// API keys: `osgp_<id>_<secret>`. The id finds the row; only SHA-256 of the secret is stored (the secret is
// 32 random bytes, so a fast hash is safe here, unlike for passwords). A key is shown once, when issued;
// afterwards only its id, label and dates can be read.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { PrismaClient } from '../db/client';
import type { AuthenticatedOrganisation } from '../core/organisations';

const keyPattern = /^osgp_([a-f0-9]{16})_([A-Za-z0-9_-]{43})$/;

/** The id part of a key (16 hex digits): what lists show and what revoking takes. */
export const apiKeyIdPattern = /^[a-f0-9]{16}$/;

/** lastUsedAt is written at most once per this interval per key, so authenticating stays a read. */
export const lastUsedResolutionMs = 60_000;

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A key as it may be shown after it was issued: never the secret, nor its hash. */
export interface ApiKeyRecord {
  id: string;
  label: string;
  organisationIdentification: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const recordSelect = {
  id: true,
  label: true,
  createdAt: true,
  lastUsedAt: true,
  revokedAt: true,
  organisation: { select: { identification: true } },
} as const;

function toRecord(row: {
  id: string;
  label: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  organisation: { identification: string };
}): ApiKeyRecord {
  return {
    id: row.id,
    label: row.label,
    organisationIdentification: row.organisation.identification,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
  };
}

/** Issues a key for the organisation; `apiKey` is the only time the full key exists outside its holder. */
export async function issueApiKeyRecord(
  prisma: PrismaClient,
  organisationId: string,
  label: string,
): Promise<{ apiKey: string; record: ApiKeyRecord }> {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const row = await prisma.apiKey.create({
    data: { id, organisationId, label, secretHash: hashSecret(secret) },
    select: recordSelect,
  });
  return { apiKey: `osgp_${id}_${secret}`, record: toRecord(row) };
}

export async function issueApiKey(prisma: PrismaClient, organisationId: string, label: string): Promise<string> {
  return (await issueApiKeyRecord(prisma, organisationId, label)).apiKey;
}

/** An organisation's keys, revoked ones included, oldest first. */
export async function listApiKeys(prisma: PrismaClient, organisationId: string): Promise<ApiKeyRecord[]> {
  const rows = await prisma.apiKey.findMany({
    where: { organisationId },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: recordSelect,
  });
  return rows.map(toRecord);
}

/**
 * Revokes a key; revoking it again keeps the first revocation time. `ownerId` limits it to that
 * organisation's keys (undefined: any key). Undefined when there is no such key.
 */
export async function revokeApiKey(
  prisma: PrismaClient,
  id: string,
  ownerId: string | undefined,
): Promise<ApiKeyRecord | undefined> {
  const where = { id, ...(ownerId ? { organisationId: ownerId } : {}) };
  await prisma.apiKey.updateMany({ where: { ...where, revokedAt: null }, data: { revokedAt: new Date() } });
  const row = await prisma.apiKey.findFirst({ where, select: recordSelect });
  return row ? toRecord(row) : undefined;
}

/** The organisation that owns a valid, unrevoked key; undefined for anything else. */
export async function findOrganisationByApiKey(
  prisma: PrismaClient,
  presentedKey: string,
  now: Date = new Date(),
): Promise<AuthenticatedOrganisation | undefined> {
  const match = keyPattern.exec(presentedKey);
  if (!match) return undefined;
  const [, id, secret] = match;
  // Every API call reads this: one statement (Prisma's include would be three), the webhook's existence
  // with it, so starting a request need not ask for it.
  const [key] = await prisma.$queryRaw<KeyRow[]>`
    SELECT k."secretHash", k."lastUsedAt", k."revokedAt", o."id", o."identification",
           o."platformFunctionGroup"::text AS "platformFunctionGroup", o."enabled",
           EXISTS (SELECT 1 FROM "NotificationWebhook" w WHERE w."organisationId" = o."id") AS "hasNotificationWebhook"
    FROM "ApiKey" k JOIN "Organisation" o ON o."id" = k."organisationId"
    WHERE k."id" = ${id}`;
  if (!key || key.revokedAt) return undefined;
  const expected = Buffer.from(key.secretHash, 'hex');
  const actual = Buffer.from(hashSecret(secret), 'hex');
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
  await touchLastUsed(prisma, id, key.lastUsedAt, now);
  return {
    id: key.id,
    identification: key.identification,
    platformFunctionGroup: key.platformFunctionGroup,
    enabled: key.enabled,
    hasNotificationWebhook: key.hasNotificationWebhook,
  };
}

interface KeyRow {
  secretHash: string;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  id: string;
  identification: string;
  platformFunctionGroup: AuthenticatedOrganisation['platformFunctionGroup'];
  enabled: boolean;
  hasNotificationWebhook: boolean;
}

/**
 * Records when a key was last used, at most once per `lastUsedResolutionMs`: a write only when the stored
 * time is older, and conditional, so concurrent requests with the same key write it once. It is
 * bookkeeping: a failure to write it never refuses a valid key.
 */
async function touchLastUsed(prisma: PrismaClient, id: string, lastUsedAt: Date | null, now: Date): Promise<void> {
  const cutoff = new Date(now.getTime() - lastUsedResolutionMs);
  if (lastUsedAt && lastUsedAt > cutoff) return;
  await prisma.apiKey
    .updateMany({
      where: { id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lte: cutoff } }] },
      data: { lastUsedAt: now },
    })
    .catch(() => undefined);
}
