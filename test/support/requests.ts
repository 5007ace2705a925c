// Waiting on requests the way an integrator would: poll requests.getRequest until it is finished.
import type { RequestView } from '../../api/contracts/requests';
import type { PlatformClient } from '../../simulators/oslp/provision';

export async function waitForRequest(
  client: PlatformClient,
  correlationUid: string,
  { timeoutMs = 60_000, until = finished }: { timeoutMs?: number; until?: (view: RequestView) => boolean } = {},
): Promise<RequestView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await client.requests.getRequest({ params: { correlationUid }, query: { limit: 1000 } });
    if (response.status !== 200) throw new Error(`getRequest answered ${response.status}: ${JSON.stringify(response.body)}`);
    if (until(response.body)) return response.body;
    if (Date.now() > deadline) throw new Error(`request ${correlationUid} not done in time: ${JSON.stringify(response.body.progress)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export function finished(view: RequestView): boolean {
  return view.state === 'OK' || view.state === 'NOT_OK';
}
