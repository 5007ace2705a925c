// The typed client SDK: the API's own contracts, so an application gets full types for every operation
// (`client.publicLighting.setLight(...)`), plus a helper that waits for a request's result.
//   import { createPlatformClient, waitForRequest } from 'open-smart-grid-platform-ts/client';
import { initClient } from '@ts-rest/core';
import { platformContract } from './contract';
import type { RequestView } from './contracts/requests';

export { platformContract } from './contract';
export type { PlatformContract } from './contract';
export type { RequestView } from './contracts/requests';
export type { DeviceView, DeviceWithStateView } from './contracts/core';

export function createPlatformClient(options: { baseUrl: string; apiKey: string }) {
  return initClient(platformContract, {
    baseUrl: options.baseUrl,
    baseHeaders: { authorization: `Bearer ${options.apiKey}` },
  });
}

export type PlatformClient = ReturnType<typeof createPlatformClient>;

export function isFinished(view: RequestView): boolean {
  return view.state === 'OK' || view.state === 'NOT_OK' || view.state === 'CANCELLED';
}

/** Polls requests.getRequest until the request is finished (or `until` holds) and returns its view. */
export async function waitForRequest(
  client: PlatformClient,
  correlationUid: string,
  { timeoutMs = 60_000, intervalMs = 200, until = isFinished }: { timeoutMs?: number; intervalMs?: number; until?: (view: RequestView) => boolean } = {},
): Promise<RequestView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await client.requests.getRequest({ params: { correlationUid }, query: { limit: 1000 } });
    if (response.status !== 200) throw new Error(`getRequest answered ${response.status}: ${JSON.stringify(response.body)}`);
    if (until(response.body)) return response.body;
    if (Date.now() > deadline) {
      throw new Error(`request ${correlationUid} not finished within ${timeoutMs} ms: ${JSON.stringify(response.body.progress)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
