import { initServer } from '@ts-rest/express';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Prisma } from '../../db/client';
import type { RequestRecord } from '../../generated/prisma/client';
import { requestsContract, type RequestStateView } from '../contracts/requests';
import { requireEnabled } from '../../core/organisations';
import { callerOf, type ApiDeps } from '../context';
import { acceptedBody } from '../device-requests';
import { ApiError } from '../errors';
import { decodeTimedCursor, encodeCursor } from '../cursors';
import { rolloutProgressQuery, type RolloutProgress } from '../../core/firmware/rollout-model';

const s = initServer();

type RecordState = RequestRecord['state'];

/** A request's state to callers: a PENDING record with a device result already is IN_PROGRESS. */
function stateOf(recordState: RecordState, done: number): RequestStateView {
  return recordState === 'PENDING' && done > 0 ? 'IN_PROGRESS' : recordState;
}

/** The records a state filter selects: the same derivation as stateOf, as a database condition. */
function whereState(state: RequestStateView): Prisma.RequestRecordWhereInput {
  switch (state) {
    case 'PENDING':
      return { state: 'PENDING', deviceResults: { none: {} } };
    case 'IN_PROGRESS':
      return { OR: [{ state: 'IN_PROGRESS' }, { state: 'PENDING', deviceResults: { some: {} } }] };
    default:
      return { state };
  }
}

// Keyset cursor over (createdAt, correlationUid), newest first: stable while new requests arrive.
const requestsListing = 'requests';

// ---------------------------------------------------------------- handlers

export function requestsHandlers({ prisma, temporal, logger }: ApiDeps) {
  return s.router(requestsContract, {
    findRequests: async ({ query, res }) => {
      const caller = callerOf(res);
      requireEnabled(caller);
      const isAdmin = caller.platformFunctionGroup === 'ADMIN';
      if (!isAdmin && query.organisationIdentification !== undefined && query.organisationIdentification !== caller.identification) {
        throw new ApiError(
          403,
          'UNAUTHORIZED',
          `Organisation ${caller.identification} may list its own requests only (organisationIdentification is for ADMIN organisations)`,
        );
      }
      const cursor = query.after === undefined ? undefined : decodeTimedCursor(requestsListing, query.after);
      const [domain, operation] = query.operation?.split('.') ?? [];
      const conditions: Prisma.RequestRecordWhereInput[] = [
        isAdmin
          ? query.organisationIdentification
            ? { organisation: { identification: query.organisationIdentification } }
            : {}
          : { organisationId: caller.id },
        domain !== undefined && operation !== undefined ? { domain, operation } : {},
        query.state ? whereState(query.state) : {},
        query.deviceIdentification ? { deviceResults: { some: { deviceIdentification: query.deviceIdentification } } } : {},
        query.from || query.to
          ? { createdAt: { ...(query.from ? { gte: new Date(query.from) } : {}), ...(query.to ? { lt: new Date(query.to) } : {}) } }
          : {},
        cursor
          ? {
              OR: [
                { createdAt: { lt: cursor.at } },
                { createdAt: cursor.at, correlationUid: { lt: cursor.key } },
              ],
            }
          : {},
      ];
      const rows = await prisma.requestRecord.findMany({
        where: { AND: conditions },
        orderBy: [{ createdAt: 'desc' }, { correlationUid: 'desc' }],
        take: query.limit + 1,
        include: { organisation: { select: { identification: true } } },
      });
      const page = rows.slice(0, query.limit);
      const counts = page.length
        ? await prisma.deviceResult.groupBy({
            by: ['correlationUid', 'result'],
            where: { correlationUid: { in: page.map((r) => r.correlationUid) } },
            _count: true,
          })
        : [];
      const countOf = (correlationUid: string, result: 'OK' | 'NOT_OK') =>
        counts.find((c) => c.correlationUid === correlationUid && c.result === result)?._count ?? 0;
      const last = page[page.length - 1];
      return {
        status: 200,
        body: {
          requests: page.map((record) =>
            summaryOf(record, countOf(record.correlationUid, 'OK'), countOf(record.correlationUid, 'NOT_OK')),
          ),
          nextCursor: rows.length > query.limit && last ? encodeCursor(requestsListing, last.correlationUid, last.createdAt) : null,
        },
      };
    },

    cancelRequest: async ({ params, res }) => {
      const caller = callerOf(res);
      requireEnabled(caller);
      const { correlationUid } = params;
      const record = await prisma.requestRecord.findUnique({ where: { correlationUid } });
      // Only the organisation that made the request may cancel it; to others it is unknown.
      if (!record || record.organisationId !== caller.id) {
        throw new ApiError(404, 'REQUEST_NOT_FOUND', `No request with correlationUid ${correlationUid}`);
      }
      const finished = () =>
        new ApiError(409, 'REQUEST_FINISHED', `Request ${correlationUid} has finished already (${record.state}); it cannot be cancelled`);
      if (record.state !== 'PENDING' && record.state !== 'IN_PROGRESS') throw finished();
      try {
        await temporal.workflow.getHandle(correlationUid).cancel();
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) throw finished();
        logger.error('could not cancel workflow', { correlationUid, error });
        throw new ApiError(503, 'TEMPORAL_UNAVAILABLE', 'The request could not be cancelled now; retry');
      }
      logger.info('request cancelled', { correlationUid, by: caller.identification });
      return { status: 202, body: acceptedBody(correlationUid) };
    },

    getRequest: async ({ params, query, res }) => {
      const caller = callerOf(res);
      requireEnabled(caller);
      const record = await prisma.requestRecord.findUnique({
        where: { correlationUid: params.correlationUid },
        include: { organisation: { select: { identification: true } } },
      });
      // Another organisation's request is reported as unknown: its existence is not the caller's business.
      if (!record || (record.organisationId !== caller.id && caller.platformFunctionGroup !== 'ADMIN')) {
        throw new ApiError(404, 'REQUEST_NOT_FOUND', `No request with correlationUid ${params.correlationUid}`);
      }
      const [counts, page, notification] = await Promise.all([
        prisma.deviceResult.groupBy({ by: ['result'], where: { correlationUid: record.correlationUid }, _count: true }),
        prisma.deviceResult.findMany({
          where: {
            correlationUid: record.correlationUid,
            ...(query.after ? { deviceIdentification: { gt: query.after } } : {}),
          },
          orderBy: { deviceIdentification: 'asc' },
          take: query.limit + 1,
        }),
        prisma.notification.findFirst({
          where: { correlationUid: record.correlationUid, type: 'REQUEST_FINISHED' },
          select: { state: true, attempts: true, lastError: true },
        }),
      ]);
      const ok = counts.find((c) => c.result === 'OK')?._count ?? 0;
      const failed = counts.find((c) => c.result === 'NOT_OK')?._count ?? 0;
      // A firmware rollout's progress per wave lives in its workflow: asked for at most 2 s.
      const rollout =
        record.domain === 'core' && record.operation === 'startFirmwareRollout'
          ? await temporal
              .withDeadline(Date.now() + 2_000, () => temporal.workflow.getHandle(record.correlationUid).query<RolloutProgress>(rolloutProgressQuery))
              .catch(() => undefined)
          : undefined;
      const hasMore = page.length > query.limit;
      const devices = page.slice(0, query.limit);
      return {
        status: 200,
        body: {
          ...summaryOf(record, ok, failed),
          devices: devices.map((d) => ({
            deviceIdentification: d.deviceIdentification,
            result: d.result,
            attempts: d.attempts,
            errorCode: d.errorCode,
            message: d.message,
            data: d.data ?? null,
            finishedAt: d.finishedAt.toISOString(),
          })),
          nextCursor: hasMore ? devices[devices.length - 1].deviceIdentification : null,
          notification,
          ...(rollout ? { rollout } : {}),
        },
      };
    },
  });
}

/** What findRequests lists and getRequest starts with: the record with its progress and derived state. */
function summaryOf(
  record: Pick<RequestRecord, 'correlationUid' | 'domain' | 'operation' | 'state' | 'createdAt' | 'finishedAt' | 'deviceCount'> & {
    organisation: { identification: string };
  },
  ok: number,
  failed: number,
) {
  return {
    correlationUid: record.correlationUid,
    organisationIdentification: record.organisation.identification,
    domain: record.domain,
    operation: record.operation,
    state: stateOf(record.state, ok + failed),
    createdAt: record.createdAt.toISOString(),
    finishedAt: record.finishedAt?.toISOString() ?? null,
    progress: { total: record.deviceCount, done: ok + failed, ok, failed },
  };
}
