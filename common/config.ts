// Configuration is read once from the environment and validated; the process refuses to start on bad
// values and says which variable is wrong.
import path from 'node:path';
import { z } from 'zod';
import { ConnectionSettingsError, databaseSettings, temporalConnectionSettings, type DatabaseSettings, type TemporalConnectionSettings } from './connection-settings';

const port = z.coerce.number().int().min(0).max(65535);
const positiveMs = z.coerce.number().int().positive();

const configSchema = z.object({
  PORT: port.default(3000),
  HOST: z.string().default('127.0.0.1'),
  OSGP_DATA_DIR: z.string().default('.data'),
  /** PostgreSQL; with DATABASE_TLS_CA_PATH and DATABASE_POOL_SIZE read by databaseSettings (connection-settings.ts). */
  DATABASE_URL: z.string().url().optional(),
  /** Temporal: these and TEMPORAL_TLS_*, TEMPORAL_API_KEY, TEMPORAL_CONFIG_FILE/TEMPORAL_PROFILE are read by
   *  temporalConnectionSettings (connection-settings.ts), which the values here are then taken from. */
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_DEV_SERVER_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  /** The Temporal Web UI the operator console links requests to; default: the embedded dev server's UI, if started. */
  TEMPORAL_UI_URL: z.string().url().optional(),
  OSLP_LISTENER_HOST: z.string().default('127.0.0.1'),
  OSLP_LISTENER_PORT: port.default(12122),
  OSLP_PLATFORM_KEY_FILE: z.string().optional(),
  /** More platform private keys (PEM files, comma-separated) that devices may be given with setDeviceVerificationKey. */
  OSLP_PLATFORM_EXTRA_KEY_FILES: z.string().optional(),
  OSLP_CONNECT_TIMEOUT_MS: positiveMs.default(10_000),
  OSLP_RESPONSE_TIMEOUT_MS: positiveMs.default(30_000),
  /** Smart meters (DLMS/COSEM): where the platform secret that seals meter keys lives; connect and answer timeouts. */
  DLMS_KEY_FILE: z.string().optional(),
  DLMS_CONNECT_TIMEOUT_MS: positiveMs.default(10_000),
  DLMS_RESPONSE_TIMEOUT_MS: positiveMs.default(30_000),
  DEVICE_COMMAND_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(4),
  DEVICE_REQUEST_MAX_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(200),
  /** How long a notification to an organisation's webhook is retried (with backoff) before it is FAILED. */
  NOTIFICATION_RETRY_PERIOD_MS: positiveMs.default(24 * 60 * 60 * 1000),
  /** Requests per second per organisation, and the burst allowed above it; beyond: 429 with Retry-After. */
  RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(50),
  RATE_LIMIT_BURST: z.coerce.number().int().positive().default(200),
  /** How long one call of the API to Temporal may take (retries included) before the API answers 503. */
  API_TEMPORAL_TIMEOUT_MS: positiveMs.default(5_000),
  /** How long request records and their device results stay readable. */
  REQUEST_RETENTION_DAYS: z.coerce.number().positive().default(30),
  /** HTTPS with client certificates (mutual TLS), when all three are set; API keys keep working. */
  TLS_CERT_FILE: z.string().optional(),
  TLS_KEY_FILE: z.string().optional(),
  TLS_CLIENT_CA_FILE: z.string().optional(),
  /**
   * Health (/health/live, /health/ready) and /metrics of this process on a port of its own; 0 = off. Default
   * by the process's first role: api 9464, worker 9465, adapter-oslp 9466, adapter-dlms 9467 (npm start: 9464).
   */
  METRICS_PORT: port.optional(),
  /** Where the metrics port listens; default HOST. */
  METRICS_HOST: z.string().optional(),
  /** `--role` processes migrate at start too (serialised by an advisory lock) instead of only checking. */
  MIGRATE_ON_START: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** Device status monitoring: how often a run starts (OSGP's connection check ran every 10 minutes). */
  DEVICE_MONITORING_INTERVAL_MS: positiveMs.default(10 * 60 * 1000),
  /** A device not heard from for this long is asked for its status by the next run (and lost if silent). */
  DEVICE_SILENT_AFTER_MS: positiveMs.default(24 * 60 * 60 * 1000),
  /** Devices one monitoring run asks at most (the oldest silent first; the rest in the next run). */
  DEVICE_MONITORING_MAX_DEVICES: z.coerce.number().int().min(1).max(1_000_000).default(20_000),
  /** Time synchronisation: device clocks further off than this are set to the platform's time (DLMS). */
  MAX_CLOCK_DEVIATION_MS: positiveMs.default(60_000),
  /** Firmware images: kept in the data directory (default) or the database; largest upload; download URLs. */
  FIRMWARE_STORE: z.enum(['directory', 'database']).default('directory'),
  FIRMWARE_MAX_SIZE_BYTES: z.coerce.number().int().positive().max(256 * 1024 * 1024).default(16 * 1024 * 1024),
  FIRMWARE_TOKEN_TTL_MS: positiveMs.default(24 * 60 * 60 * 1000),
  /** Host[:port] devices download firmware from (OSLP firmwareDomain); default HOST:PORT of the API. */
  FIRMWARE_DOWNLOAD_DOMAIN: z.string().min(1).max(100).optional(),
  FIRMWARE_TOKEN_SECRET_FILE: z.string().optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export type PlatformConfig = z.infer<typeof configSchema> & {
  /** Absolute data directory of the embedded defaults (database, Temporal history, platform keys). */
  dataDir: string;
  oslpPlatformKeyFile: string;
  oslpPlatformExtraKeyFiles: string[];
  dlmsKeyFile: string;
  /** How to reach Temporal (address, namespace, TLS, API key), checked at load. */
  temporal: TemporalConnectionSettings;
  /** How to reach the platform's PostgreSQL (URL, TLS, pool size), checked at load. */
  database: DatabaseSettings;
  firmwareTokenSecretFile: string;
};

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): PlatformConfig {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  let temporal: TemporalConnectionSettings;
  let database: DatabaseSettings;
  try {
    temporal = temporalConnectionSettings(env);
    database = databaseSettings(env);
  } catch (error) {
    if (error instanceof ConnectionSettingsError) throw new ConfigError(`Invalid configuration: ${error.message}`);
    throw error;
  }
  const dataDir = path.resolve(parsed.data.OSGP_DATA_DIR);
  return {
    ...parsed.data,
    // A profile (TEMPORAL_CONFIG_FILE) may name them too.
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: temporal.namespace,
    temporal,
    database,
    dataDir,
    oslpPlatformKeyFile: parsed.data.OSLP_PLATFORM_KEY_FILE ?? path.join(dataDir, 'keys', 'oslp-platform.pem'),
    oslpPlatformExtraKeyFiles: (parsed.data.OSLP_PLATFORM_EXTRA_KEY_FILES ?? '')
      .split(',')
      .map((file) => file.trim())
      .filter((file) => file.length > 0),
    dlmsKeyFile: parsed.data.DLMS_KEY_FILE ?? path.join(dataDir, 'keys', 'dlms-keys.key'),
    firmwareTokenSecretFile: parsed.data.FIRMWARE_TOKEN_SECRET_FILE ?? path.join(dataDir, 'keys', 'firmware-token.key'),
  };
}
