// How the platform reaches its Temporal cluster and its PostgreSQL: read from the environment (or, for
// Temporal, a client config profile, through the SDK's own @temporalio/envconfig) and checked before
// anything starts, so a half-configured secure connection stops with a message naming what is missing
// instead of failing later with a TLS handshake error.
import fs from 'node:fs';
import { loadClientConfigProfile, type ClientConfigProfile, type ConfigDataSource } from '@temporalio/envconfig';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';

/** Options both `Connection.connect` (client) and `NativeConnection.connect` (worker) accept. */
export interface TemporalConnectionSettings {
  /** host:port of the frontend; undefined means "no cluster configured" (npm start runs a dev server). */
  address?: string;
  namespace: string;
  /** TLS to the frontend: server CA, client certificate pair (mutual TLS), server name. */
  tls?: TLSConfig | boolean;
  apiKey?: string;
  /** Extra gRPC headers from a profile's grpc_meta. */
  metadata?: Record<string, string>;
  /** Where the settings came from, for the start-up message (never contains secrets). */
  source: string;
}

export interface DatabaseSettings {
  url?: string;
  poolSize: number;
  /** TLS to PostgreSQL when DATABASE_TLS_CA_PATH is set: the server's certificate is verified against that CA. */
  ssl?: { ca: string; rejectUnauthorized: true };
}

/** A setting that cannot work; the message names the variable(s). */
export class ConnectionSettingsError extends Error {}

const temporalFileSettings = [
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
] as const;

/** Every environment variable that configures the Temporal connection (the envconfig names). */
export const temporalSettingNames = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  ...temporalFileSettings,
  'TEMPORAL_TLS_SERVER_NAME',
  'TEMPORAL_TLS',
  'TEMPORAL_API_KEY',
  'TEMPORAL_CONFIG_FILE',
  'TEMPORAL_PROFILE',
] as const;

const clean = (value: string | undefined): string | undefined => (value?.trim() ? value.trim() : undefined);

function requireReadable(variable: string, file: string): void {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    if (!fs.statSync(file).isFile()) throw new Error('not a file');
  } catch {
    throw new ConnectionSettingsError(`${variable}=${file}: no readable file there`);
  }
}

function hasData(source: ConfigDataSource | undefined): boolean {
  return source !== undefined && ('path' in source ? Boolean(source.path) : source.data.length > 0);
}

/**
 * The Temporal connection from TEMPORAL_* variables, optionally on top of a profile of a Temporal client
 * config file (TEMPORAL_CONFIG_FILE, profile TEMPORAL_PROFILE or "default"); the variables override the profile.
 * Without TEMPORAL_CONFIG_FILE and TEMPORAL_PROFILE no file is read (not even the SDK's default location), so
 * the environment alone says what the process connects to.
 */
export function temporalConnectionSettings(env: NodeJS.ProcessEnv): TemporalConnectionSettings {
  const configFile = clean(env.TEMPORAL_CONFIG_FILE);
  const profileName = clean(env.TEMPORAL_PROFILE);
  if (configFile) requireReadable('TEMPORAL_CONFIG_FILE', configFile);
  for (const variable of temporalFileSettings) {
    const file = clean(env[variable]);
    if (file) requireReadable(variable, file);
  }
  const vars = Object.fromEntries(
    temporalSettingNames.map((name) => [name, clean(env[name])]).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );

  let profile: ClientConfigProfile;
  try {
    profile = loadClientConfigProfile({
      profile: profileName,
      configSource: configFile ? { path: configFile } : undefined,
      disableFile: !configFile && !profileName,
      overrideEnvVars: vars,
    });
  } catch (error) {
    const where = configFile ? `TEMPORAL_CONFIG_FILE=${configFile}` : 'the default Temporal config file';
    throw new ConnectionSettingsError(
      `Temporal profile ${profileName ?? 'default'} (TEMPORAL_PROFILE) could not be loaded from ${where}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const fromProfile = configFile || profileName ? `profile "${profileName ?? 'default'}" of ${configFile ?? 'the default config file'}` : undefined;
  const origin = (variable: string) => (vars[variable] ? variable : (fromProfile ?? variable));

  const tls = profile.tls;
  const hasCert = hasData(tls?.clientCert);
  const hasKey = hasData(tls?.clientKey);
  if (hasCert && !hasKey) {
    throw new ConnectionSettingsError(
      `A Temporal client certificate is set (${origin('TEMPORAL_TLS_CLIENT_CERT_PATH')}) without its private key: set TEMPORAL_TLS_CLIENT_KEY_PATH`,
    );
  }
  if (hasKey && !hasCert) {
    throw new ConnectionSettingsError(
      `A Temporal client key is set (${origin('TEMPORAL_TLS_CLIENT_KEY_PATH')}) without its certificate: set TEMPORAL_TLS_CLIENT_CERT_PATH`,
    );
  }
  if (tls?.disabled && (hasCert || hasData(tls.serverCACert) || tls.serverName)) {
    throw new ConnectionSettingsError('TEMPORAL_TLS=false contradicts the TEMPORAL_TLS_* certificate settings: remove one of them');
  }
  const secured = Boolean(profile.apiKey) || (tls !== undefined && !tls.disabled);
  if (secured && !profile.address) {
    throw new ConnectionSettingsError(
      'TLS or an API key is configured for Temporal but no address: set TEMPORAL_ADDRESS (the secured settings apply to an external cluster, not to the local dev server)',
    );
  }

  // Loaded here, once: the files are read at start (a rotated certificate needs a restart).
  let tlsConfig: TLSConfig | boolean | undefined;
  if (tls && !tls.disabled) {
    const read = (source: ConfigDataSource | undefined): Buffer | undefined =>
      source === undefined ? undefined : 'path' in source ? fs.readFileSync(source.path) : Buffer.from(source.data);
    const crt = read(tls.clientCert);
    const key = read(tls.clientKey);
    tlsConfig = {
      serverNameOverride: tls.serverName,
      serverRootCACertificate: read(tls.serverCACert),
      clientCertPair: crt && key ? { crt, key } : undefined,
    };
  } else if (tls?.disabled) tlsConfig = false;
  // The SDK turns TLS on by itself for an API key without TLS settings (Temporal Cloud).

  const parts = [fromProfile ?? 'environment', tlsConfig ? (typeof tlsConfig === 'object' && tlsConfig.clientCertPair ? 'mutual TLS' : 'TLS') : 'plaintext'];
  if (profile.apiKey) parts.push('API key');
  return {
    address: profile.address,
    namespace: profile.namespace ?? 'default',
    tls: tlsConfig,
    apiKey: profile.apiKey,
    metadata: profile.grpcMeta && Object.keys(profile.grpcMeta).length ? profile.grpcMeta : undefined,
    source: parts.join(', '),
  };
}

/** Connection options of `Connection.connect` / `NativeConnection.connect` for an address. */
export function temporalConnectOptions(settings: TemporalConnectionSettings, address = settings.address): {
  address?: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
  metadata?: Record<string, string>;
} {
  return {
    address,
    ...(settings.tls !== undefined ? { tls: settings.tls } : {}),
    ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
    ...(settings.metadata ? { metadata: settings.metadata } : {}),
  };
}

const sslModes = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'] as const;

/**
 * The platform's PostgreSQL: DATABASE_URL (its `sslmode` parameter as usual), DATABASE_TLS_CA_PATH (verify the
 * server against this CA; the URL's sslmode then must not disable TLS) and DATABASE_POOL_SIZE (connections per
 * process; default 10).
 */
export function databaseSettings(env: NodeJS.ProcessEnv): DatabaseSettings {
  const rawPool = clean(env.DATABASE_POOL_SIZE);
  const poolSize = rawPool === undefined ? 10 : Number(rawPool);
  if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 1000) {
    throw new ConnectionSettingsError(`DATABASE_POOL_SIZE=${rawPool}: a whole number of connections from 1 to 1000`);
  }
  const url = clean(env.DATABASE_URL);
  const caPath = clean(env.DATABASE_TLS_CA_PATH);
  if (!url) {
    if (caPath) throw new ConnectionSettingsError('DATABASE_TLS_CA_PATH is set without DATABASE_URL: the embedded database takes no TLS');
    return { poolSize };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConnectionSettingsError('DATABASE_URL: not a URL (postgres://user:password@host:5432/database)');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new ConnectionSettingsError(`DATABASE_URL: scheme ${parsed.protocol} is not postgres: or postgresql:`);
  }
  const sslmode = parsed.searchParams.get('sslmode');
  if (sslmode !== null && !(sslModes as readonly string[]).includes(sslmode)) {
    throw new ConnectionSettingsError(`DATABASE_URL: sslmode=${sslmode} is not one of ${sslModes.join(', ')}`);
  }
  if (!caPath) return { url, poolSize };
  requireReadable('DATABASE_TLS_CA_PATH', caPath);
  if (sslmode === 'disable' || sslmode === 'no-verify') {
    throw new ConnectionSettingsError(`DATABASE_TLS_CA_PATH is set but DATABASE_URL has sslmode=${sslmode}: use sslmode=verify-full or leave it out`);
  }
  // The driver lets the URL's ssl parameters override an explicit `ssl` option: they go, the CA decides.
  for (const name of ['sslmode', 'sslrootcert', 'ssl']) parsed.searchParams.delete(name);
  return { url: parsed.toString(), poolSize, ssl: { ca: fs.readFileSync(caPath, 'utf8'), rejectUnauthorized: true } };
}
