// One association per meter at a time. A meter serves one client association at a time (a second AARQ is
// refused or breaks the first), so every exchange with a meter holds its lock, and later requests queue:
//  - in this process: a FIFO queue per meter (no polling, first come first served);
//  - across adapter processes: a lease row on the meter (DlmsMeter.associationHolder/associationLeaseUntil),
//    taken with one conditional UPDATE and given back after the release. A process that dies holding it
//    frees it when the lease runs out (the activity's own timeout), so a crash never locks a meter for good.
// Why not PostgreSQL advisory locks: a session lock needs one pooled connection pinned for the whole exchange
// (tens of seconds, so the pool caps the meters in flight), and the embedded PGlite database is one session
// for everything, where advisory locks never exclude. Why not a Temporal mutex workflow per meter: it costs
// a workflow, signals and history events per exchange on the hot path of every meter read.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { PrismaClient } from '../../db/client';

export class MeterBusyError extends Error {
  override readonly name = 'MeterBusyError';
}

export interface MeterLock {
  /** Waits for the meter (at most waitMs), runs `work` holding it, and lets the next one in. */
  withMeter<T>(deviceId: string, leaseMs: number, waitMs: number, work: () => Promise<T>): Promise<T>;
}

export function createMeterLock(prisma: PrismaClient, { pollMs = 200 }: { pollMs?: number } = {}): MeterLock {
  const queues = new Map<string, Promise<void>>();
  const processId = `${os.hostname()}:${process.pid}`;

  const takeLease = async (deviceId: string, holder: string, leaseMs: number, deadline: number): Promise<void> => {
    for (;;) {
      const now = new Date();
      const taken = await prisma.dlmsMeter.updateMany({
        where: { deviceId, OR: [{ associationLeaseUntil: null }, { associationLeaseUntil: { lt: now } }] },
        data: { associationHolder: holder, associationLeaseUntil: new Date(now.getTime() + leaseMs) },
      });
      if (taken.count === 1) return;
      if (Date.now() + pollMs > deadline) throw new MeterBusyError('The meter is busy with another association (another adapter process)');
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  };

  return {
    async withMeter(deviceId, leaseMs, waitMs, work) {
      const deadline = Date.now() + waitMs;
      const previous = queues.get(deviceId) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((resolve) => (release = resolve));
      const tail = previous.then(() => mine);
      queues.set(deviceId, tail);
      try {
        // Our turn in this process, unless the wait outlasts what the caller can spend.
        let timer: NodeJS.Timeout | undefined;
        const turn = await Promise.race([
          previous.then(() => true),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
          }),
        ]);
        clearTimeout(timer);
        if (!turn) throw new MeterBusyError('The meter is busy: earlier requests to it are still queued');
        const holder = `${processId}:${randomUUID()}`;
        await takeLease(deviceId, holder, leaseMs, deadline);
        try {
          return await work();
        } finally {
          await prisma.dlmsMeter
            .updateMany({ where: { deviceId, associationHolder: holder }, data: { associationHolder: null, associationLeaseUntil: null } })
            .catch(() => undefined);
        }
      } finally {
        release();
        if (queues.get(deviceId) === tail) queues.delete(deviceId);
      }
    },
  };
}
