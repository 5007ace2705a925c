// `npm run migrate`: brings the configured database (DATABASE_URL, or the embedded one) to the latest
// migration. The deployment's own step: `--role` processes only check that it ran (MIGRATE_ON_START=true lets
// them migrate too, serialised by an advisory lock); the embedded `npm start` migrates by itself.
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
