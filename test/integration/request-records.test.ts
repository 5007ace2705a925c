/**
 * The request records of the small-request path against a real PostgreSQL: records created by group commit
 * (concurrent starts share an insert, each told apart: created, a repeat of the same request, or a reuse of its
 * correlation uid for another one) and a one-device request closed with its result in one statement.
 */
import { openDatabase, type Database } from '../../db/client';
import { createRequestRecordWriter, finishRequest, type NewRequestRecord } from '../../core/requests/records';
import { requireTestServers } from '../support/platform';

let db: Database;
let organisationId: string;
/** Statements this test's connection sent. */
let statements = 0;
const run = Date.now().toString(36);

beforeAll(async () => {
  db = await openDatabase({ url: requireTestServers().databaseUrl, embeddedDir: '', onStatement: () => void (statements += 1) });
  const organisation = await db.prisma.organisation.create({
    data: { identification: `records-${run}`, name: 'records', platformFunctionGroup: 'USER' },
  });
  organisationId = organisation.id;
});

afterAll(async () => {
  await db.close();
});

const record = (correlationUid: string, requestHash: string | null = null): NewRequestRecord => ({
  correlationUid,
  organisationId,
  domain: 'PUBLIC_LIGHTING',
  operation: 'setLight',
  deviceCount: 1,
  requestHash,
});

test('concurrent starts are each created, durable before their promise settles, and share statements', async () => {
  const writer = createRequestRecordWriter(db.prisma);
  const statementsBefore = statements;
  const uids = Array.from({ length: 40 }, (_, i) => `${run}-many-${i}`);
  const outcomes = await Promise.all(uids.map((uid) => writer.create(record(uid))));
  expect(outcomes).toEqual(uids.map(() => 'created'));
  // The first is written alone; the rest arrived while it was being written and go together.
  expect(statements - statementsBefore).toBeLessThan(uids.length);
  const rows = await db.prisma.requestRecord.findMany({ where: { correlationUid: { in: uids } } });
  expect(rows).toHaveLength(uids.length);
  expect(rows.every((row) => row.state === 'PENDING' && row.organisationId === organisationId && row.deviceCount === 1)).toBe(true);
  // Stored in UTC like Prisma's own writes: within a minute of now.
  expect(Math.abs(rows[0].createdAt.getTime() - Date.now())).toBeLessThan(60_000);
});

test('a repeat of the same request is existing and a different request under the same uid is a conflict, also within one batch', async () => {
  const writer = createRequestRecordWriter(db.prisma);
  const uid = `${run}-keyed`;
  const [first, again, other] = await Promise.all([
    writer.create(record(uid, 'hash-a')),
    writer.create(record(uid, 'hash-a')),
    writer.create(record(uid, 'hash-b')),
  ]);
  expect(first).toBe('created');
  expect(again).toBe('existing');
  expect(other).toBe('conflict');
  expect(await writer.create(record(uid, 'hash-a'))).toBe('existing');
  expect(await db.prisma.requestRecord.count({ where: { correlationUid: uid } })).toBe(1);
});

test('a failed insert fails the callers of its batch, and the writer goes on with the next', async () => {
  const writer = createRequestRecordWriter(db.prisma);
  // An organisation that does not exist breaks the foreign key.
  await expect(writer.create({ ...record(`${run}-orphan`), organisationId: `missing-${run}` })).rejects.toThrow();
  expect(await writer.create(record(`${run}-after-failure`))).toBe('created');
});

test('finishRequest writes the result and the end state in one statement, and a repeat keeps the first result', async () => {
  const uid = `${run}-finish`;
  expect(await createRequestRecordWriter(db.prisma).create(record(uid))).toBe('created');
  const result = { deviceIdentification: 'LIGHT-1', result: 'OK' as const, attempts: 1, data: { kind: 'setLight' as const } };
  await finishRequest(db.prisma, uid, [result], 'OK');
  await finishRequest(db.prisma, uid, [{ ...result, result: 'NOT_OK', attempts: 2, errorCode: 'LATE' }], 'OK');
  const stored = await db.prisma.requestRecord.findUniqueOrThrow({ where: { correlationUid: uid }, include: { deviceResults: true } });
  expect(stored.state).toBe('OK');
  expect(stored.finishedAt).not.toBeNull();
  expect(stored.deviceResults).toHaveLength(1);
  expect(stored.deviceResults[0]).toMatchObject({ deviceIdentification: 'LIGHT-1', result: 'OK', attempts: 1 });
  // No record: an error (the local activity retries), never results without their request.
  await expect(finishRequest(db.prisma, `${run}-never-recorded`, [result], 'OK')).rejects.toThrow();
  expect(await db.prisma.deviceResult.count({ where: { correlationUid: `${run}-never-recorded` } })).toBe(0);
});
