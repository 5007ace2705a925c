// Mutual TLS as an option next to API keys. With TLS_CERT_FILE, TLS_KEY_FILE and TLS_CLIENT_CA_FILE the API
// is served over HTTPS and asks every caller for a client certificate; a certificate that chains to the
// client CA names its organisation by its subject common name (as in OSGP). The certificate is asked for,
// not required: callers with an API key and no certificate still connect, and `authenticate` decides.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { TLSSocket } from 'node:tls';
import type { RequestListener } from 'node:http';
import { ConfigError, type PlatformConfig } from '../common/config';
import type { PrismaClient } from '../db/client';
import type { AuthenticatedOrganisation } from '../core/organisations';

export type TlsConfig = Pick<PlatformConfig, 'TLS_CERT_FILE' | 'TLS_KEY_FILE' | 'TLS_CLIENT_CA_FILE'>;

const tlsVariables = ['TLS_CERT_FILE', 'TLS_KEY_FILE', 'TLS_CLIENT_CA_FILE'] as const;

/** Whether the API is served over HTTPS; throws a ConfigError naming what is missing when only some are set. */
export function tlsEnabled(config: TlsConfig): boolean {
  const missing = tlsVariables.filter((name) => !config[name]);
  if (missing.length === 0) return true;
  if (missing.length === tlsVariables.length) return false;
  throw new ConfigError(
    `Invalid configuration: mutual TLS needs TLS_CERT_FILE, TLS_KEY_FILE and TLS_CLIENT_CA_FILE together; missing ${missing.join(', ')}`,
  );
}

function readConfigured(config: TlsConfig, name: (typeof tlsVariables)[number]): Buffer {
  const file = config[name] ?? '';
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new ConfigError(`Invalid configuration: ${name}: cannot read ${file} (${(error as Error).message})`);
  }
}

/**
 * The API's server, not yet listening: HTTPS asking for client certificates when TLS is configured,
 * plain HTTP otherwise.
 */
export function createApiServer(app: RequestListener, config: TlsConfig): http.Server | https.Server {
  if (!tlsEnabled(config)) return http.createServer(app);
  return https.createServer(
    {
      cert: readConfigured(config, 'TLS_CERT_FILE'),
      key: readConfigured(config, 'TLS_KEY_FILE'),
      ca: readConfigured(config, 'TLS_CLIENT_CA_FILE'),
      requestCert: true,
      // Callers without a (valid) certificate may still use an API key; `authorized` tells them apart.
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
    },
    app,
  );
}

/** What a request's connection says about its client certificate. */
export type ClientCertificate =
  | { kind: 'none' }
  | { kind: 'unverified'; reason: string }
  | { kind: 'verified'; commonName: string };

export function clientCertificateOf(req: http.IncomingMessage): ClientCertificate {
  const socket = req.socket;
  if (!(socket instanceof TLSSocket)) return { kind: 'none' };
  const certificate = socket.getPeerCertificate();
  if (!certificate || Object.keys(certificate).length === 0) return { kind: 'none' };
  if (socket.authorized !== true) {
    return { kind: 'unverified', reason: String(socket.authorizationError ?? 'not verified') };
  }
  // A subject with several CNs comes as an array: which organisation it names is ambiguous, so none.
  const commonName: unknown = certificate.subject?.CN;
  if (typeof commonName !== 'string' || commonName === '') {
    return { kind: 'unverified', reason: 'the subject has no single common name' };
  }
  return { kind: 'verified', commonName };
}

/** The organisation identification a verified client certificate names (its subject CN); else undefined. */
export function organisationIdentificationFromClientCertificate(req: http.IncomingMessage): string | undefined {
  const certificate = clientCertificateOf(req);
  return certificate.kind === 'verified' ? certificate.commonName : undefined;
}

/** The outcome of authenticating a caller: its organisation, or why it is refused (a 401). */
export type Authentication = { organisation: AuthenticatedOrganisation } | { refused: string };

/** A caller without an API key: the organisation its verified client certificate names. */
export async function authenticateByClientCertificate(prisma: PrismaClient, req: http.IncomingMessage): Promise<Authentication> {
  const certificate = clientCertificateOf(req);
  if (certificate.kind === 'none') {
    const orCertificate = req.socket instanceof TLSSocket ? ', or a client certificate' : '';
    return { refused: `Send an API key: Authorization: Bearer <key>${orCertificate}` };
  }
  if (certificate.kind === 'unverified') {
    return { refused: `The client certificate is not accepted: ${certificate.reason}` };
  }
  const organisation = await prisma.organisation.findUnique({ where: { identification: certificate.commonName } });
  if (!organisation) {
    return { refused: `No organisation matches the client certificate's common name "${certificate.commonName}"` };
  }
  return {
    organisation: {
      id: organisation.id,
      identification: organisation.identification,
      platformFunctionGroup: organisation.platformFunctionGroup,
      enabled: organisation.enabled,
    },
  };
}

/**
 * An API key's organisation must be the one a verified client certificate on the same connection names:
 * credentials of two organisations at once are refused. An unverified certificate is ignored here.
 */
export function certificateConflict(req: http.IncomingMessage, organisation: AuthenticatedOrganisation): string | undefined {
  const named = organisationIdentificationFromClientCertificate(req);
  if (named === undefined || named === organisation.identification) return undefined;
  return `The API key and the client certificate ("${named}") belong to different organisations`;
}
