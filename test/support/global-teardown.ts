/** Jest globalTeardown of the `integration` project: stops what global-setup.ts started. */
import { getTestServers, SERVERS_KEY } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const servers = getTestServers();
  if (!servers) return;
  const results = await Promise.allSettled([servers.temporal?.stop(), servers.postgres?.stop()]);
  delete (globalThis as Record<string, unknown>)[SERVERS_KEY];
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failures.length > 0) {
    throw new Error(`stopping the integration test servers failed:\n${failures.map((f) => String(f.reason)).join('\n')}`);
  }
}
