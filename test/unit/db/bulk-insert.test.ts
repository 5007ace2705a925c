// The column-array inserts (db/bulk-insert.ts) against a real embedded database (PGlite): device results keep
// every field (answer time to the millisecond, response data as JSON, attempts, error codes), a second write
// of the same device leaves the first in place, and message log rows keep their enum and NULL columns.
// (The same statements run on PostgreSQL in the integration tests of requests and group requests.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Database } from '../../../db/client';
import { migrateToLatest } from '../../../db/migrate';
import { insertColumnArrays } from '../../../db/bulk-insert';
import { insertDeviceResults } from '../../../core/requests/records';
import { insertMessageLogRows } from '../../../activities/oslp/device-exchange';

jest.setTimeout(60_000);

let dir: string;
let db: Database;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'osgp-bulk-'));
  db = await openDatabase({ embeddedDir: path.join(dir, 'pglite') });
  await migrateToLatest(db);
});

afterAll(async () => {
  await db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function request(correlationUid: string): Promise<void> {
  const organisation = await db.prisma.organisation.upsert({
    where: { identification: 'bulk-org' },
    create: { identification: 'bulk-org', name: 'bulk' },
    update: {},
  });
  await db.prisma.requestRecord.create({
    data: { correlationUid, organisationId: organisation.id, domain: 'PUBLIC_LIGHTING', operation: 'setLight', deviceCount: 3 },
  });
}

test('device results keep answer time, data, attempts and error codes; the first write of a device wins', async () => {
  await request('bulk-1');
  const answeredAt = Date.UTC(2026, 10, 27, 10, 11, 12, 345);
  const before = Date.now();
  const written = await insertDeviceResults(db.prisma, 'bulk-1', [
    { deviceIdentification: 'L-1', result: 'OK', attempts: 1, data: { kind: 'stopSelfTest', selfTestResult: '0a0b' }, finishedAtMs: answeredAt },
    { deviceIdentification: 'L-2', result: 'NOT_OK', attempts: 3, errorCode: 'DEVICE_UNREACHABLE', message: `it's "down" — ünreachable`, finishedAtMs: answeredAt + 1 },
    { deviceIdentification: 'L-3', result: 'NOT_OK', attempts: 0, errorCode: 'CANCELLED', message: 'cancelled' },
  ]);
  expect(written).toBe(3);

  const again = await insertDeviceResults(db.prisma, 'bulk-1', [
    { deviceIdentification: 'L-1', result: 'NOT_OK', attempts: 2, errorCode: 'LATE', finishedAtMs: answeredAt + 5_000 },
    { deviceIdentification: 'L-4', result: 'OK', attempts: 1, finishedAtMs: answeredAt },
  ]);
  expect(again).toBe(1);

  const rows = await db.prisma.deviceResult.findMany({ where: { correlationUid: 'bulk-1' }, orderBy: { deviceIdentification: 'asc' } });
  expect(rows.map((row) => row.deviceIdentification)).toEqual(['L-1', 'L-2', 'L-3', 'L-4']);
  const [one, two, three] = rows;
  expect(one).toMatchObject({ result: 'OK', attempts: 1, errorCode: null, message: null });
  expect(one.finishedAt.getTime()).toBe(answeredAt);
  expect(one.data).toEqual({ kind: 'stopSelfTest', selfTestResult: '0a0b' });
  expect(two).toMatchObject({ result: 'NOT_OK', attempts: 3, errorCode: 'DEVICE_UNREACHABLE', message: `it's "down" — ünreachable`, data: null });
  expect(two.finishedAt.getTime()).toBe(answeredAt + 1);
  // Without its own answer time a result is stamped when it is recorded.
  expect(three.finishedAt.getTime()).toBeGreaterThanOrEqual(before);
  expect(three.finishedAt.getTime()).toBeLessThanOrEqual(Date.now());
  expect(new Set(rows.map((row) => row.id)).size).toBe(4);
});

test('message log rows keep their direction enum and NULL sequence numbers', async () => {
  await insertMessageLogRows(db.prisma, [
    { deviceIdentification: 'L-9', correlationUid: 'bulk-log', direction: 'TO_DEVICE', messageType: 'setLightRequest', sequenceNumber: null, result: 'TIMEOUT', summary: 'a' },
    { deviceIdentification: 'L-9', correlationUid: 'bulk-log', direction: 'FROM_DEVICE', messageType: 'setLightResponse', sequenceNumber: 7, result: 'OK', summary: 'b' },
  ]);
  const rows = await db.prisma.deviceMessageLog.findMany({ where: { correlationUid: 'bulk-log' }, orderBy: { id: 'asc' } });
  expect(rows.map((row) => [row.direction, row.messageType, row.sequenceNumber, row.result, row.summary])).toEqual([
    ['TO_DEVICE', 'setLightRequest', null, 'TIMEOUT', 'a'],
    ['FROM_DEVICE', 'setLightResponse', 7, 'OK', 'b'],
  ]);
});

test('refuses identifiers and expressions that are not plain SQL, and columns of different lengths', async () => {
  const column = { name: 'summary', type: 'text' as const, values: ['x'] };
  await expect(insertColumnArrays(db.prisma, { table: 'DeviceMessageLog"; DROP TABLE x; --', columns: [column] })).rejects.toThrow('identifier');
  await expect(insertColumnArrays(db.prisma, { table: 'DeviceMessageLog', columns: [{ ...column, castTo: "text; DROP TABLE x; --'" }] })).rejects.toThrow('expression');
  await expect(
    insertColumnArrays(db.prisma, { table: 'DeviceMessageLog', columns: [column, { name: 'result', type: 'text', values: ['a', 'b'] }] }),
  ).rejects.toThrow('values');
  expect(await insertColumnArrays(db.prisma, { table: 'DeviceMessageLog', columns: [{ ...column, values: [] }] })).toBe(0);
});
