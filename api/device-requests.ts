// The HTTP side of starting a device request: OSGP's request options from the request's headers, and the
// 202 that carries the correlation uid. The request itself is the core's (core/requests/).
import type { AcceptedRequest, CallerRequestOptions } from '../core/requests/start-request';
import type { DeviceRequestHeaders } from './contracts/common';

export function requestOptionsFrom(headers: DeviceRequestHeaders): CallerRequestOptions {
  return {
    idempotencyKey: headers['idempotency-key'],
    priority: headers['x-osgp-priority'],
    scheduleTime: headers['x-osgp-schedule-time'],
    maxScheduleTime: headers['x-osgp-max-schedule-time'],
    bypassRetry: headers['x-osgp-bypass-retry'] === 'true',
  };
}

export async function accepted(request: Promise<AcceptedRequest>): Promise<{ status: 202; body: AcceptedRequest }> {
  return { status: 202, body: await request };
}
