/**
 * Device status monitoring with real parts: the monitoring Temporal Schedule on the dev server (a short
 * interval and threshold), the core worker and OSLP adapter, PostgreSQL, and simulated OSLP devices over TCP
 * that go silent and come back. Waits are for the state the API shows, with generous timeouts; nothing is
 * proven by a sleep.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ScheduleNotFoundError } from '@temporalio/client';
import { ensureDeviceMonitoringSchedule } from '../../core/monitoring/schedule';
import type { OslpSimulatorFleet } from '../../simulators/oslp/fleet';
import { addFleetToPlatform } from '../../simulators/oslp/provision';
import { startFleetFor, startTestPlatform, type TestPlatform } from '../support/platform';

jest.setTimeout(240_000);

const run = Date.now().toString(36);
const scheduleId = `test-device-monitoring-${run}`;
const intervalMs = 4_000;
let platform: TestPlatform;
let fleet: OslpSimulatorFleet;
let city: ReturnType<TestPlatform['client']>;
let webhook: { server: http.Server; url: string; received: Array<Record<string, unknown>> };

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const ids = () => fleet.devices.map((d) => d.identification);
const prefix = `MON-${run}-`;

async function lostDevices(): Promise<string[]> {
  const page = await city.core.findDevices({ query: { deviceIdentificationPrefix: prefix, communicationState: 'COMMUNICATION_LOST', limit: 100 } });
  if (page.status !== 200) throw new Error(`findDevices answered ${page.status}`);
  return page.body.devices.map((d) => d.deviceIdentification).sort();
}

async function device(identification: string) {
  const page = await city.core.findDevices({ query: { deviceIdentificationPrefix: identification, limit: 1 } });
  if (page.status !== 200 || !page.body.devices[0]) throw new Error(`device ${identification} not found`);
  return page.body.devices[0];
}

async function events(identification: string, eventType: 'COMMUNICATION_LOST' | 'COMMUNICATION_RESTORED') {
  const page = await city.core.findEvents({ query: { deviceIdentification: identification, eventType } });
  if (page.status !== 200) throw new Error(`findEvents answered ${page.status}`);
  return page.body.events;
}

beforeAll(async () => {
  platform = await startTestPlatform();
  fleet = await startFleetFor(platform, { count: 4, identificationPrefix: prefix });
  const key = await platform.createOrganisation(`monitoring-city-${run}`);
  city = platform.client(key);
  expect(await addFleetToPlatform(city, fleet)).toBe(4);
  expect(await fleet.registerAll()).toEqual({ registered: 4, failed: [] });

  const received: Array<Record<string, unknown>> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  webhook = { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
  expect((await city.core.setNotificationWebhook({ body: { url: webhook.url, secret: `monitoring-secret-${run}-0123456789` } })).status).toBe(200);
  const subscribed = await city.core.subscribeToDeviceEvents({
    params: { deviceIdentification: ids()[0] },
    body: { eventTypes: ['COMMUNICATION_LOST', 'COMMUNICATION_RESTORED'] },
  });
  expect(subscribed.status).toBe(200);

  // A short interval and threshold: every device not heard from for 2 s is asked at every run.
  await ensureDeviceMonitoringSchedule(platform.temporal, {
    scheduleId,
    intervalMs,
    input: { silentAfterMs: 2_000, maxClockDeviationMs: 60_000, attemptTimeoutMs: 10_000, batchSize: 500, concurrency: 50 },
  });
});

afterAll(async () => {
  await platform?.temporal.schedule
    .getHandle(scheduleId)
    .delete()
    .catch((error: unknown) => {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    });
  await fleet?.close();
  await new Promise<void>((resolve) => (webhook ? webhook.server.close(() => resolve()) : resolve()));
  await platform?.stop();
});

test('registered devices have a last communication time and are OK', async () => {
  for (const identification of ids()) {
    const view = await device(identification);
    expect(view.communicationState).toBe('OK');
    expect(view.lastCommunicationAt).not.toBeNull();
  }
});

test('making the schedule again (a restart of the core worker) keeps one schedule with the new settings', async () => {
  await ensureDeviceMonitoringSchedule(platform.temporal, {
    scheduleId,
    intervalMs,
    input: { silentAfterMs: 2_000, maxClockDeviationMs: 60_000, attemptTimeoutMs: 10_000, batchSize: 500, concurrency: 50 },
  });
  const description = await platform.temporal.schedule.getHandle(scheduleId).describe();
  expect(description.spec.intervals?.[0]?.every).toBe(intervalMs);
  expect(description.action.type).toBe('startWorkflow');
});

test('devices that go silent are marked COMMUNICATION_LOST by a monitoring run, and the others stay OK', async () => {
  const [first, second] = ids();
  fleet.goSilent([first, second]);
  expect(await waitFor('the silent devices to be COMMUNICATION_LOST', async () => {
    const lost = await lostDevices();
    return lost.length === 2 ? lost : undefined;
  })).toEqual([first, second].sort());

  // The devices that kept answering were asked too (the threshold is short), and answered.
  for (const identification of ids().slice(2)) expect((await device(identification)).communicationState).toBe('OK');
  const firstView = await device(first);
  expect(firstView.communicationState).toBe('COMMUNICATION_LOST');

  // Each change is a device event, once, and the subscriber's webhook is told.
  const lostEvents = await events(first, 'COMMUNICATION_LOST');
  expect(lostEvents).toHaveLength(1);
  expect(lostEvents[0]).toMatchObject({ deviceIdentification: first, eventType: 'COMMUNICATION_LOST' });
  await waitFor('the webhook to be told', async () =>
    webhook.received.find((n) => n.deviceIdentification === first && (n.event as { eventType?: string } | undefined)?.eventType === 'COMMUNICATION_LOST'),
  );
  // The monitoring asked them: the simulators saw the getStatus requests they did not answer.
  expect(fleet.deviceByIdentification(first)?.received.some((r) => r.kind === 'getStatusRequest' && r.outcome === 'ignored')).toBe(true);
});

test('a silent device that answers again is OK again after a monitoring run, with a COMMUNICATION_RESTORED event', async () => {
  const [first, second] = ids();
  fleet.resume([first]);
  await waitFor('the device that answers to be OK', async () => ((await device(first)).communicationState === 'OK' ? true : undefined));
  expect(await events(first, 'COMMUNICATION_RESTORED')).toHaveLength(1);
  await waitFor('the webhook to be told it is back', async () =>
    webhook.received.find((n) => n.deviceIdentification === first && (n.event as { eventType?: string } | undefined)?.eventType === 'COMMUNICATION_RESTORED'),
  );
  // The other one is still silent, and still lost; it lost communication once (no event per run).
  expect(await lostDevices()).toEqual([second]);
  expect(await events(second, 'COMMUNICATION_LOST')).toHaveLength(1);
});

test('a lost device that registers again is OK at once', async () => {
  const [, second] = ids();
  // Stop the runs, so only the registration can be what brings it back.
  const schedule = platform.temporal.schedule.getHandle(scheduleId);
  await schedule.pause('test: registration alone');
  try {
    await waitFor('the running monitoring run to end', async () => ((await schedule.describe()).info.runningActions.length === 0 ? true : undefined));
    fleet.resume([second]);
    await fleet.deviceByIdentification(second)?.register();
    const view = await device(second);
    expect(view.communicationState).toBe('OK');
    expect(await events(second, 'COMMUNICATION_RESTORED')).toHaveLength(1);
    expect(await lostDevices()).toEqual([]);
  } finally {
    await platform.temporal.schedule.getHandle(scheduleId).unpause();
  }
});

test('findDevices refuses an unknown communication state, naming the field (400)', async () => {
  const refused = await fetch(`${platform.baseUrl}/v1/core/devices?communicationState=SLEEPING`, {
    headers: { authorization: `Bearer ${platform.adminKey}` },
  });
  expect(refused.status).toBe(400);
  expect(await refused.json()).toMatchObject({ issues: [{ field: 'query.communicationState' }] });
});
