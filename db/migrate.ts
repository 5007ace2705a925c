// Applies prisma/migrations in order, recording them in Prisma's own `_prisma_migrations` table (same
// columns and checksums), so a database migrated here is also one `prisma migrate deploy` accepts. Needed
// because Prisma's migration engine is a native binary that air-gapped machines cannot download.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from './client';

export const migrationsDir = path.resolve(__dirname, '..', 'prisma', 'migrations');

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function readMigrations(dir: string = migrationsDir): Migration[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

const bookkeeping = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
);`;

/**
 * The migrations not yet applied to the database, by name (reads only). Role processes check this at start
 * instead of migrating: `npm run migrate` is the deployment's own step.
 */
export async function pendingMigrations(db: Database, migrations: Migration[] = readMigrations()): Promise<string[]> {
  const [{ present }] = await db.prisma.$queryRawUnsafe<Array<{ present: boolean }>>(
    `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS present`,
  );
  if (!present) return migrations.map((m) => m.name);
  const applied = await db.prisma.$queryRawUnsafe<Array<{ migration_name: string }>>(
    'SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
  );
  const names = new Set(applied.map((row) => row.migration_name));
  return migrations.filter((m) => !names.has(m.name)).map((m) => m.name);
}

/** Brings the database to the latest migration; returns the names of the migrations it applied. */
export async function migrateToLatest(db: Database, migrations: Migration[] = readMigrations()): Promise<string[]> {
  await db.execScript(bookkeeping);
  const applied = await db.prisma.$queryRawUnsafe<Array<{ migration_name: string; checksum: string }>>(
    'SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
  );
  const appliedByName = new Map(applied.map((row) => [row.migration_name, row.checksum]));
  const newlyApplied: string[] = [];
  for (const migration of migrations) {
    const recorded = appliedByName.get(migration.name);
    if (recorded !== undefined) {
      if (recorded !== migration.checksum) {
        throw new Error(`Migration ${migration.name} was changed after it was applied (checksum differs)`);
      }
      continue;
    }
    // One transaction per migration, with its bookkeeping row: a failed migration leaves nothing behind.
    // The advisory lock keeps two processes starting at once from applying the same migration twice.
    if (!/^[0-9A-Za-z_]+$/.test(migration.name)) throw new Error(`Migration name ${migration.name} is not a plain identifier`);
    const id = randomUUID();
    const outcome = await db.execScript(`
BEGIN;
SELECT pg_advisory_xact_lock(7233122);
DO $osgp$ BEGIN
  IF EXISTS (SELECT 1 FROM "_prisma_migrations" WHERE migration_name = '${migration.name}' AND finished_at IS NOT NULL) THEN
    RAISE EXCEPTION 'osgp-migration-already-applied';
  END IF;
END $osgp$;
${migration.sql}
;
INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count)
VALUES ('${id}', '${migration.checksum}', now(), '${migration.name}', 1);
COMMIT;`).then(
      () => 'applied' as const,
      async (error: unknown) => {
        await db.execScript('ROLLBACK;').catch(() => undefined);
        if (error instanceof Error && error.message.includes('osgp-migration-already-applied')) return 'skipped' as const;
        throw error;
      },
    );
    if (outcome === 'applied') newlyApplied.push(migration.name);
  }
  return newlyApplied;
}
