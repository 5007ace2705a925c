// The engine-free migrator against an in-process PGlite: a fresh database reaches the latest migration, a
// second run changes nothing, and a migration edited after it was applied is refused.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Database } from '../../../db/client';
import { migrateToLatest, readMigrations } from '../../../db/migrate';

jest.setTimeout(60_000);

let dir: string;
let db: Database;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'osgp-migrate-'));
  db = await openDatabase({ embeddedDir: path.join(dir, 'pglite') });
});

afterAll(async () => {
  await db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a fresh database is brought to the latest migration, once', async () => {
  const migrations = readMigrations();
  expect(await migrateToLatest(db, migrations)).toEqual(migrations.map((m) => m.name));
  expect(await migrateToLatest(db, migrations)).toEqual([]);
  const recorded = await db.prisma.$queryRawUnsafe<Array<{ migration_name: string; checksum: string }>>(
    'SELECT migration_name, checksum FROM "_prisma_migrations" ORDER BY migration_name',
  );
  expect(recorded).toEqual(migrations.map((m) => ({ migration_name: m.name, checksum: m.checksum })));
  // The schema is usable through the generated client.
  const organisation = await db.prisma.organisation.create({ data: { identification: 'org-1', name: 'Org 1' } });
  expect(organisation.platformFunctionGroup).toBe('USER');
});

test('a migration changed after it was applied is refused', async () => {
  const [first, ...rest] = readMigrations();
  const edited = { ...first, sql: `${first.sql}\n-- edited`, checksum: 'not-the-applied-checksum' };
  await expect(migrateToLatest(db, [edited, ...rest])).rejects.toThrow(/changed after it was applied/);
});

test('a failing migration leaves nothing behind', async () => {
  const broken = { name: '29990101000000_broken', sql: 'CREATE TABLE "Half" (id INT); SELECT no_such_function();', checksum: 'x' };
  await expect(migrateToLatest(db, [...readMigrations(), broken])).rejects.toThrow();
  const tables = await db.prisma.$queryRawUnsafe<Array<{ n: bigint }>>(
    `SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'Half'`,
  );
  expect(Number(tables[0].n)).toBe(0);
});

test('a second opening of the same embedded database is refused while the first is open', async () => {
  await expect(openDatabase({ embeddedDir: path.join(dir, 'pglite') })).rejects.toThrow(/in use by process/);
});
