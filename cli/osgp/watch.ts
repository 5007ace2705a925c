// Following a request until it ends: a progress bar of its devices (done / total, OK and failed counts) from
// requests.getRequest, then every failed device's result, read page by page.
import cliProgress from 'cli-progress';
import type { RequestView } from '../../api/client';
import { expectStatus, type PlatformClient } from './api';

export type DeviceResultView = RequestView['devices'][number];

export interface WatchOutcome {
  request: Omit<RequestView, 'devices' | 'nextCursor'>;
  failures: DeviceResultView[];
}

export function requestFinished(state: RequestView['state']): boolean {
  return state === 'OK' || state === 'NOT_OK' || state === 'CANCELLED';
}

export interface WatchOptions {
  /** Show a progress bar on stderr (off for --json). */
  progress: boolean;
  intervalMs?: number;
}

export async function watchRequest(client: PlatformClient, correlationUid: string, { progress, intervalMs = 500 }: WatchOptions): Promise<WatchOutcome> {
  const bar = progress
    ? new cliProgress.SingleBar(
        {
          format: `${correlationUid.slice(0, 40)} [{bar}] {percentage}% | {value}/{total} devices | ok {ok} | failed {failed} | {state} | {duration_formatted}`,
          hideCursor: true,
          stream: process.stderr,
          noTTYOutput: true,
          notTTYSchedule: 5_000,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let view: RequestView | undefined;
  try {
    for (;;) {
      view = await expectStatus(
        `requests.getRequest ${correlationUid}`,
        () => client.requests.getRequest({ params: { correlationUid }, query: { limit: 1 } }),
        200,
      );
      const payload = { ok: view.progress.ok, failed: view.progress.failed, state: view.state };
      if (bar) {
        if (bar.getTotal() !== view.progress.total || !bar.isActive) {
          if (!bar.isActive) bar.start(view.progress.total, view.progress.done, payload);
          else bar.setTotal(view.progress.total);
        }
        bar.update(view.progress.done, payload);
      }
      if (requestFinished(view.state)) break;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  } finally {
    bar?.stop();
  }
  const failures: DeviceResultView[] = [];
  if (view.progress.failed > 0) {
    // Device results are paged by identification; only the failures are kept.
    let after: string | undefined;
    do {
      const page = await expectStatus(
        `requests.getRequest ${correlationUid}`,
        () => client.requests.getRequest({ params: { correlationUid }, query: { limit: 1000, after } }),
        200,
      );
      failures.push(...page.devices.filter((device) => device.result === 'NOT_OK'));
      after = page.nextCursor ?? undefined;
    } while (after);
  }
  const { devices: _devices, nextCursor: _nextCursor, ...request } = view;
  return { request, failures };
}
