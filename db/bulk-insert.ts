// Many rows in one INSERT ... SELECT FROM unnest(column arrays): one parameter per column, however many rows.
// Prisma's createMany builds its statement row by row in JavaScript, about 20 times the CPU for thousands of
// rows (measured: 4,000 message log rows 1.2-2.2 s of CPU against 50-110 ms), which made it the largest cost
// of a mass switch on both the adapter (message log) and the core (device results). Works on PostgreSQL
// (adapter-pg) and PGlite alike: both take JavaScript arrays as array parameters.
import { Prisma, type PrismaClient } from '../generated/prisma/client';

/** Element types an array parameter may have; anything else (enums, jsonb, timestamps) is cast from text. */
export type ArrayElementType = 'text' | 'int' | 'bigint' | 'double precision' | 'boolean';

export interface ColumnArray {
  /** The table's column (as in the migration, case-sensitive). */
  name: string;
  type: ArrayElementType;
  /** One value per row; null (or undefined) is SQL NULL. */
  values: ReadonlyArray<string | number | boolean | null | undefined>;
  /** A type each element is cast to in the SELECT: an enum (`"MessageDirection"`), `jsonb`, `timestamp(3)`. */
  castTo?: string;
}

export interface BulkInsert {
  /** The table (as in the migration, case-sensitive). */
  table: string;
  columns: readonly ColumnArray[];
  /** Columns filled by an SQL expression per row rather than from an array, e.g. `{ id: 'gen_random_uuid()::text' }`. */
  computed?: Readonly<Record<string, string>>;
  /** Rows that would break a unique constraint are skipped (`ON CONFLICT DO NOTHING`): the first write wins. */
  skipDuplicates?: boolean;
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Casts and computed expressions come from code, never from input; still, only plain SQL words pass. */
const expression = /^[A-Za-z0-9_"():., ]+$/;

function quoted(name: string): string {
  if (!identifier.test(name)) throw new Error(`not a plain SQL identifier: ${name}`);
  return `"${name}"`;
}

function checkedExpression(sql: string): string {
  if (!expression.test(sql)) throw new Error(`not a plain SQL expression: ${sql}`);
  return sql;
}

/** Inserts the rows given column by column (all arrays the same length); returns how many rows were written. */
export async function insertColumnArrays(prisma: PrismaClient, insert: BulkInsert): Promise<number> {
  if ((insert.columns[0]?.values.length ?? 0) === 0) return 0;
  return prisma.$executeRaw(insertStatement(insert));
}

/**
 * The insert as a statement to compose, e.g. with another write in one statement (`WITH … AS (…) INSERT …`):
 * one round trip instead of a transaction's four. Rows must not be empty.
 */
export function columnArraysInsert(insert: BulkInsert): Prisma.Sql {
  if ((insert.columns[0]?.values.length ?? 0) === 0) throw new Error(`no rows to insert into ${insert.table}`);
  return insertStatement(insert);
}

/**
 * The same insert, returning `column` of each row it wrote (with `skipDuplicates`, the rows that were new),
 * for callers that must tell each row's outcome apart.
 */
export async function insertColumnArraysReturning(prisma: PrismaClient, insert: BulkInsert, column: string): Promise<string[]> {
  if ((insert.columns[0]?.values.length ?? 0) === 0) return [];
  const rows = await prisma.$queryRaw<Array<{ value: string }>>(
    Prisma.sql`${insertStatement(insert)} RETURNING ${Prisma.raw(quoted(column))}::text AS value`,
  );
  return rows.map((row) => row.value);
}

function insertStatement(insert: BulkInsert): Prisma.Sql {
  const rows = insert.columns[0]?.values.length ?? 0;
  for (const column of insert.columns) {
    if (column.values.length !== rows) throw new Error(`column ${column.name} has ${column.values.length} values, ${insert.columns[0].name} has ${rows}`);
  }
  const computed = Object.entries(insert.computed ?? {});
  const targets = [...insert.columns.map((column) => quoted(column.name)), ...computed.map(([name]) => quoted(name))].join(', ');
  const aliases = insert.columns.map((_, i) => `c${i}`);
  const selected = [
    ...insert.columns.map((column, i) => (column.castTo ? `u.${aliases[i]}::${checkedExpression(column.castTo)}` : `u.${aliases[i]}`)),
    ...computed.map(([, sql]) => checkedExpression(sql)),
  ].join(', ');
  const arrays = Prisma.join(
    insert.columns.map((column) => Prisma.sql`${column.values.map((value) => value ?? null)}::${Prisma.raw(column.type)}[]`),
  );
  return Prisma.sql`INSERT INTO ${Prisma.raw(quoted(insert.table))} (${Prisma.raw(targets)})
    SELECT ${Prisma.raw(selected)} FROM unnest(${arrays}) AS u(${Prisma.raw(aliases.join(', '))})${Prisma.raw(insert.skipDuplicates ? ' ON CONFLICT DO NOTHING' : '')}`;
}
