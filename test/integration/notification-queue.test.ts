/**
 * Notifications do not hold requests open: with the organisation's webhook dead (connections refused), its
 * requests still end when their devices are done, each leaving a queued (PENDING) notification and no open
 * request workflow; the organisation's one delivery workflow keeps trying with backoff, and once a receiver
 * listens on that address again every queued notification is delivered, once. A webhook URL naming a port
 * the HTTP client always refuses is refused when set.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { organisationNotificationsWorkflowId } from '../../core/notification-queue';
import type { OslpSimulatorFleet } from '../../simulators/oslp/fleet';
import { addFleetToPlatform } from '../../simulators/oslp/provision';
import { startFleetFor, startTestPlatform, type TestPlatform } from '../support/platform';
import { waitForRequest } from '../support/requests';

jest.setTimeout(180_000);

const run = Date.now().toString(36);
let platform: TestPlatform;
let fleet: OslpSimulatorFleet;

beforeAll(async () => {
  platform = await startTestPlatform({ notificationRetryPeriodMs: 10 * 60_000 });
  fleet = await startFleetFor(platform, {
    count: 3,
    identificationPrefix: `NQ-${run}-`,
  });
});

afterAll(async () => {
  await fleet?.close();
  await platform?.stop();
});

/** A loopback port that was free a moment ago: nothing listens there, so connections to it are refused. */
async function unusedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function poll<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('a webhook URL on a port fetch always refuses is refused when set, naming the field (400)', async () => {
  const client = platform.client(await platform.createOrganisation(`ports-${run}`));
  const refused = await client.core.setNotificationWebhook({ body: { url: 'http://127.0.0.1:6000/hook', secret: 'a-secret-of-16-characters' } });
  expect(refused.status).toBe(400);
  expect(JSON.stringify(refused.body)).toContain('body.url');
  const taken = await client.core.setNotificationWebhook({ body: { url: 'http://127.0.0.1:6001/hook', secret: 'a-secret-of-16-characters' } });
  expect(taken.status).toBe(200);
});

test('a dead webhook leaves no request workflow open; the queued notifications are delivered, once each, when the receiver comes back', async () => {
  const organisation = `dead-hook-${run}`;
  const client = platform.client(await platform.createOrganisation(organisation));
  const organisationId = (await platform.db.prisma.organisation.findUniqueOrThrow({ where: { identification: organisation } })).id;
  expect(await addFleetToPlatform(client, fleet)).toBe(3);
  expect(await fleet.registerAll()).toEqual({ registered: 3, failed: [] });
  const port = await unusedPort();
  const set = await client.core.setNotificationWebhook({ body: { url: `http://127.0.0.1:${port}/hook`, secret: 'dead-hook-secret-0123456789' } });
  expect(set.status).toBe(200);

  const correlationUids: string[] = [];
  for (const device of fleet.devices) {
    const accepted = await client.publicLighting.setLight({
      body: { deviceIdentifications: [device.identification], lightValues: [{ index: 0, on: true }] },
    });
    expect(accepted.status).toBe(202);
    if (accepted.status === 202) correlationUids.push(accepted.body.correlationUid);
  }

  // Every request ends OK with its result while the webhook refuses every connection.
  for (const correlationUid of correlationUids) {
    const view = await waitForRequest(client, correlationUid);
    expect(view.state).toBe('OK');
    expect(view.devices).toHaveLength(1);
  }
  // The oldest notification was tried and refused (the others wait behind it): the webhook is dead, and the
  // requests are closed all the same.
  const tried = await poll('a refused delivery attempt', async () =>
    (await platform.db.prisma.notification.findFirst({ where: { organisationId, attempts: { gte: 1 } } })) ?? undefined,
  );
  expect(tried.state).toBe('PENDING');
  // (The error's detail is ECONNREFUSED; under jest's module realm it shows as `TypeError: fetch failed`.)
  expect(tried.lastError).toMatch(/fetch failed|ECONNREFUSED/);
  for (const correlationUid of correlationUids) {
    const description = await platform.temporal.workflow.getHandle(correlationUid).describe();
    expect({ correlationUid, status: description.status.name }).toEqual({ correlationUid, status: 'COMPLETED' });
  }
  // Nothing of the organisation is open but its one delivery workflow.
  const delivery = platform.temporal.workflow.getHandle(organisationNotificationsWorkflowId(organisationId));
  expect((await delivery.describe()).status.name).toBe('RUNNING');
  const queued = await platform.db.prisma.notification.findMany({ where: { organisationId }, select: { id: true, state: true } });
  expect(queued.map((n) => n.state)).toEqual(['PENDING', 'PENDING', 'PENDING']);

  // The receiver comes back on the same address.
  const received: string[] = [];
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { notificationId: string }).notificationId);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(port, '127.0.0.1', resolve));
  try {
    for (const correlationUid of correlationUids) {
      const view = await waitForRequest(client, correlationUid, { timeoutMs: 120_000, until: (v) => v.notification?.state === 'DELIVERED' });
      expect(view.notification?.lastError).toBeNull();
    }
    // The queue drained, the delivery workflow ended, and each notification arrived once.
    await delivery.result();
    expect([...received].sort()).toEqual(correlationUids.map((uid) => `request-finished:${uid}`).sort());
  } finally {
    await new Promise<void>((resolve) => {
      receiver.close(() => resolve());
      receiver.closeAllConnections();
    });
  }
});
