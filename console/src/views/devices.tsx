// Device search (core.findDeviceStates by identification prefix, paged) and one device's detail: its record
// and state, its firmware version, its events, its message log and its requests; "read status" asks the
// device (getStatus).
import { useState } from 'preact/hooks';
import { call, problemText, type PlatformClient } from '../api';
import { Problem, RequestStateBadge, Section, StateBadge } from '../components';
import { lights, when } from '../format';
import { go, useLoad } from '../hooks';

export function DevicesView({ client }: { client: PlatformClient }) {
  const [prefix, setPrefix] = useState('');
  const [cursors, setCursors] = useState<string[]>([]);
  const after = cursors[cursors.length - 1];
  const page = useLoad(
    () => call(client.core.findDeviceStates({ query: { limit: 50, ...(prefix ? { deviceIdentificationPrefix: prefix } : {}), ...(after ? { after } : {}) } }), 200),
    [client, prefix, after],
  );
  return (
    <Section title="Devices">
      <div class="toolbar">
        <input
          type="search"
          placeholder="Identification starts with…"
          value={prefix}
          onInput={(e) => {
            setPrefix((e.target as HTMLInputElement).value.trim());
            setCursors([]);
          }}
          aria-label="Device identification prefix"
          data-testid="device-search"
        />
      </div>
      <Problem text={page.error} />
      <table class="list">
        <thead>
          <tr>
            <th>Device</th>
            <th>Alias</th>
            <th>Protocol</th>
            <th>State</th>
            <th>Lights</th>
            <th>Since</th>
          </tr>
        </thead>
        <tbody>
          {(page.data?.devices ?? []).map((d) => (
            <tr key={d.deviceIdentification} class="clickable" onClick={() => go('devices', d.deviceIdentification)}>
              <td>
                <a href={`#/devices/${encodeURIComponent(d.deviceIdentification)}`}>{d.deviceIdentification}</a>
              </td>
              <td>{d.alias ?? ''}</td>
              <td>{d.protocol}</td>
              <td>
                <StateBadge state={d.state} />
              </td>
              <td>{lights(d.lightValues)}</td>
              <td>{when(d.stateSince)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {page.data && page.data.devices.length === 0 ? <p class="muted">No devices match.</p> : null}
      <div class="pager">
        <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous
        </button>
        <button type="button" disabled={!page.data?.nextCursor} onClick={() => page.data?.nextCursor && setCursors([...cursors, page.data.nextCursor])}>
          Next
        </button>
      </div>
    </Section>
  );
}

export function DeviceView({ client, deviceIdentification }: { client: PlatformClient; deviceIdentification: string }) {
  const device = useLoad(async () => {
    const body = await call(client.core.findDeviceStates({ query: { limit: 1000, deviceIdentificationPrefix: deviceIdentification } }), 200);
    return body.devices.find((d) => d.deviceIdentification === deviceIdentification) ?? null;
  }, [client, deviceIdentification]);
  const events = useLoad(() => call(client.core.findEvents({ query: { deviceIdentification, limit: 20 } }), 200), [client, deviceIdentification]);
  const messages = useLoad(() => call(client.admin.findMessageLogs({ query: { deviceIdentification, limit: 20 } }), 200), [client, deviceIdentification]);
  const requests = useLoad(() => call(client.requests.findRequests({ query: { deviceIdentification, limit: 10 } }), 200), [client, deviceIdentification]);
  // The newest version in the device's firmware history (getFirmwareVersion, rollouts, saveCurrentDeviceFirmware).
  const firmware = useLoad(
    () => call(client.core.getDeviceFirmwareHistory({ params: { deviceIdentification }, query: { limit: 1 } }), 200),
    [client, deviceIdentification],
  );
  const [reading, setReading] = useState<string | null>(null);
  const [readProblem, setReadProblem] = useState<string | null>(null);

  const readStatus = async () => {
    setReadProblem(null);
    try {
      const accepted = await call(client.publicLighting.getStatus({ body: { deviceIdentifications: [deviceIdentification] } }), 202);
      setReading(accepted.correlationUid);
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 700));
        const view = await call(client.requests.getRequest({ params: { correlationUid: accepted.correlationUid }, query: { limit: 1 } }), 200);
        if (view.state === 'OK' || view.state === 'NOT_OK' || view.state === 'CANCELLED') {
          const result = view.devices[0];
          if (view.state !== 'OK') setReadProblem(`The device did not answer the status request: ${result?.errorCode ?? view.state} ${result?.message ?? ''}`);
          break;
        }
      }
      device.reload();
      requests.reload();
      messages.reload();
    } catch (error) {
      setReadProblem(problemText(error));
    } finally {
      setReading(null);
    }
  };

  const d = device.data;
  return (
    <div class="stack">
      <Section
        title={`Device ${deviceIdentification}`}
        actions={
          <button type="button" onClick={() => void readStatus()} disabled={reading !== null || !d}>
            {reading ? 'Reading status…' : 'Read status now'}
          </button>
        }
      >
        <Problem text={device.error ?? readProblem} />
        {device.data === null ? <p class="problem">No device {deviceIdentification} that you may see.</p> : null}
        {d ? (
          <dl class="facts" data-testid="device-facts">
            <dt>State</dt>
            <dd>
              <StateBadge state={d.state} /> {d.errorCode ? <span class="muted">({d.errorCode})</span> : null}
            </dd>
            <dt>Lights (last known)</dt>
            <dd>{lights(d.lightValues)}</dd>
            <dt>State since</dt>
            <dd>{when(d.stateSince)}</dd>
            <dt>Alias</dt>
            <dd>{d.alias ?? '—'}</dd>
            <dt>Protocol</dt>
            <dd>{d.protocol}</dd>
            <dt>Firmware</dt>
            <dd data-testid="device-firmware">
              {firmware.data?.entries[0]
                ? `${firmware.data.entries[0].version} (reported ${when(firmware.data.entries[0].reportedAt)})`
                : firmware.error
                  ? '—'
                  : firmware.data
                    ? 'not reported yet (core.getFirmwareVersion reads it)'
                    : '…'}
            </dd>
            <dt>Network address</dt>
            <dd>{d.networkAddress ? `${d.networkAddress}:${d.port ?? ''}` : '—'}</dd>
            <dt>Location</dt>
            <dd>{d.latitude !== null && d.longitude !== null ? `${d.latitude.toFixed(5)}, ${d.longitude.toFixed(5)}` : '—'}</dd>
            <dt>Owner</dt>
            <dd>{d.ownerIdentification ?? '—'}</dd>
            <dt>Activated</dt>
            <dd>{d.activated ? 'yes' : 'no'}</dd>
            <dt>In maintenance</dt>
            <dd>{d.inMaintenance ? 'yes' : 'no'}</dd>
            <dt>Lifecycle</dt>
            <dd>{d.lifecycleStatus}</dd>
            <dt>Registered</dt>
            <dd>{when(d.registeredAt)}</dd>
          </dl>
        ) : null}
      </Section>
      <Section title="Requests">
        <Problem text={requests.error} />
        <table class="list">
          <tbody>
            {(requests.data?.requests ?? []).map((r) => (
              <tr key={r.correlationUid}>
                <td>
                  <a href={`#/requests/${encodeURIComponent(r.correlationUid)}`}>{r.operation}</a>
                </td>
                <td>
                  <RequestStateBadge state={r.state} />
                </td>
                <td>{when(r.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {requests.data?.requests.length === 0 ? <p class="muted">No request has a result for this device yet.</p> : null}
      </Section>
      <Section title="Events">
        <Problem text={events.error} />
        <table class="list">
          <tbody>
            {(events.data?.events ?? []).map((e) => (
              <tr key={e.eventId}>
                <td>{when(e.receivedAt)}</td>
                <td>{e.eventType}</td>
                <td>{e.index ?? ''}</td>
                <td>{e.description ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {events.data?.events.length === 0 ? <p class="muted">No events.</p> : null}
      </Section>
      <Section title="Message log">
        <Problem text={messages.error} />
        <table class="list">
          <tbody>
            {(messages.data?.messageLogs ?? []).map((m) => (
              <tr key={m.id}>
                <td>{when(m.createdAt)}</td>
                <td>{m.direction === 'TO_DEVICE' ? '→ device' : '← device'}</td>
                <td>{m.messageType}</td>
                <td>{m.result}</td>
                <td>{m.summary}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {messages.data?.messageLogs.length === 0 ? <p class="muted">No messages.</p> : null}
      </Section>
    </div>
  );
}
