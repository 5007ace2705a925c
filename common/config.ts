// Configuration is read once from the environment and validated; the process refuses to start on bad
// values and says which variable is wrong.
import path from 'node:path';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const positiveMs = z.coerce.number().int().positive();

const configSchema = z.object({
  PORT: port.default(3000),
  HOST: z.string().default('127.0.0.1'),
  OSGP_DATA_DIR: z.string().default('.data'),
  DATABASE_URL: z.string().url().optional(),
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_DEV_SERVER_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
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
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export type PlatformConfig = z.infer<typeof configSchema> & {
  /** Absolute data directory of the embedded defaults (database, Temporal history, platform keys). */
  dataDir: string;
  oslpPlatformKeyFile: string;
  oslpPlatformExtraKeyFiles: string[];
  dlmsKeyFile: string;
};

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): PlatformConfig {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const dataDir = path.resolve(parsed.data.OSGP_DATA_DIR);
  return {
    ...parsed.data,
    dataDir,
    oslpPlatformKeyFile: parsed.data.OSLP_PLATFORM_KEY_FILE ?? path.join(dataDir, 'keys', 'oslp-platform.pem'),
    oslpPlatformExtraKeyFiles: (parsed.data.OSLP_PLATFORM_EXTRA_KEY_FILES ?? '')
      .split(',')
      .map((file) => file.trim())
      .filter((file) => file.length > 0),
    dlmsKeyFile: parsed.data.DLMS_KEY_FILE ?? path.join(dataDir, 'keys', 'dlms-keys.key'),
  };
}
