/**
 * core.addDevices: many devices in one call, a result per row, rows already there with the same key
 * reported rather than failed, one request for the rate limit, and refusals naming the field.
 */
import { newOslpDeviceBody } from '../support/devices';
import { startTestPlatform, type TestPlatform } from '../support/platform';

jest.setTimeout(180_000);

const run = Date.now().toString(36);
let platform: TestPlatform;

beforeAll(async () => {
  // A burst of 2: were a bulk call counted per row, the third call below would be refused.
  platform = await startTestPlatform({ workers: false, rateLimit: { perSecond: 1, burst: 2 } });
});

afterAll(async () => {
  await platform?.stop();
});

test('adds 10,000 devices in one call, reports rows already present, and counts as one request', async () => {
  const client = platform.client(await platform.createOrganisation(`bulk-${run}`));
  const devices = Array.from({ length: 10_000 }, (_, i) => newOslpDeviceBody(`BULK-${run}-${String(i).padStart(5, '0')}`));

  const first = await client.core.addDevices({ body: { devices } });
  expect(first.status).toBe(200);
  if (first.status !== 200) return;
  expect(first.body).toMatchObject({ added: 10_000, existing: 0, refused: 0 });
  expect(first.body.results[9_999]).toEqual({ deviceIdentification: devices[9_999].deviceIdentification, result: 'ADDED' });
  const owned = await platform.db.prisma.deviceAuthorization.count({
    where: { functionGroup: 'OWNER', device: { identification: { startsWith: `BULK-${run}-` } } },
  });
  expect(owned).toBe(10_000);

  // Again with the same keys, a changed key, a uid taken by another device and one new device.
  const fresh = newOslpDeviceBody(`BULK-${run}-new`);
  const again = await client.core.addDevices({
    body: {
      devices: [
        devices[0],
        { ...devices[1], publicKey: newOslpDeviceBody('x').publicKey },
        { ...newOslpDeviceBody(`BULK-${run}-thief`), deviceUid: devices[2].deviceUid },
        fresh,
      ],
    },
  });
  expect(again.status).toBe(200);
  if (again.status !== 200) return;
  expect(again.body).toMatchObject({ added: 1, existing: 1, refused: 2 });
  expect(again.body.results.map((r) => [r.deviceIdentification, r.result, r.code])).toEqual([
    [devices[0].deviceIdentification, 'EXISTS', undefined],
    [devices[1].deviceIdentification, 'REFUSED', 'DEVICE_EXISTS'],
    [`BULK-${run}-thief`, 'REFUSED', 'DEVICE_UID_TAKEN'],
    [fresh.deviceIdentification, 'ADDED', undefined],
  ]);
});

test('refuses an unreadable key naming the row, and an empty list', async () => {
  const client = platform.client(await platform.createOrganisation(`bulk-bad-${run}`));
  const bad = await client.core.addDevices({
    body: { devices: [newOslpDeviceBody(`BAD-${run}-1`), { ...newOslpDeviceBody(`BAD-${run}-2`), publicKey: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' }] },
  });
  expect(bad.status).toBe(400);
  expect(bad.body).toMatchObject({ issues: [{ field: 'body.devices.1.publicKey' }] });
  const empty = await client.core.addDevices({ body: { devices: [] } });
  expect(empty.status).toBe(400);
  expect(empty.body).toMatchObject({ issues: [{ field: 'body.devices' }] });
  expect(await platform.db.prisma.device.count({ where: { identification: { startsWith: `BAD-${run}-` } } })).toBe(0);
});

test('updateDevices changes the devices the caller may update and refuses the others, each by name', async () => {
  const city = platform.client(await platform.createOrganisation(`bulk-city-${run}`));
  const other = platform.client(await platform.createOrganisation(`bulk-other-${run}`));
  const mine = [newOslpDeviceBody(`UPD-${run}-1`), newOslpDeviceBody(`UPD-${run}-2`)];
  const theirs = newOslpDeviceBody(`UPD-${run}-theirs`);
  expect((await city.core.addDevices({ body: { devices: mine } })).status).toBe(200);
  expect((await other.core.addDevices({ body: { devices: [theirs] } })).status).toBe(200);

  const changed = await city.core.updateDevices({
    body: {
      devices: [
        { deviceIdentification: mine[0].deviceIdentification, alias: 'corner', latitude: 52.1, longitude: 5.1 },
        { deviceIdentification: mine[1].deviceIdentification, activated: false },
        { deviceIdentification: theirs.deviceIdentification, alias: 'not mine' },
        { deviceIdentification: `UPD-${run}-unknown`, alias: 'nobody' },
      ],
    },
  });
  expect(changed.status).toBe(200);
  if (changed.status !== 200) return;
  expect(changed.body).toMatchObject({ updated: 2, refused: 2 });
  expect(changed.body.results.map((r) => [r.result, r.code])).toEqual([
    ['UPDATED', undefined],
    ['UPDATED', undefined],
    ['REFUSED', expect.any(String)],
    ['REFUSED', 'DEVICE_NOT_FOUND'],
  ]);
  const rows = await platform.db.prisma.device.findMany({
    where: { identification: { startsWith: `UPD-${run}-` } },
    select: { identification: true, alias: true, latitude: true, activated: true },
    orderBy: { identification: 'asc' },
  });
  expect(rows).toEqual([
    { identification: mine[0].deviceIdentification, alias: 'corner', latitude: 52.1, activated: true },
    { identification: mine[1].deviceIdentification, alias: null, latitude: null, activated: false },
    { identification: theirs.deviceIdentification, alias: null, latitude: null, activated: true },
  ]);

  // (Asked by the other organisation: the city has used its burst of 2.)
  const unknownField = await other.core.updateDevices({ body: { devices: [{ deviceIdentification: mine[0].deviceIdentification, colour: 'red' } as never] } });
  expect(unknownField.status).toBe(400);
});
