// What handlers need, handed in once when the app is built (tests build it with their own parts).
import type { Response } from 'express';
import type { Client } from '@temporalio/client';
import type { Logger } from '../common/logger';
import type { PrismaClient } from '../db/client';
import type { AuthenticatedOrganisation } from '../core/organisations';
import type { RequestService } from '../core/requests/start-request';
import type { DlmsKeyStore } from '../core/keys/dlms-key-store';
import { ApiError } from './errors';

export interface ApiDeps {
  prisma: PrismaClient;
  temporal: Client;
  requests: RequestService;
  logger: Logger;
  /** Seals smart meters' keys (smartMetering.addDevice); without it adding a meter answers 503. */
  dlmsKeys?: DlmsKeyStore;
}

/** The organisation the authentication middleware found for this request. */
export function callerOf(res: Response): AuthenticatedOrganisation {
  const organisation = res.locals.organisation as AuthenticatedOrganisation | undefined;
  if (!organisation) throw new ApiError(401, 'UNAUTHENTICATED', 'Missing API key');
  return organisation;
}
