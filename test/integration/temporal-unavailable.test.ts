/**
 * The API with Temporal down (issue 10, defect 6): /health reports it and new requests are refused with 503
 * within the API's own bound, instead of waiting on Temporal. The real dev server sits behind a TCP proxy
 * that can play a server that never answers (where an unbounded call waits forever) or one that is gone.
 */
import type { AddressInfo } from 'node:net';
import type http from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { newOslpDeviceBody } from '../support/devices';
import { issueApiKey } from '../../api/api-keys';
import { createRequestService } from '../../core/requests/start-request';
import { createApp } from '../../api/server';
import { apiTemporalConnectionOptions } from '../../api/temporal-connection';
import { createLogger } from '../../common/logger';
import { openDatabase, type Database } from '../../db/client';
import { platformClient, type PlatformClient } from '../../simulators/oslp/provision';
import { requireTestServers } from '../support/platform';
import { startTcpProxy, type ProxyMode, type TcpProxy } from '../support/tcp-proxy';

jest.setTimeout(60_000);

const run = Date.now().toString(36);
const deviceIdentification = `TEMPORAL-DOWN-${run}`;
let db: Database;
let proxy: TcpProxy;
let connection: Connection;
let server: http.Server;
let baseUrl: string;
let client: PlatformClient;

beforeAll(async () => {
  const { databaseUrl, temporalAddress, namespace } = requireTestServers();
  const [host, port] = temporalAddress.split(':');
  proxy = await startTcpProxy({ host, port: Number(port) });
  db = await openDatabase({ url: databaseUrl, embeddedDir: '' });
  connection = await Connection.connect(apiTemporalConnectionOptions(proxy.address, 1_000));
  const temporal = new Client({ connection, namespace });
  const logger = createLogger({ component: 'temporal-unavailable-test' }, 'error');
  const requests = createRequestService({
    prisma: db.prisma,
    temporal,
    logger,
    deviceRequestOptions: { attemptTimeoutMs: 5_000, maxAttempts: 1, maxConcurrency: 10 },
  });
  const app = createApp({ prisma: db.prisma, temporal, requests, logger }, { healthProbeTimeoutMs: 1_000 });
  server = await new Promise<http.Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const organisation = await db.prisma.organisation.create({ data: { identification: `down-${run}`, name: 'down' } });
  client = platformClient(baseUrl, await issueApiKey(db.prisma, organisation.id, 'test'));
  const added = await client.core.addDevice({
    body: newOslpDeviceBody(deviceIdentification),
  });
  expect(added.status).toBe(201);
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await connection?.close();
  await proxy?.close();
  await db?.close();
});

async function health(): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${baseUrl}/health`);
  return { status: response.status, body: await response.json() };
}

test('with Temporal reachable, /health is 200', async () => {
  expect(await health()).toEqual({ status: 200, body: { status: 'ok', database: 'ok', temporal: 'ok' } });
});

// 'silent' is the case that used to hang: without a deadline a call to a server that never answers waits forever.
describe.each<ProxyMode>(['silent', 'refuse'])('with a Temporal that is %s', (mode) => {
  beforeAll(() => proxy.setMode(mode));
  afterAll(() => proxy.setMode('forward'));

  test('/health answers 503 naming Temporal', async () => {
    expect(await health()).toEqual({ status: 503, body: { status: 'degraded', database: 'ok', temporal: 'unavailable' } });
  });

  test('a new request answers 503 TEMPORAL_UNAVAILABLE', async () => {
    const refused = await client.publicLighting.setLight({
      body: { deviceIdentifications: [deviceIdentification], lightValues: [{ index: 0, on: true, dimValue: 50 }] },
    });
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ error: 'TEMPORAL_UNAVAILABLE' });
  });
});

test('once Temporal is back, /health is 200 again', async () => {
  // The client reconnects with its own backoff; health reports what it finds at each call.
  for (;;) {
    const answer = await health();
    if (answer.status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
});
