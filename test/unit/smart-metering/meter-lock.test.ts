// One association per meter at a time: the meter lock against a real (embedded) database. Requests for one
// meter queue in this process (first come, first served); other meters are not held up; a lease held by
// another adapter process makes a request wait, and a lease left by a process that died is taken over.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Database } from '../../../db/client';
import { migrateToLatest } from '../../../db/migrate';
import { MeterBusyError, createMeterLock } from '../../../activities/dlms/meter-lock';

jest.setTimeout(60_000);

let dir: string;
let db: Database;
const meterIds: string[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'osgp-meter-lock-'));
  db = await openDatabase({ embeddedDir: path.join(dir, 'pglite') });
  await migrateToLatest(db);
  for (const name of ['M1', 'M2']) {
    const device = await db.prisma.device.create({
      data: { identification: name, protocol: 'DLMS', dlmsMeter: { create: { clientAddress: 16, authentication: 'NONE' } } },
    });
    meterIds.push(device.id);
  }
});

afterAll(async () => {
  await db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('requests for one meter run one at a time, in arrival order; another meter is not held up', async () => {
  const lock = createMeterLock(db.prisma, { pollMs: 20 });
  const timeline: string[] = [];
  const job = (name: string, ms: number) => async () => {
    timeline.push(`${name} start`);
    await pause(ms);
    timeline.push(`${name} end`);
  };
  await Promise.all([
    lock.withMeter(meterIds[0]!, 5_000, 5_000, job('a', 150)),
    lock.withMeter(meterIds[0]!, 5_000, 5_000, job('b', 10)),
    lock.withMeter(meterIds[0]!, 5_000, 5_000, job('c', 10)),
    lock.withMeter(meterIds[1]!, 5_000, 5_000, job('other', 10)),
  ]);
  const forMeter1 = timeline.filter((t) => !t.startsWith('other'));
  expect(forMeter1).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
  // The other meter ran while the first one was busy with a.
  expect(timeline.indexOf('other end')).toBeLessThan(timeline.indexOf('a end'));
  // The lease is given back.
  const row = await db.prisma.dlmsMeter.findUniqueOrThrow({ where: { deviceId: meterIds[0]! } });
  expect([row.associationHolder, row.associationLeaseUntil]).toEqual([null, null]);
});

test('a failing job lets the next one in', async () => {
  const lock = createMeterLock(db.prisma, { pollMs: 20 });
  const failing = lock.withMeter(meterIds[0]!, 5_000, 5_000, async () => {
    throw new Error('link down');
  });
  const next = lock.withMeter(meterIds[0]!, 5_000, 5_000, async () => 'ran');
  await expect(failing).rejects.toThrow('link down');
  await expect(next).resolves.toBe('ran');
});

test("a lease of another adapter process makes a request wait for it, and fail as busy when it lasts too long", async () => {
  const lock = createMeterLock(db.prisma, { pollMs: 20 });
  await db.prisma.dlmsMeter.update({
    where: { deviceId: meterIds[1]! },
    data: { associationHolder: 'other-host:1:x', associationLeaseUntil: new Date(Date.now() + 60_000) },
  });
  await expect(lock.withMeter(meterIds[1]!, 5_000, 200, async () => 'ran')).rejects.toBeInstanceOf(MeterBusyError);

  // The other process gives it back while we wait: we get it.
  const waiting = lock.withMeter(meterIds[1]!, 5_000, 5_000, async () => 'ran');
  await pause(100);
  await db.prisma.dlmsMeter.update({ where: { deviceId: meterIds[1]! }, data: { associationHolder: null, associationLeaseUntil: null } });
  await expect(waiting).resolves.toBe('ran');
});

test('a lease left by a process that died is taken over once it has run out', async () => {
  const lock = createMeterLock(db.prisma, { pollMs: 20 });
  await db.prisma.dlmsMeter.update({
    where: { deviceId: meterIds[1]! },
    data: { associationHolder: 'dead-host:1:x', associationLeaseUntil: new Date(Date.now() + 300) },
  });
  const started = Date.now();
  await expect(lock.withMeter(meterIds[1]!, 5_000, 5_000, async () => 'ran')).resolves.toBe('ran');
  expect(Date.now() - started).toBeGreaterThanOrEqual(250);
});
