// What handlers need, handed in once when the app is built (tests build it with their own parts).
import type { Response } from 'express';
import type { Client } from '@temporalio/client';
import type { Logger } from '../common/logger';
import type { PrismaClient } from '../db/client';
import type { AuthenticatedOrganisation } from '../core/organisations';
import type { RequestService } from '../core/requests/start-request';
import type { DlmsKeyStore } from '../core/keys/dlms-key-store';
import type { FirmwareSettings } from '../core/firmware/settings';
import { ApiError } from './errors';

export interface ApiDeps {
  prisma: PrismaClient;
  temporal: Client;
  requests: RequestService;
  logger: Logger;
  /** Seals smart meters' keys (smartMetering.addDevice); without it adding a meter answers 503. */
  dlmsKeys?: DlmsKeyStore;
  /** Firmware management (uploads, the store, device downloads); without it those answer 503. */
  firmware?: FirmwareSettings;
}

/** The firmware settings, or 503 when this API runs without firmware management. */
export function firmwareOf(deps: ApiDeps): FirmwareSettings {
  if (!deps.firmware) throw new ApiError(503, 'FIRMWARE_UNAVAILABLE', 'Firmware management is not configured on this API');
  return deps.firmware;
}

/** The organisation the authentication middleware found for this request. */
export function callerOf(res: Response): AuthenticatedOrganisation {
  const organisation = res.locals.organisation as AuthenticatedOrganisation | undefined;
  if (!organisation) throw new ApiError(401, 'UNAUTHENTICATED', 'Missing API key');
  return organisation;
}
