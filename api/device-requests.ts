// The HTTP side of starting a device request: OSGP's request options from the request's headers, and the
// 202 that carries the correlation uid and where to read the request. The request itself is the core's
// (core/requests/).
import type { AcceptedRequest as StartedRequest, CallerRequestOptions } from '../core/requests/start-request';
import type { AcceptedRequest, DeviceRequestHeaders } from './contracts/common';

export function requestOptionsFrom(headers: DeviceRequestHeaders): CallerRequestOptions {
  return {
    idempotencyKey: headers['idempotency-key'],
    priority: headers['x-osgp-priority'],
    scheduleTime: headers['x-osgp-schedule-time'],
    maxScheduleTime: headers['x-osgp-max-schedule-time'],
    bypassRetry: headers['x-osgp-bypass-retry'] === 'true',
  };
}

/** The 202 of a request that was started: its correlation uid and the link to requests.getRequest. */
export function acceptedBody(correlationUid: string): AcceptedRequest {
  return { correlationUid, links: { request: `/v1/requests/${encodeURIComponent(correlationUid)}` } };
}

export async function accepted(request: Promise<StartedRequest>): Promise<{ status: 202; body: AcceptedRequest }> {
  return { status: 202, body: acceptedBody((await request).correlationUid) };
}
