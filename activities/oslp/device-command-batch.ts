// The OSLP adapter's executeDeviceCommandBatch activity: one attempt of the same command on many devices,
// `concurrency` exchanges in flight, each device's outcome classified as in executeDeviceCommand (OK,
// PERMANENT_FAILURE, TRANSIENT_FAILURE) with the time it finished. The database is touched in bulk: one read
// of the batch's devices, then, per flush, one statement for the sequence numbers and one for the message log
// (both raw statements over column arrays: Prisma's createMany costs about 20 times the CPU per row).
//
// Progress is flushed and heartbeated every heartbeatIntervalMs with the results so far as details; results
// in a heartbeat are already in the database. A retried attempt (the worker died) skips the devices of the
// last heartbeat that reached Temporal, so they are not switched twice. Cancellation (delivered through the
// heartbeat) stops sending new commands at once; exchanges in flight finish, what was done is recorded, and
// the CancelledFailure thrown carries the results so far as its first detail.
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { DeviceBatchItemResult, DeviceBatchRequest, DeviceBatchResult, DeviceResponse } from '../../common/device-commands';
import type { Logger } from '../../common/logger';
import type { Counter, DeviceCommandMetrics } from '../../common/metrics';
import type { PrismaClient } from '../../db/client';
import type { BatchAdapterActivities } from '../../core/adapter-contract';
import type { OslpClient } from '../../adapters/oslp/client';
import type { OslpMessage } from '../../adapters/oslp/messages';
import {
  PublicKeyCache,
  answerFailure,
  classifyExchangeError,
  endpointOf,
  failedExchangeLog,
  insertMessageLogRows,
  isPermanentFailure,
  messageLogRow,
  oslpDeviceSelect,
  type MessageLogRow,
  type OslpDeviceRecord,
} from './device-exchange';
import type { PlatformKeyRing } from './platform-keys';
import { fromOslpResponse, toOslpExchanges } from './translate';
import { sqlTimestamp } from '../../core/monitoring/communication';

export interface OslpBatchActivityDeps {
  prisma: PrismaClient;
  client: OslpClient;
  logger: Logger;
  deviceMessages?: Counter;
  /** Latency, outcome and in-flight count of each exchange; the batch's devices waiting for a lane. */
  commandMetrics?: DeviceCommandMetrics;
  publicKeys?: PublicKeyCache;
  /** The platform's signing keys, for devices given another verification key. */
  platformKeys?: PlatformKeyRing;
  /** How often results are flushed to the database and heartbeated; default 1 s. */
  heartbeatIntervalMs?: number;
}

/** The most devices one batch may name; its heartbeat details (results so far) must stay well under 2 MB. */
export const MAX_DEVICES_PER_BATCH = 5_000;
const MAX_CONCURRENCY = 2_000;

/** Results found in heartbeat details: what an earlier attempt of this activity already did and recorded. */
export function resultsFromHeartbeat(details: unknown): DeviceBatchItemResult[] {
  if (!Array.isArray(details)) return [];
  return details.filter(
    (item): item is DeviceBatchItemResult =>
      typeof item === 'object' &&
      item !== null &&
      typeof (item as DeviceBatchItemResult).deviceIdentification === 'string' &&
      typeof (item as DeviceBatchItemResult).outcome === 'string' &&
      typeof (item as DeviceBatchItemResult).finishedAtMs === 'number',
  );
}

export function createOslpBatchActivities(deps: OslpBatchActivityDeps): BatchAdapterActivities {
  const publicKeys = deps.publicKeys ?? new PublicKeyCache();
  const heartbeatIntervalMs = deps.heartbeatIntervalMs ?? 1_000;
  return {
    async executeDeviceCommandBatch(request: DeviceBatchRequest): Promise<DeviceBatchResult> {
      const context = Context.current();
      validate(request);
      const earlier = context.info.attempt > 1 ? resultsFromHeartbeat(context.info.heartbeatDetails) : [];
      const batch = new DeviceBatch(deps, publicKeys, request, context.info.attempt, earlier);
      const finished = batch.run(context.cancellationSignal);
      // Flush and heartbeat on a timer until the exchanges are done; heartbeats also deliver cancellation.
      let timer: NodeJS.Timeout | undefined;
      const ticking = (async () => {
        for (;;) {
          const stop = await Promise.race([
            finished.then(() => true, () => true),
            new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), heartbeatIntervalMs))),
          ]);
          clearTimeout(timer);
          if (stop) return;
          await batch.flush();
          context.heartbeat(batch.recorded);
        }
      })();
      // A failed flush fails the activity once the exchanges are done (awaited below), not the process now.
      ticking.catch(() => undefined);
      try {
        await finished;
      } finally {
        await ticking;
        await batch.flush();
      }
      context.heartbeat(batch.recorded);
      const summary = batch.summary();
      deps.logger.info('device batch done', { correlationUid: request.correlationUid, attempt: request.attempt, ...summary });
      if (context.cancellationSignal.aborted) {
        // The results so far travel with the cancellation: a workflow that waits for it
        // (ActivityCancellationType.WAIT_CANCELLATION_COMPLETED) finds them in the failure's details[0].
        throw new CancelledFailure(`device batch cancelled after ${summary.done} of ${summary.total} devices`, [batch.recorded]);
      }
      return { results: batch.recorded };
    },
  };
}

/** A request no retry can make valid fails for good. */
function validate(request: DeviceBatchRequest): void {
  if (!Number.isInteger(request.concurrency) || request.concurrency < 1 || request.concurrency > MAX_CONCURRENCY) {
    throw ApplicationFailure.nonRetryable(`concurrency must be 1..${MAX_CONCURRENCY}, got ${request.concurrency}`, 'INVALID_BATCH');
  }
  if (request.deviceIdentifications.length > MAX_DEVICES_PER_BATCH) {
    throw ApplicationFailure.nonRetryable(
      `a batch names at most ${MAX_DEVICES_PER_BATCH} devices, got ${request.deviceIdentifications.length}`,
      'INVALID_BATCH',
    );
  }
}

/** One attempt of a batch: the exchanges, and what is waiting to be written. */
class DeviceBatch {
  /** Results in the database (all of the earlier attempt's, and this attempt's flushed ones). */
  readonly recorded: DeviceBatchItemResult[];
  private pendingResults: DeviceBatchItemResult[] = [];
  private pendingLog: MessageLogRow[] = [];
  private pendingSequence = new Map<string, number>();
  private readonly total: number;
  private readonly todo: string[];
  /** Usually one; a long schedule is several (its pages), each with the next sequence number. */
  private readonly messages: OslpMessage[];
  private readonly counts = new Map<string, number>();
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: OslpBatchActivityDeps,
    private readonly publicKeys: PublicKeyCache,
    private readonly request: DeviceBatchRequest,
    private readonly attempt: number,
    earlier: DeviceBatchItemResult[],
  ) {
    const wanted = [...new Set(request.deviceIdentifications)];
    const wantedSet = new Set(wanted);
    const done = new Set(earlier.map((result) => result.deviceIdentification));
    this.recorded = earlier.filter((result) => wantedSet.has(result.deviceIdentification));
    this.todo = wanted.filter((id) => !done.has(id));
    this.total = wanted.length;
    this.messages = toOslpExchanges(request.command);
  }

  async run(signal: AbortSignal): Promise<void> {
    if (this.todo.length === 0 || signal.aborted) return;
    const devices = await this.deps.prisma.device.findMany({
      where: { identification: { in: this.todo } },
      select: oslpDeviceSelect,
    });
    const byIdentification = new Map(devices.map((device) => [device.identification, device]));
    const queue: OslpDeviceRecord[] = [];
    for (const identification of this.todo) {
      const device = byIdentification.get(identification);
      if (device) queue.push(device);
      else this.permanent(identification, 'DEVICE_UNKNOWN', `Device ${identification} is unknown`);
    }
    let next = 0;
    const metrics = this.deps.commandMetrics;
    metrics?.queued('OSLP', queue.length);
    const lane = async (): Promise<void> => {
      while (next < queue.length && !signal.aborted) {
        metrics?.queued('OSLP', -1);
        await this.exchange(queue[next++]);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(this.request.concurrency, queue.length) }, lane));
    } finally {
      metrics?.queued('OSLP', -(queue.length - next)); // devices a cancelled batch never started
    }
  }

  private async exchange(device: OslpDeviceRecord): Promise<void> {
    const endpoint = endpointOf(device, this.publicKeys, this.deps.platformKeys);
    if (isPermanentFailure(endpoint)) return this.permanent(device.identification, endpoint.type, endpoint.message);
    const { correlationUid, command } = this.request;
    const id = device.identification;
    let sequenceNumber = endpoint.sequenceNumber;
    let response: DeviceResponse | undefined;
    for (const message of this.messages) {
      let exchange;
      const exchanged = this.deps.commandMetrics?.start('OSLP', command.kind);
      try {
        exchange = await this.deps.client.request({ ...endpoint, sequenceNumber }, message);
      } catch (error) {
        const failure = classifyExchangeError(error, id);
        exchanged?.(failure.code);
        this.count(failure.code);
        this.pendingLog.push(failedExchangeLog(id, correlationUid, message, failure, this.request.attempt));
        this.deps.logger.debug('device command failed', { device: id, correlationUid, code: failure.code, error: failure.text });
        const finishedAtMs = Date.now();
        return this.add(
          failure.permanent
            ? { deviceIdentification: id, outcome: 'PERMANENT_FAILURE', errorCode: failure.permanent.type, message: failure.permanent.message, finishedAtMs }
            : { deviceIdentification: id, outcome: 'TRANSIENT_FAILURE', errorCode: failure.code, message: `${id}: ${failure.text}`, finishedAtMs },
        );
      }
      sequenceNumber = exchange.sequenceNumber;
      this.pendingSequence.set(device.id, sequenceNumber);
      const answered = fromOslpResponse(command, exchange.response);
      exchanged?.(answered.status);
      this.count(answered.status);
      this.pendingLog.push(
        messageLogRow(id, correlationUid, 'TO_DEVICE', message, 'SENT', exchange.requestSequenceNumber),
        messageLogRow(id, correlationUid, 'FROM_DEVICE', exchange.response, answered.status, exchange.sequenceNumber),
      );
      const refused = answerFailure(answered.status, id, command.kind);
      if (refused) {
        return this.add({ deviceIdentification: id, outcome: 'PERMANENT_FAILURE', errorCode: refused.type, message: refused.message, finishedAtMs: Date.now() });
      }
      response = answered.response;
    }
    this.add({ deviceIdentification: id, outcome: 'OK', ...(response ? { response } : {}), finishedAtMs: Date.now() });
  }

  private permanent(deviceIdentification: string, errorCode: string, message: string): void {
    this.count(errorCode);
    this.add({ deviceIdentification, outcome: 'PERMANENT_FAILURE', errorCode, message, finishedAtMs: Date.now() });
  }

  private add(result: DeviceBatchItemResult): void {
    this.pendingResults.push(result);
  }

  private count(result: string): void {
    this.counts.set(result, (this.counts.get(result) ?? 0) + 1);
  }

  /**
   * Writes what is pending (one statement for the sequence numbers, one for the log) and then counts its
   * results as recorded. Flushes run one after the other, so a heartbeat never names an unwritten result.
   */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private async write(): Promise<void> {
    const results = this.pendingResults;
    const log = this.pendingLog;
    const sequence = this.pendingSequence;
    if (results.length === 0 && log.length === 0 && sequence.size === 0) return;
    this.pendingResults = [];
    this.pendingLog = [];
    this.pendingSequence = new Map();
    const { prisma, deviceMessages } = this.deps;
    await Promise.all([
      sequence.size > 0 ? storeSequenceNumbers(prisma, sequence) : undefined,
      insertMessageLogRows(prisma, log),
    ]);
    for (const [result, count] of this.counts) deviceMessages?.inc({ protocol: 'OSLP', result }, count);
    this.counts.clear();
    this.recorded.push(...results);
  }

  summary(): { total: number; done: number; ok: number; permanent: number; transient: number; activityAttempt: number } {
    const of = (outcome: DeviceBatchItemResult['outcome']) => this.recorded.filter((result) => result.outcome === outcome).length;
    return { total: this.total, done: this.recorded.length, ok: of('OK'), permanent: of('PERMANENT_FAILURE'), transient: of('TRANSIENT_FAILURE'), activityAttempt: this.attempt };
  }
}

/**
 * The newest sequence number of many devices that answered, in one statement (PostgreSQL and PGlite alike);
 * the same statement stamps their last communication time (status monitoring), so that costs nothing extra.
 */
export async function storeSequenceNumbers(prisma: PrismaClient, byDeviceId: ReadonlyMap<string, number>, heardAt: Date = new Date()): Promise<void> {
  const ids = [...byDeviceId.keys()];
  const numbers = [...byDeviceId.values()];
  await prisma.$executeRaw`
    UPDATE "Device" AS d SET "sequenceNumber" = u.seq, "lastCommunicationAt" = ${sqlTimestamp(heardAt)}, "updatedAt" = now()
    FROM unnest(${ids}::text[], ${numbers}::int[]) AS u(id, seq)
    WHERE d."id" = u.id`;
}
