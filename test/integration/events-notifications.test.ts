/**
 * Device events and webhook notifications with real parts: simulated OSLP devices report events to the
 * listener (signed envelopes over TCP), which stores them and queues a notification for each subscribed
 * organisation; finished requests are announced by the request workflow. Webhooks are local HTTP receivers
 * that check the HMAC signature the way an integrator would, and can be told to fail.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeviceEventView } from '../../api/contracts/core-events';
import type { OslpSimulatorFleet } from '../../simulators/oslp/fleet';
import { addFleetToPlatform } from '../../simulators/oslp/provision';
import { startFleetFor, startTestPlatform, type TestPlatform } from '../support/platform';
import { waitForRequest } from '../support/requests';

jest.setTimeout(120_000);

// ---------------------------------------------------------------- a webhook receiver

interface Received {
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  body: Record<string, unknown>;
  at: number;
  answered: number;
}

interface Receiver {
  url: string;
  received: Received[];
  /** Answer the next `times` deliveries with HTTP 500. */
  failNext(times: number): void;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  let failures = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const answered = failures > 0 ? 500 : 200;
      if (failures > 0) failures -= 1;
      received.push({ headers: req.headers, rawBody, body: JSON.parse(rawBody) as Record<string, unknown>, at: Date.now(), answered });
      res.writeHead(answered, { 'content-type': 'text/plain' }).end(answered === 200 ? 'thanks' : 'broken');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/osgp/notifications`,
    received,
    failNext(times) {
      failures = times;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** What a receiver does: HMAC-SHA256 over `${timestamp}.${raw body}` with the shared secret, compared in constant time. */
function signatureIsValid(delivery: Received, secret: string): boolean {
  const timestamp = delivery.headers['x-osgp-timestamp'];
  const signature = delivery.headers['x-osgp-signature'];
  if (typeof timestamp !== 'string' || typeof signature !== 'string') return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${delivery.rawBody}`).digest('hex')}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// ---------------------------------------------------------------- set-up

const run = Date.now().toString(36);
const citySecret = `city-secret-${run}-0123456789`;
const monitorSecret = `monitor-secret-${run}-0123456789`;
let platform: TestPlatform;
let fleet: OslpSimulatorFleet;
let cityReceiver: Receiver;
let monitorReceiver: Receiver;
let cityKey: string;
let city: ReturnType<TestPlatform['client']>;
let monitor: ReturnType<TestPlatform['client']>;
let stranger: ReturnType<TestPlatform['client']>;
let admin: ReturnType<TestPlatform['client']>;

beforeAll(async () => {
  platform = await startTestPlatform();
  [cityReceiver, monitorReceiver] = await Promise.all([startReceiver(), startReceiver()]);
  fleet = await startFleetFor(platform, {
    count: 3,
    identificationPrefix: `EV-${run}-`,
  });
  cityKey = await platform.createOrganisation(`city-${run}`);
  city = platform.client(cityKey);
  monitor = platform.client(await platform.createOrganisation(`monitor-${run}`));
  stranger = platform.client(await platform.createOrganisation(`stranger-${run}`));
  admin = platform.client(platform.adminKey);
  expect(await addFleetToPlatform(city, fleet)).toBe(3);
  expect(await fleet.registerAll()).toEqual({ registered: 3, failed: [] });
  // The monitoring company may FIND_EVENTS on the first device (MONITORING), nothing more.
  const granted = await city.admin.updateDeviceAuthorisations({
    body: {
      authorisations: [
        { deviceIdentification: ids()[0], organisationIdentification: `monitor-${run}`, functionGroup: 'MONITORING', revoke: false },
      ],
    },
  });
  expect(granted.status).toBe(200);
});

afterAll(async () => {
  await fleet?.close();
  await cityReceiver?.close();
  await monitorReceiver?.close();
  await platform?.stop();
});

const ids = () => fleet.devices.map((d) => d.identification);

async function setLight(deviceIdentification: string) {
  const accepted = await city.publicLighting.setLight({
    body: { deviceIdentifications: [deviceIdentification], lightValues: [{ index: 0, on: true, dimValue: 60 }] },
  });
  if (accepted.status !== 202) throw new Error(`setLight answered ${accepted.status}`);
  return accepted.body.correlationUid;
}

async function findEvents(query: NonNullable<Parameters<typeof city.core.findEvents>[0]>['query'], client = city) {
  const response = await client.core.findEvents({ query });
  if (response.status !== 200) throw new Error(`findEvents answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body;
}

// ---------------------------------------------------------------- webhook registration

describe('the notification webhook', () => {
  test('is refused with a short secret or a URL that is not http(s), naming the field (400), and without a key (401)', async () => {
    const shortSecret = await city.core.setNotificationWebhook({ body: { url: cityReceiver.url, secret: 'too-short' } });
    expect(shortSecret.status).toBe(400);
    expect(shortSecret.body).toMatchObject({ error: 'VALIDATION_FAILED', issues: [{ field: 'body.secret' }] });

    const ftp = await city.core.setNotificationWebhook({ body: { url: 'ftp://127.0.0.1/x', secret: citySecret } });
    expect(ftp.status).toBe(400);
    expect(ftp.body).toMatchObject({ issues: [{ field: 'body.url' }] });

    const noKey = await fetch(`${platform.baseUrl}/v1/core/notification-webhook`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: cityReceiver.url, secret: citySecret }),
    });
    expect(noKey.status).toBe(401);
    expect((await fetch(`${platform.baseUrl}/v1/core/notification-webhook`)).status).toBe(401);
  });

  test('a disabled organisation may not set one (403)', async () => {
    const key = await platform.createOrganisation(`disabled-${run}`);
    await platform.db.prisma.organisation.update({ where: { identification: `disabled-${run}` }, data: { enabled: false } });
    const refused = await platform.client(key).core.setNotificationWebhook({ body: { url: cityReceiver.url, secret: citySecret } });
    expect(refused.status).toBe(403);
  });

  test('before one is set, getNotificationWebhook is 404 and a finished request has no notification', async () => {
    expect((await city.core.getNotificationWebhook()).status).toBe(404);
    const view = await waitForRequest(city, await setLight(ids()[2]));
    expect(view.state).toBe('OK');
    expect(view.notification).toBeNull();
    expect(cityReceiver.received).toHaveLength(0);
  });

  test('is set with PUT and shown without its secret', async () => {
    const set = await city.core.setNotificationWebhook({ body: { url: cityReceiver.url, secret: citySecret } });
    expect(set.status).toBe(200);
    const shown = await city.core.getNotificationWebhook();
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ url: cityReceiver.url });
    expect(JSON.stringify(shown.body)).not.toContain(citySecret);
    expect(JSON.stringify(set.body)).not.toContain(citySecret);
  });
});

// ---------------------------------------------------------------- request notifications

describe('a finished request', () => {
  test('is announced to the webhook with a valid signature, and getRequest shows it DELIVERED', async () => {
    const before = cityReceiver.received.length;
    const correlationUid = await setLight(ids()[0]);
    const view = await waitForRequest(city, correlationUid, { until: (v) => v.notification?.state === 'DELIVERED' });
    expect(view.state).toBe('OK');
    expect(view.notification).toEqual({ state: 'DELIVERED', attempts: 1, lastError: null });

    const deliveries = cityReceiver.received.slice(before);
    expect(deliveries).toHaveLength(1);
    const [delivery] = deliveries;
    expect(delivery.headers['content-type']).toBe('application/json');
    expect(signatureIsValid(delivery, citySecret)).toBe(true);
    expect(signatureIsValid(delivery, 'another-secret-0123456789')).toBe(false);
    expect(signatureIsValid({ ...delivery, rawBody: delivery.rawBody.replace('"OK"', '"NOT_OK"') }, citySecret)).toBe(false);
    expect(Math.abs(Number(delivery.headers['x-osgp-timestamp']) * 1000 - Date.now())).toBeLessThan(60_000);
    expect(delivery.body).toEqual({
      notificationId: `request-finished:${correlationUid}`,
      notificationType: 'REQUEST_FINISHED',
      correlationUid,
      deviceCount: 1,
      result: 'OK',
      message: expect.stringContaining('setLight finished OK: 1 of 1') as unknown,
    });
    // The secret is never sent, only its signature.
    expect(delivery.rawBody).not.toContain(citySecret);
  });

  test('a webhook failing twice (HTTP 500) gets it on the third attempt, after backoff; the request itself is OK throughout', async () => {
    const before = cityReceiver.received.length;
    cityReceiver.failNext(2);
    const correlationUid = await setLight(ids()[1]);
    const pending = await waitForRequest(city, correlationUid, { until: (v) => v.notification?.lastError === 'HTTP 500' });
    expect(pending.state).toBe('OK');
    expect(pending.notification?.state).toBe('PENDING');

    const view = await waitForRequest(city, correlationUid, { until: (v) => v.notification?.state === 'DELIVERED' });
    expect(view.notification).toEqual({ state: 'DELIVERED', attempts: 3, lastError: null });
    const deliveries = cityReceiver.received.slice(before);
    expect(deliveries.map((d) => d.answered)).toEqual([500, 500, 200]);
    // The same body every time, each attempt signed anew; 1 s then 2 s apart.
    expect(new Set(deliveries.map((d) => d.rawBody)).size).toBe(1);
    expect(deliveries.every((d) => signatureIsValid(d, citySecret))).toBe(true);
    expect(deliveries[2].at - deliveries[0].at).toBeGreaterThanOrEqual(2_500);

    const row = await platform.db.prisma.notification.findUniqueOrThrow({ where: { id: `request-finished:${correlationUid}` } });
    expect(row).toMatchObject({ state: 'DELIVERED', attempts: 3, type: 'REQUEST_FINISHED', correlationUid });
    expect(row.deliveredAt).not.toBeNull();
  });
});

// ---------------------------------------------------------------- device events

describe('device events', () => {
  let all: DeviceEventView[];

  test('are answered OK and stored with their type, index, description and device time', async () => {
    const device = fleet.devices[0];
    expect(
      await device.sendEvent([
        { event: 'LIGHT_EVENTS_LIGHT_ON', index: 1, description: 'switched on', timestamp: '20261127100000' },
        { event: 'MONITOR_DOOR_OPENED', timestamp: '20261399999999' },
      ]),
    ).toBe('OK');
    expect(await device.sendEvent([{ event: 'LIGHT_EVENTS_LIGHT_OFF', index: 1, timestamp: '20261127110000' }])).toBe('OK');
    expect(await device.sendEvent([{ event: 'LIGHT_EVENTS_LIGHT_ON', index: 2 }])).toBe('OK');
    expect(await fleet.devices[1].sendEvent([{ event: 'HARDWARE_FAILURE_RELAY', index: 3, description: 'relay stuck' }])).toBe('OK');

    all = (await findEvents({ deviceIdentification: device.identification })).events;
    expect(all.map((e) => e.eventType)).toEqual([
      'LIGHT_EVENTS_LIGHT_ON',
      'LIGHT_EVENTS_LIGHT_OFF',
      'MONITOR_DOOR_OPENED',
      'LIGHT_EVENTS_LIGHT_ON',
    ]);
    expect(all[3]).toMatchObject({
      deviceIdentification: device.identification,
      index: 1,
      description: 'switched on',
      deviceTimestamp: '2026-11-27T10:00:00.000Z',
    });
    // An impossible device time is kept as unknown, the event itself is kept.
    expect(all[2]).toMatchObject({ index: null, description: null, deviceTimestamp: null });
    expect(all[0]).toMatchObject({ index: 2, deviceTimestamp: null });
    // Newest first, ties in the order they were stored.
    const order = all.map((e) => [Date.parse(e.receivedAt), BigInt(e.eventId)] as const);
    for (let i = 1; i < order.length; i++) {
      expect(order[i - 1][0] > order[i][0] || (order[i - 1][0] === order[i][0] && order[i - 1][1] > order[i][1])).toBe(true);
    }
  });

  test('are filtered by event type and time range', async () => {
    const device = ids()[0];
    const lightOn = await findEvents({ deviceIdentification: device, eventType: 'LIGHT_EVENTS_LIGHT_ON' });
    expect(lightOn.events.map((e) => e.eventId)).toEqual([all[0].eventId, all[3].eventId]);

    // `from` inclusive, `to` exclusive, on the time the platform received them.
    const from = all[2].receivedAt;
    const to = all[0].receivedAt;
    const window = await findEvents({ deviceIdentification: device, from, to });
    const expected = all.filter((e) => e.receivedAt >= from && e.receivedAt < to).map((e) => e.eventId);
    expect(window.events.map((e) => e.eventId)).toEqual(expected);
    expect(expected).toContain(all[2].eventId);
    expect(expected).not.toContain(all[0].eventId);

    const none = await findEvents({ deviceIdentification: device, from: '2000-01-01T00:00:00Z', to: '2000-01-02T00:00:00Z' });
    expect(none).toEqual({ events: [], nextCursor: null });
  });

  test('are paged with a cursor that stays stable while new events arrive', async () => {
    const device = fleet.devices[0];
    const first = await findEvents({ deviceIdentification: device.identification, limit: 3 });
    expect(first.events.map((e) => e.eventId)).toEqual(all.slice(0, 3).map((e) => e.eventId));
    expect(first.nextCursor).not.toBeNull();

    // A new event arrives between two pages: the next page neither repeats nor skips.
    expect(await device.sendEvent([{ event: 'DIAG_EVENTS_GENERAL', description: 'between pages' }])).toBe('OK');
    const second = await findEvents({ deviceIdentification: device.identification, limit: 3, after: first.nextCursor! });
    expect(second).toEqual({ events: [all[3]], nextCursor: null });

    const newest = await findEvents({ deviceIdentification: device.identification, limit: 1 });
    expect(newest.events[0]).toMatchObject({ eventType: 'DIAG_EVENTS_GENERAL', description: 'between pages' });
  });

  test('an ADMIN organisation may list events of every device; a USER organisation must name a device', async () => {
    const events = (await findEvents({ limit: 1000 }, admin)).events;
    const devices = new Set(events.map((e) => e.deviceIdentification));
    expect(devices.has(ids()[0])).toBe(true);
    expect(devices.has(ids()[1])).toBe(true);

    const unnamed = await city.core.findEvents({ query: {} });
    expect(unnamed.status).toBe(400);
    expect(unnamed.body).toMatchObject({ error: 'VALIDATION_FAILED', issues: [{ field: 'query.deviceIdentification' }] });
  });

  test('findEvents refuses invalid filters naming the field (400), strangers (403), unknown devices (404) and no key (401)', async () => {
    const device = ids()[0];
    const cases = [
      [{ deviceIdentification: device, eventType: 'LIGHTS_PARTY' }, 'query.eventType'],
      [{ deviceIdentification: device, from: 'yesterday' }, 'query.from'],
      [{ deviceIdentification: device, from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 'query.from'],
      [{ deviceIdentification: device, limit: '0' }, 'query.limit'],
      [{ deviceIdentification: device, after: 'not-a-cursor' }, 'query.after'],
    ] as const;
    for (const [query, field] of cases) {
      const response = await fetch(`${platform.baseUrl}/v1/core/events?${new URLSearchParams(query)}`, {
        headers: { authorization: `Bearer ${cityKey}` },
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { issues: Array<{ field: string }> }).issues.map((i) => i.field)).toContain(field);
    }

    const refused = await stranger.core.findEvents({ query: { deviceIdentification: device } });
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.body)).toContain(device);
    expect(JSON.stringify(refused.body)).toContain('FIND_EVENTS');

    expect((await city.core.findEvents({ query: { deviceIdentification: 'NO-SUCH-DEVICE' } })).status).toBe(404);
    expect((await fetch(`${platform.baseUrl}/v1/core/events?deviceIdentification=${device}`)).status).toBe(401);

    // MONITORING allows FIND_EVENTS.
    expect((await monitor.core.findEvents({ query: { deviceIdentification: device } })).status).toBe(200);
  });
});

// ---------------------------------------------------------------- subscriptions

describe('event subscriptions', () => {
  test('are refused for invalid input naming the field (400), without FIND_EVENTS (403), for unknown devices (404), without a key (401)', async () => {
    const device = ids()[0];
    const unknownType = await monitor.core.subscribeToDeviceEvents({
      params: { deviceIdentification: device },
      body: { eventTypes: ['LIGHTS_PARTY' as 'LIGHT_EVENTS_LIGHT_ON'] },
    });
    expect(unknownType.status).toBe(400);
    expect(unknownType.body).toMatchObject({ issues: [{ field: 'body.eventTypes.0' }] });

    const badPath = await monitor.core.subscribeToDeviceEvents({ params: { deviceIdentification: 'A B' }, body: {} });
    expect(badPath.status).toBe(400);
    expect(badPath.body).toMatchObject({ issues: [{ field: 'path.deviceIdentification' }] });

    // MONITORING on the first device only.
    const refused = await monitor.core.subscribeToDeviceEvents({ params: { deviceIdentification: ids()[1] }, body: {} });
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.body)).toContain(ids()[1]);

    expect((await monitor.core.subscribeToDeviceEvents({ params: { deviceIdentification: 'NO-SUCH-DEVICE' }, body: {} })).status).toBe(404);
    const noKey = await fetch(`${platform.baseUrl}/v1/core/devices/${device}/event-subscription`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(noKey.status).toBe(401);
  });

  test("deliver the subscribed event types of a device to the organisation's webhook, signed with its secret", async () => {
    expect((await monitor.core.setNotificationWebhook({ body: { url: monitorReceiver.url, secret: monitorSecret } })).status).toBe(200);
    const device = fleet.devices[0];
    const subscribed = await monitor.core.subscribeToDeviceEvents({
      params: { deviceIdentification: device.identification },
      body: { eventTypes: ['MONITOR_DOOR_OPENED'] },
    });
    expect(subscribed.status).toBe(200);
    expect(subscribed.body).toMatchObject({ deviceIdentification: device.identification, eventTypes: ['MONITOR_DOOR_OPENED'] });
    // The city (webhook set, owner) subscribes to every event of the second device.
    const citySubscribed = await city.core.subscribeToDeviceEvents({ params: { deviceIdentification: ids()[1] }, body: {} });
    expect(citySubscribed.body).toMatchObject({ eventTypes: null });

    const monitorBefore = monitorReceiver.received.length;
    const cityBefore = cityReceiver.received.length;
    expect(
      await device.sendEvent([
        { event: 'LIGHT_EVENTS_LIGHT_OFF', index: 1 },
        { event: 'MONITOR_DOOR_OPENED', description: 'door of cabinet 7', timestamp: '20261127120000' },
      ]),
    ).toBe('OK');
    const delivery = await waitFor('the door event at the monitor webhook', () => monitorReceiver.received[monitorBefore]);
    expect(signatureIsValid(delivery, monitorSecret)).toBe(true);
    expect(signatureIsValid(delivery, citySecret)).toBe(false);
    const [stored] = (await findEvents({ deviceIdentification: device.identification, eventType: 'MONITOR_DOOR_OPENED', limit: 1 })).events;
    const { deviceIdentification: _sameDevice, ...eventDetails } = stored;
    expect(delivery.body).toEqual({
      notificationId: expect.stringMatching(/^device-event:/) as unknown,
      notificationType: 'DEVICE_EVENT',
      correlationUid: null,
      deviceIdentification: device.identification,
      result: 'OK',
      message: expect.stringContaining('MONITOR_DOOR_OPENED') as unknown,
      event: eventDetails,
    });

    const row = await waitFor('the delivery to be recorded', async () => {
      const found = await platform.db.prisma.notification.findFirst({ where: { deviceEventId: BigInt(stored.eventId) } });
      return found?.state === 'DELIVERED' ? found : undefined;
    });
    expect(row).toMatchObject({ type: 'DEVICE_EVENT', attempts: 1, correlationUid: null });

    // Delivered by the organisation's notification queue, not by a workflow of its own per event.
    const monitorOrg = await platform.db.prisma.organisation.findUniqueOrThrow({ where: { identification: `monitor-${run}` } });
    const queue = await platform.temporal.workflow.getHandle(`notifications-${monitorOrg.id}`).describe();
    expect(queue.type).toBe('organisationNotificationsWorkflow');
    const perEvent = await platform.temporal.workflow.count(`WorkflowType = 'deviceEventNotificationWorkflow'`);
    expect(perEvent.count).toBe(0);

    // The light event was not subscribed to, and the city did not subscribe to this device.
    expect(await platform.db.prisma.notification.count({ where: { organisationId: monitorOrg.id, type: 'DEVICE_EVENT' } })).toBe(1);
    expect(cityReceiver.received.slice(cityBefore)).toHaveLength(0);

    // The city's subscription to the second device delivers every type.
    expect(await fleet.devices[1].sendEvent([{ event: 'TARIFF_EVENTS_TARIFF_ON', index: 4 }])).toBe('OK');
    const cityDelivery = await waitFor('the tariff event at the city webhook', () =>
      cityReceiver.received.slice(cityBefore).find((d) => d.body.notificationType === 'DEVICE_EVENT'),
    );
    expect(signatureIsValid(cityDelivery, citySecret)).toBe(true);
    expect(cityDelivery.body).toMatchObject({ deviceIdentification: ids()[1], event: { eventType: 'TARIFF_EVENTS_TARIFF_ON', index: 4 } });
  });

  test('stop delivering when the right is revoked, and can be removed without it; removing twice is 404', async () => {
    const device = fleet.devices[0];
    const monitorOrg = await platform.db.prisma.organisation.findUniqueOrThrow({ where: { identification: `monitor-${run}` } });
    const count = () => platform.db.prisma.notification.count({ where: { organisationId: monitorOrg.id } });
    const before = await count();
    const revoked = await city.admin.updateDeviceAuthorisations({
      body: {
        authorisations: [
          { deviceIdentification: device.identification, organisationIdentification: `monitor-${run}`, functionGroup: 'MONITORING', revoke: true },
        ],
      },
    });
    expect(revoked.status).toBe(200);
    expect(await device.sendEvent([{ event: 'MONITOR_DOOR_OPENED', description: 'after revocation' }])).toBe('OK');
    // Notification rows are written before the device is answered: none means nobody is told.
    expect(await count()).toBe(before);

    const removed = await monitor.core.unsubscribeFromDeviceEvents({ params: { deviceIdentification: device.identification } });
    expect(removed.status).toBe(204);
    const again = await monitor.core.unsubscribeFromDeviceEvents({ params: { deviceIdentification: device.identification } });
    expect(again.status).toBe(404);
    expect((await monitor.core.unsubscribeFromDeviceEvents({ params: { deviceIdentification: 'NO-SUCH-DEVICE' } })).status).toBe(404);
    expect((await fetch(`${platform.baseUrl}/v1/core/devices/${device.identification}/event-subscription`, { method: 'DELETE' })).status).toBe(401);
  });
});

test('the webhook can be removed: notifications stop, a second removal is 404', async () => {
  expect((await city.core.deleteNotificationWebhook()).status).toBe(204);
  expect((await city.core.getNotificationWebhook()).status).toBe(404);
  expect((await city.core.deleteNotificationWebhook()).status).toBe(404);
  const view = await waitForRequest(city, await setLight(ids()[2]));
  expect(view.notification).toBeNull();
});
