// `npm run admin-key`: issues a new API key for the platform's ADMIN organisation, for an operator who has
// access to the database (the first key is printed once at first start; keys are stored hashed).
import path from 'node:path';
import { loadConfig } from '../common/config';
import { openDatabase } from '../db/client';
import { migrateToLatest } from '../db/migrate';
import { issueAdminKey } from './bootstrap';

async function main(): Promise<void> {
  const config = loadConfig();
  const db = await openDatabase({ ...config.database, embeddedDir: path.join(config.dataDir, 'pglite') });
  try {
    await migrateToLatest(db);
    const key = await issueAdminKey(db.prisma, process.argv[2]);
    process.stdout.write(`New admin API key (shown once):\n  ${key}\n`);
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
