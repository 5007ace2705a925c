import { initServer } from '@ts-rest/express';
import { requestsContract } from '../contracts/requests';
import { requireEnabled } from '../authorization';
import { callerOf, type ApiDeps } from '../context';
import { ApiError } from '../errors';

const s = initServer();

export function requestsHandlers({ prisma }: ApiDeps) {
  return s.router(requestsContract, {
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
      const hasMore = page.length > query.limit;
      const devices = page.slice(0, query.limit);
      const state = record.state === 'PENDING' && ok + failed > 0 ? 'IN_PROGRESS' : record.state;
      return {
        status: 200,
        body: {
          correlationUid: record.correlationUid,
          organisationIdentification: record.organisation.identification,
          domain: record.domain,
          operation: record.operation,
          state,
          createdAt: record.createdAt.toISOString(),
          finishedAt: record.finishedAt?.toISOString() ?? null,
          progress: { total: record.deviceCount, done: ok + failed, ok, failed },
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
        },
      };
    },
  });
}
