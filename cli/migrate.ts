// `npm run migrate`: brings the configured database (DATABASE_URL, or the embedded one) to the latest
// migration. Every platform process also does this at start; this is for deployments that migrate first.
import path from 'node:path';
import { loadConfig } from '../common/config';
import { openDatabase } from '../db/client';
import { migrateToLatest, readMigrations } from '../db/migrate';

async function main(): Promise<void> {
  const config = loadConfig();
  const db = await openDatabase({ ...config.database, embeddedDir: path.join(config.dataDir, 'pglite') });
  try {
    const applied = await migrateToLatest(db);
    const all = readMigrations().length;
    process.stdout.write(`${db.description}: ${applied.length ? `applied ${applied.join(', ')}` : 'already up to date'} (${all} migrations)\n`);
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
