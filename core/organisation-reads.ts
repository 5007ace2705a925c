// Core's findOrganisation / findAllOrganisations (OSGP's GET_ORGANISATIONS, allowed to ADMIN and USER): every
// organisation reads its own record; an ADMIN organisation reads all. Another organisation's record is NOT_FOUND
// to a USER, so its existence is not told.
import type { PrismaClient } from '../db/client';
import { DomainError } from './errors';
import { requireEnabled, type AuthenticatedOrganisation } from './organisations';

/** The platform restricts no organisation to domains: each may use all of them (OSGP's PlatformDomain names). */
export const platformDomains = ['COMMON', 'PUBLIC_LIGHTING', 'TARIFF_SWITCHING', 'SMART_METERING'] as const;

export interface OrganisationRecord {
  organisationIdentification: string;
  name: string;
  platformFunctionGroup: 'ADMIN' | 'USER';
  enabled: boolean;
  domains: string[];
}

const select = { identification: true, name: true, platformFunctionGroup: true, enabled: true } as const;

function toRecord(row: { identification: string; name: string; platformFunctionGroup: 'ADMIN' | 'USER'; enabled: boolean }): OrganisationRecord {
  return {
    organisationIdentification: row.identification,
    name: row.name,
    platformFunctionGroup: row.platformFunctionGroup,
    enabled: row.enabled,
    domains: [...platformDomains],
  };
}

export async function findOrganisation(prisma: PrismaClient, caller: AuthenticatedOrganisation, identification: string): Promise<OrganisationRecord> {
  requireEnabled(caller);
  const visible = caller.platformFunctionGroup === 'ADMIN' || caller.identification === identification;
  const row = visible ? await prisma.organisation.findUnique({ where: { identification }, select }) : null;
  if (!row) throw new DomainError('NOT_FOUND', 'ORGANISATION_NOT_FOUND', `Organisation ${identification} does not exist or is not yours to read`);
  return toRecord(row);
}

export async function findAllOrganisations(
  prisma: PrismaClient,
  caller: AuthenticatedOrganisation,
  page: { limit: number; after?: string },
): Promise<{ organisations: OrganisationRecord[]; nextCursor: string | null }> {
  requireEnabled(caller);
  const rows = await prisma.organisation.findMany({
    where: {
      ...(caller.platformFunctionGroup === 'ADMIN' ? {} : { id: caller.id }),
      ...(page.after !== undefined ? { identification: { gt: page.after } } : {}),
    },
    orderBy: { identification: 'asc' },
    take: page.limit + 1,
    select,
  });
  const items = rows.slice(0, page.limit);
  return { organisations: items.map(toRecord), nextCursor: rows.length > page.limit ? items[items.length - 1].identification : null };
}
