// The organisation a core function acts for, as the caller authenticated it (API key or client
// certificate), or as a schedule or a device's owner stands for it, and the checks on it alone.
import { DomainError } from './errors';

export interface AuthenticatedOrganisation {
  id: string;
  identification: string;
  platformFunctionGroup: 'ADMIN' | 'USER';
  enabled: boolean;
  /**
   * Whether it has a notification webhook, when the authentication read it anyway (API keys); a request's
   * start asks the database otherwise.
   */
  hasNotificationWebhook?: boolean;
}

export function requireEnabled(organisation: AuthenticatedOrganisation): void {
  if (!organisation.enabled) {
    throw new DomainError('FORBIDDEN', 'ORGANISATION_DISABLED', `Organisation ${organisation.identification} is disabled`);
  }
}

export function requireAdmin(organisation: AuthenticatedOrganisation): void {
  requireEnabled(organisation);
  if (organisation.platformFunctionGroup !== 'ADMIN') {
    throw new DomainError('FORBIDDEN', 'UNAUTHORIZED', `Organisation ${organisation.identification} is not an ADMIN organisation`);
  }
}
