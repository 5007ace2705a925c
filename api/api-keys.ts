// API keys: `osgp_<id>_<secret>`. The id finds the row; only SHA-256 of the secret is stored (the secret is
// 32 random bytes, so a fast hash is safe here, unlike for passwords).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { PrismaClient } from '../db/client';

const keyPattern = /^osgp_([a-f0-9]{16})_([A-Za-z0-9_-]{43})$/;

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export async function issueApiKey(prisma: PrismaClient, organisationId: string, label: string): Promise<string> {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  await prisma.apiKey.create({ data: { id, organisationId, label, secretHash: hashSecret(secret) } });
  return `osgp_${id}_${secret}`;
}

export interface AuthenticatedOrganisation {
  id: string;
  identification: string;
  platformFunctionGroup: 'ADMIN' | 'USER';
  enabled: boolean;
}

/** The organisation that owns a valid, unrevoked key; undefined for anything else. */
export async function findOrganisationByApiKey(
  prisma: PrismaClient,
  presentedKey: string,
): Promise<AuthenticatedOrganisation | undefined> {
  const match = keyPattern.exec(presentedKey);
  if (!match) return undefined;
  const [, id, secret] = match;
  const key = await prisma.apiKey.findUnique({ where: { id }, include: { organisation: true } });
  if (!key || key.revokedAt) return undefined;
  const expected = Buffer.from(key.secretHash, 'hex');
  const actual = Buffer.from(hashSecret(secret), 'hex');
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
  const { organisation } = key;
  return {
    id: organisation.id,
    identification: organisation.identification,
    platformFunctionGroup: organisation.platformFunctionGroup,
    enabled: organisation.enabled,
  };
}
