// The organisation's requests (requests.findRequests, newest first) and one request with its live
// progress, per-device results and a link to its workflow in the Temporal Web UI.
import { useState } from 'preact/hooks';
import type { RequestView } from '../../../api/client';
import { call, problemText, temporalWorkflowUrl, type ConsoleConfig, type PlatformClient } from '../api';
import { Problem, ProgressBar, RequestStateBadge, Section } from '../components';
import { when } from '../format';
import { go, useLoad } from '../hooks';

const requestStates = ['PENDING', 'IN_PROGRESS', 'OK', 'NOT_OK', 'CANCELLED'] as const;
type RequestState = (typeof requestStates)[number];

function finished(state: string): boolean {
  return state === 'OK' || state === 'NOT_OK' || state === 'CANCELLED';
}

export function RequestsView({ client }: { client: PlatformClient }) {
  const [state, setState] = useState<RequestState | ''>('');
  const [device, setDevice] = useState('');
  const [cursors, setCursors] = useState<string[]>([]);
  const after = cursors[cursors.length - 1];
  const page = useLoad(
    () =>
      call(
        client.requests.findRequests({ query: { limit: 50, ...(state ? { state } : {}), ...(device ? { deviceIdentification: device } : {}), ...(after ? { after } : {}) } }),
        200,
      ),
    [client, state, device, after],
    5_000,
  );
  return (
    <Section title="Requests">
      <div class="toolbar">
        <select
          value={state}
          aria-label="State"
          onChange={(e) => {
            setState((e.target as HTMLSelectElement).value as RequestState | '');
            setCursors([]);
          }}
        >
          <option value="">every state</option>
          {requestStates.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <input
          type="search"
          placeholder="with a result for device…"
          value={device}
          aria-label="Device identification"
          onChange={(e) => {
            setDevice((e.target as HTMLInputElement).value.trim());
            setCursors([]);
          }}
        />
      </div>
      <Problem text={page.error} />
      <table class="list" data-testid="request-list">
        <thead>
          <tr>
            <th>Operation</th>
            <th>State</th>
            <th>Progress</th>
            <th>Created</th>
            <th>Finished</th>
            <th>Correlation uid</th>
          </tr>
        </thead>
        <tbody>
          {(page.data?.requests ?? []).map((r) => (
            <tr key={r.correlationUid} class="clickable" onClick={() => go('requests', r.correlationUid)} data-correlation-uid={r.correlationUid}>
              <td>
                <a href={`#/requests/${encodeURIComponent(r.correlationUid)}`}>
                  {r.domain}.{r.operation}
                </a>
              </td>
              <td>
                <RequestStateBadge state={r.state} />
              </td>
              <td>
                {r.progress.done}/{r.progress.total} ({r.progress.failed} failed)
              </td>
              <td>{when(r.createdAt)}</td>
              <td>{when(r.finishedAt)}</td>
              <td class="mono">{r.correlationUid}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {page.data?.requests.length === 0 ? <p class="muted">No requests.</p> : null}
      <div class="pager">
        <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
          Newer
        </button>
        <button type="button" disabled={!page.data?.nextCursor} onClick={() => page.data?.nextCursor && setCursors([...cursors, page.data.nextCursor])}>
          Older
        </button>
      </div>
    </Section>
  );
}

/** Every device result of a request, page by page (1,000 a page). */
async function loadRequest(client: PlatformClient, correlationUid: string): Promise<RequestView> {
  const first = await call(client.requests.getRequest({ params: { correlationUid }, query: { limit: 1000 } }), 200);
  const devices = [...first.devices];
  let after = first.nextCursor;
  for (let page = 0; after && page < 100; page++) {
    const next = await call(client.requests.getRequest({ params: { correlationUid }, query: { limit: 1000, after } }), 200);
    devices.push(...next.devices);
    after = next.nextCursor;
  }
  return { ...first, devices, nextCursor: after };
}

export function RequestDetailView({ client, config, correlationUid }: { client: PlatformClient; config: ConsoleConfig; correlationUid: string }) {
  const [done, setDone] = useState(false);
  const request = useLoad(
    async () => {
      const view = await loadRequest(client, correlationUid);
      if (finished(view.state)) setDone(true);
      return view;
    },
    [client, correlationUid],
    done ? undefined : 500,
  );
  const [onlyFailed, setOnlyFailed] = useState(false);
  const [cancelProblem, setCancelProblem] = useState<string | null>(null);
  const r = request.data;
  const link = temporalWorkflowUrl(config, correlationUid);
  const cancel = async () => {
    setCancelProblem(null);
    try {
      await call(client.requests.cancelRequest({ params: { correlationUid }, body: {} }), 202);
      request.reload();
    } catch (error) {
      setCancelProblem(problemText(error));
    }
  };
  const devices = (r?.devices ?? []).filter((d) => !onlyFailed || d.result === 'NOT_OK');
  return (
    <div class="stack">
      <Section
        title={r ? `Request ${r.domain}.${r.operation}` : 'Request'}
        actions={
          r && !finished(r.state) ? (
            <button type="button" onClick={() => void cancel()}>
              Cancel request
            </button>
          ) : null
        }
      >
        <Problem text={request.error ?? cancelProblem} />
        {r ? (
          <>
            <dl class="facts" data-testid="request-facts">
              <dt>Correlation uid</dt>
              <dd class="mono" data-testid="correlation-uid">
                {r.correlationUid}
              </dd>
              <dt>State</dt>
              <dd data-testid="request-state">
                <RequestStateBadge state={r.state} />
              </dd>
              <dt>Organisation</dt>
              <dd>{r.organisationIdentification}</dd>
              <dt>Created</dt>
              <dd>{when(r.createdAt)}</dd>
              <dt>Finished</dt>
              <dd>{when(r.finishedAt)}</dd>
              <dt>Notification</dt>
              <dd>{r.notification ? `${r.notification.state} after ${r.notification.attempts} attempt(s)${r.notification.lastError ? `: ${r.notification.lastError}` : ''}` : 'none (no webhook)'}</dd>
              <dt>Temporal</dt>
              <dd>
                {link ? (
                  <a href={link} target="_blank" rel="noreferrer" data-testid="temporal-link">
                    Open the workflow in the Temporal Web UI
                  </a>
                ) : (
                  <span class="muted">workflow id {r.correlationUid} (set TEMPORAL_UI_URL for a link)</span>
                )}
              </dd>
            </dl>
            <ProgressBar {...r.progress} />
          </>
        ) : null}
      </Section>
      {r ? (
        <Section
          title={`Device results (${r.devices.length} of ${r.progress.total})`}
          actions={
            <label>
              <input type="checkbox" checked={onlyFailed} onChange={(e) => setOnlyFailed((e.target as HTMLInputElement).checked)} /> failed only
            </label>
          }
        >
          <table class="list" data-testid="device-results">
            <thead>
              <tr>
                <th>Device</th>
                <th>Result</th>
                <th>Attempts</th>
                <th>Error</th>
                <th>Message</th>
                <th>Finished</th>
              </tr>
            </thead>
            <tbody>
              {devices.map((d) => (
                <tr key={d.deviceIdentification}>
                  <td>
                    <a href={`#/devices/${encodeURIComponent(d.deviceIdentification)}`}>{d.deviceIdentification}</a>
                  </td>
                  <td>
                    <RequestStateBadge state={d.result} />
                  </td>
                  <td>{d.attempts}</td>
                  <td>{d.errorCode ?? ''}</td>
                  <td>{d.message ?? ''}</td>
                  <td>{when(d.finishedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      ) : null}
    </div>
  );
}
