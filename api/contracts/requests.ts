import { initContract } from '@ts-rest/core';
import { z } from 'zod';
import { errorResponse, standardErrors } from './common';

const c = initContract();

export const deviceResult = z.object({
  deviceIdentification: z.string(),
  result: z.enum(['OK', 'NOT_OK']),
  attempts: z.number().int(),
  errorCode: z.string().nullable(),
  message: z.string().nullable(),
  data: z.unknown().nullable(),
  finishedAt: z.string(),
});

export const requestView = z.object({
  correlationUid: z.string(),
  organisationIdentification: z.string(),
  domain: z.string(),
  operation: z.string(),
  state: z.enum(['PENDING', 'IN_PROGRESS', 'OK', 'NOT_OK']),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  progress: z.object({ total: z.number().int(), done: z.number().int(), ok: z.number().int(), failed: z.number().int() }),
  devices: z.array(deviceResult),
  notification: z
    .object({
      state: z.enum(['PENDING', 'DELIVERED', 'FAILED']),
      attempts: z.number().int(),
      lastError: z.string().nullable(),
    })
    .nullable()
    .describe("The notification of the request's end to the organisation's webhook; null when it has none"),
  nextCursor: z.string().nullable().describe('Pass as `after` to read the next page of device results'),
});
export type RequestView = z.infer<typeof requestView>;

export const requestsContract = c.router({
  getRequest: {
    method: 'GET',
    path: '/v1/requests/:correlationUid',
    summary: 'State of a request and a result per device (paged by device identification)',
    pathParams: z.object({ correlationUid: z.string().min(1).max(200) }),
    query: z.object({
      limit: z.coerce.number().int().min(1).max(1000).default(500),
      after: z.string().optional().describe('Device identification to continue after'),
    }),
    responses: { 200: requestView, 404: errorResponse, ...standardErrors },
  },
});
