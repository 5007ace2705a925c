/**
 * Jest globalSetup of the `integration` project (jest.config.js): starts PostgreSQL and the Temporal dev server
 * once for the whole run and tells the test files where they are through environment variables (set here, in
 * jest's main process, before the workers start, so every worker inherits them):
 *
 *   OSGP_TEST_DATABASE_URL     postgres://... of a fresh, empty database
 *   OSGP_TEST_TEMPORAL_ADDRESS host:port of the dev server (namespace OSGP_TEST_TEMPORAL_NAMESPACE)
 *   OSGP_TEST_TEMPORAL_UI_URL  its Web UI, when it has one
 *
 * Inputs: DATABASE_URL_TEST / TEMPORAL_ADDRESS_TEST use existing servers instead of starting them.
 * The handles are kept on globalThis for global-teardown.ts.
 */
import { Connection } from '@temporalio/client';
import { openDatabase } from '../../db/client';
import { migrateToLatest } from '../../db/migrate';
import { ensureSearchAttributes } from '../../worker/search-attributes';
import { startTemporalDevServer, type TemporalDevServer } from '../../worker/temporal-dev-server';
import { startPostgres, type TestPostgres } from './postgres';

export interface OsgpTestServers {
  postgres?: TestPostgres;
  temporal?: TemporalDevServer;
}

/** Where global-teardown.ts finds what this setup started. */
export const SERVERS_KEY = '__osgpTestServers';

export function getTestServers(): OsgpTestServers | undefined {
  return (globalThis as Record<string, unknown>)[SERVERS_KEY] as OsgpTestServers | undefined;
}

/** Brings the fresh test database to the latest migration, with the platform's own migrator. */
export async function prepareDatabase(databaseUrl: string): Promise<void> {
  const db = await openDatabase({ url: databaseUrl, embeddedDir: '' });
  try {
    await migrateToLatest(db);
  } finally {
    await db.close();
  }
}

/** TEMPORAL_ADDRESS_TEST names a running server to use instead of starting one. */
async function startOrUseTemporal(): Promise<TemporalDevServer> {
  const external = process.env.TEMPORAL_ADDRESS_TEST?.trim();
  if (!external) return startTemporalDevServer({ ui: process.env.CI !== 'true' });
  const namespace = 'default';
  const connection = await Connection.connect({ address: external });
  try {
    await ensureSearchAttributes(connection, namespace);
  } finally {
    await connection.close();
  }
  return { address: external, namespace, stop: async () => undefined };
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const servers: OsgpTestServers = {};
  (globalThis as Record<string, unknown>)[SERVERS_KEY] = servers;

  const [pg, temporal] = await Promise.allSettled([
    startPostgres().then((p) => (servers.postgres = p)),
    startOrUseTemporal().then((t) => (servers.temporal = t)),
  ]);
  const failures = [pg, temporal].filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failures.length > 0) {
    await Promise.allSettled([servers.postgres?.stop(), servers.temporal?.stop()]);
    delete (globalThis as Record<string, unknown>)[SERVERS_KEY];
    throw new Error(`integration test servers did not start:\n${failures.map((f) => String(f.reason?.stack ?? f.reason)).join('\n')}`);
  }
  const postgres = servers.postgres!;
  const dev = servers.temporal!;

  try {
    await prepareDatabase(postgres.url);
  } catch (err) {
    await Promise.allSettled([postgres.stop(), dev.stop()]);
    delete (globalThis as Record<string, unknown>)[SERVERS_KEY];
    throw err;
  }

  process.env.OSGP_TEST_DATABASE_URL = postgres.url;
  process.env.OSGP_TEST_TEMPORAL_ADDRESS = dev.address;
  process.env.OSGP_TEST_TEMPORAL_NAMESPACE = dev.namespace;
  if (dev.uiUrl) process.env.OSGP_TEST_TEMPORAL_UI_URL = dev.uiUrl;

  console.log(
    `\n[integration] PostgreSQL ${postgres.started ? 'started' : 'given'} at ${postgres.url}; ` +
      `Temporal at ${dev.address}` +
      `${dev.uiUrl ? ` (UI ${dev.uiUrl})` : ''} in ${((Date.now() - started) / 1000).toFixed(1)}s`,
  );
}
