// First start: an empty platform gets one ADMIN organisation and a key for it, so the operator can create
// the real organisations through the API.
import type { PrismaClient } from '../db/client';
import { issueApiKey } from '../api/api-keys';

export const bootstrapAdminIdentification = 'platform-admin';

/** Creates the admin organisation and returns its first key, or undefined when organisations exist. */
export async function bootstrapAdmin(prisma: PrismaClient): Promise<string | undefined> {
  if ((await prisma.organisation.count()) > 0) return undefined;
  const admin = await prisma.organisation.create({
    data: { identification: bootstrapAdminIdentification, name: 'Platform administrator', platformFunctionGroup: 'ADMIN' },
  });
  return issueApiKey(prisma, admin.id, 'bootstrap');
}

/** A new key for an existing ADMIN organisation (the admin-key command, for operators who lost theirs). */
export async function issueAdminKey(prisma: PrismaClient, identification = bootstrapAdminIdentification): Promise<string> {
  const admin = await prisma.organisation.findUnique({ where: { identification } });
  if (!admin || admin.platformFunctionGroup !== 'ADMIN') {
    throw new Error(`No ADMIN organisation ${identification}`);
  }
  return issueApiKey(prisma, admin.id, 'admin-key command');
}
