import { initContract } from '@ts-rest/core';
import { z } from 'zod';
import { acceptedRequest, errorResponse, identification, standardErrors, isoDateTime, text } from './common';
import { rolloutProgress } from './core-firmware';

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

/**
 * What a request's state is to callers: the record's state, except that a PENDING request with at least one
 * device result is IN_PROGRESS. CANCELLED: stopped by requests.cancelRequest (devices that had not answered
 * have NOT_OK results with errorCode CANCELLED).
 */
export const requestState = z.enum(['PENDING', 'IN_PROGRESS', 'OK', 'NOT_OK', 'CANCELLED']);
export type RequestStateView = z.infer<typeof requestState>;

/** A request without its device results: one item of requests.findRequests. */
export const requestSummary = z.object({
  correlationUid: z.string(),
  organisationIdentification: z.string(),
  domain: z.string(),
  operation: z.string(),
  state: requestState,
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  progress: z.object({ total: z.number().int(), done: z.number().int(), ok: z.number().int(), failed: z.number().int() }),
});
export type RequestSummary = z.infer<typeof requestSummary>;

export const requestView = requestSummary.extend({
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
  rollout: rolloutProgress
    .optional()
    .describe("A firmware rollout's state and progress per wave, from its workflow (absent when the workflow cannot be asked)"),
});
export type RequestView = z.infer<typeof requestView>;


export const findRequestsQuery = z
  .object({
    state: requestState
      .optional()
      .describe('PENDING: no device has answered yet; IN_PROGRESS: not finished, at least one device result; OK / NOT_OK / CANCELLED: finished'),
    operation: z
      .string()
      .max(130)
      .regex(/^[a-z][A-Za-z0-9]*\.[a-z][A-Za-z0-9]*$/, 'must be <domain>.<operation>, e.g. publicLighting.setLight')
      .optional()
      .describe('<domain>.<operation> as in the operationIds, e.g. publicLighting.setLight'),
    deviceIdentification: identification
      .optional()
      .describe(
        'Requests with a result for this device. A device that has not answered yet has no result, so a request ' +
          'still waiting for that device is not found by this filter until the device has answered (or given up)',
      ),
    organisationIdentification: identification
      .optional()
      .describe("ADMIN organisations only: one organisation's requests (others see their own requests only)"),
    from: isoDateTime.optional().describe('Created at or after (inclusive)'),
    to: isoDateTime.optional().describe('Created before (exclusive)'),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    after: text.min(1).max(512).optional().describe('The nextCursor of the previous page (opaque; keep the same filters)'),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), {
    message: 'must be after `from`',
    path: ['to'],
  });

export const requestsContract = c.router({
  findRequests: {
    method: 'GET',
    path: '/v1/requests',
    summary: "The caller's requests (every organisation's for ADMIN), newest first, filtered; page with limit and after",
    description:
      'Request records are kept for the configured retention (REQUEST_RETENTION_DAYS, default 30 days, counted ' +
      'from when a request finished); unfinished requests are never removed. Filters: state, operation ' +
      '(<domain>.<operation>), deviceIdentification (requests with a result for that device; a device that has ' +
      'not answered yet has no result), from (inclusive) and to (exclusive) on the creation time.',
    query: findRequestsQuery,
    responses: {
      200: z.object({
        requests: z.array(requestSummary),
        nextCursor: z.string().nullable().describe('Pass as `after` (with the same filters) for the next page; null on the last page'),
      }),
      ...standardErrors,
    },
  },
  getRequest: {
    method: 'GET',
    path: '/v1/requests/:correlationUid',
    summary: 'State of a request and a result per device (paged by device identification)',
    description:
      'Readable, as often as needed, for the configured retention (REQUEST_RETENTION_DAYS, default 30 days) after the request finished.',
    pathParams: z.object({ correlationUid: text.min(1).max(200) }),
    query: z.object({
      limit: z.coerce.number().int().min(1).max(1000).default(500),
      after: z.string().optional().describe('Device identification to continue after'),
    }),
    responses: { 200: requestView, 404: errorResponse, ...standardErrors },
  },
  cancelRequest: {
    method: 'POST',
    path: '/v1/requests/:correlationUid/cancel',
    summary: 'Cancel a request that has not finished: no device is sent to any more, and devices that have not answered end NOT_OK CANCELLED',
    description:
      'Answers 202 at once; the request then stops sending (a device exchange already under way may still complete) and ' +
      'ends in state CANCELLED, shown by getRequest. 409 when the request has finished already. The organisation that ' +
      'made the request only.',
    pathParams: z.object({ correlationUid: text.min(1).max(200) }),
    body: z.object({}).strict().optional(),
    responses: { 202: acceptedRequest, 404: errorResponse, 409: errorResponse, 503: errorResponse, ...standardErrors },
  },
});
