/**
 * The Admin domain against the real platform: for every operation its success, a 400 naming the field, 403
 * for a USER organisation where it is ADMIN-only (and for a disabled organisation), 404 on unknown ids and
 * 401 without a key; plus what removing organisations and devices leaves behind, device keys and API keys.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { generateKeyPair, publicKeyToPem } from '../../adapters/oslp/envelope';
import { adminContract } from '../../api/contracts/admin';
import { findOrganisationByApiKey } from '../../api/api-keys';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { waitForRequest } from '../support/requests';

jest.setTimeout(60_000);

type Client = ReturnType<TestPlatform['client']>;

const run = Date.now().toString(36);
let platform: TestPlatform;
let admin: Client;
let adminIdentification: string;
/** A USER organisation that owns devices of its own. */
const cityId = `adm-city-${run}`;
let city: Client;
/** Another USER organisation, without rights on city's devices. */
const otherId = `adm-other-${run}`;
let other: Client;

let deviceNumber = 0;
const newDeviceIdentification = () => `ADM-${run}-${String(++deviceNumber).padStart(3, '0')}`;
const p256Pem = () => publicKeyToPem(generateKeyPair().publicKey);

async function addDevice(client: Client): Promise<string> {
  const deviceIdentification = newDeviceIdentification();
  const added = await client.core.addDevice({
    body: {
      deviceIdentification,
      protocol: 'OSLP',
      deviceUid: randomBytes(12).toString('base64'),
      publicKey: p256Pem(),
      networkAddress: '127.0.0.1',
      port: 1,
      activated: true,
    },
  });
  if (added.status !== 201) throw new Error(`addDevice answered ${added.status}: ${JSON.stringify(added.body)}`);
  return deviceIdentification;
}

async function newOrganisation(name: string, group: 'ADMIN' | 'USER' = 'USER'): Promise<{ id: string; client: Client; key: string }> {
  const id = `adm-${name}-${run}`;
  const key = await platform.createOrganisation(id, group);
  return { id, key, client: platform.client(key) };
}

const organisationRow = (identification: string) =>
  platform.db.prisma.organisation.findUniqueOrThrow({ where: { identification } });

/** The field a 400 names first. */
function fieldOf(body: unknown): string | undefined {
  return (body as { issues?: Array<{ field: string }> }).issues?.[0]?.field;
}

function errorOf(body: unknown): string | undefined {
  return (body as { error?: string }).error;
}

beforeAll(async () => {
  platform = await startTestPlatform();
  admin = platform.client(platform.adminKey);
  adminIdentification = (await findOrganisationByApiKey(platform.db.prisma, platform.adminKey))!.identification;
  city = platform.client(await platform.createOrganisation(cityId));
  other = platform.client(await platform.createOrganisation(otherId));
});

afterAll(async () => {
  await platform?.stop();
});

describe('authentication', () => {
  const routes = Object.entries(adminContract).map(([name, route]) => [name, route.method, route.path.replace(/:\w+/g, 'x')]);

  test.each(routes)('%s (%s %s) answers 401 without a key', async (_name, method, path) => {
    const response = await fetch(`${platform.baseUrl}${path}`, { method });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'UNAUTHENTICATED' });
  });

  test('an unknown key is answered 401', async () => {
    const stranger = platform.client(`osgp_${'0'.repeat(16)}_${'A'.repeat(43)}`);
    expect((await stranger.admin.findApiKeys({ query: {} })).status).toBe(401);
  });
});

describe('createOrganisation', () => {
  test('creates an organisation whose first key works, once', async () => {
    const id = `adm-new-${run}`;
    const created = await admin.admin.createOrganisation({ body: { organisationIdentification: id, name: 'New' } });
    expect(created.status).toBe(201);
    if (created.status !== 201) return;
    expect(created.body.organisation).toMatchObject({ organisationIdentification: id, platformFunctionGroup: 'USER', enabled: true });
    const keys = await platform.client(created.body.apiKey).admin.findApiKeys({ query: {} });
    expect(keys.status).toBe(200);
    const again = await admin.admin.createOrganisation({ body: { organisationIdentification: id, name: 'Again' } });
    expect(again.status).toBe(409);
  });

  test('400 names the field; 403 for a USER organisation', async () => {
    const invalid = await admin.admin.createOrganisation({ body: { organisationIdentification: 'a b', name: 'x' } });
    expect(invalid.status).toBe(400);
    expect(fieldOf(invalid.body)).toBe('body.organisationIdentification');
    const refused = await city.admin.createOrganisation({ body: { organisationIdentification: `adm-x-${run}`, name: 'x' } });
    expect(refused.status).toBe(403);
  });
});

describe('findAllOrganisations and findOrganisation', () => {
  const prefix = `adm-page-${run}-`;

  beforeAll(async () => {
    for (const letter of ['a', 'b', 'c']) await platform.createOrganisation(`${prefix}${letter}`);
  });

  test('pages by identification with a cursor', async () => {
    const first = await admin.admin.findAllOrganisations({ query: { limit: 2, after: prefix } });
    if (first.status !== 200) throw new Error(`answered ${first.status}`);
    expect(first.body.organisations.map((o) => o.organisationIdentification)).toEqual([`${prefix}a`, `${prefix}b`]);
    expect(first.body.nextCursor).toBe(`${prefix}b`);
    const second = await admin.admin.findAllOrganisations({ query: { limit: 2, after: first.body.nextCursor! } });
    if (second.status !== 200) throw new Error(`answered ${second.status}`);
    expect(second.body.organisations[0].organisationIdentification).toBe(`${prefix}c`);
  });

  test('the last page has no cursor', async () => {
    const all = await admin.admin.findAllOrganisations({ query: { limit: 1000 } });
    if (all.status !== 200) throw new Error(`answered ${all.status}`);
    const ids = all.body.organisations.map((o) => o.organisationIdentification);
    expect(ids).toEqual(expect.arrayContaining([cityId, otherId, `${prefix}a`]));
    expect(all.body.nextCursor).toBeNull();
  });

  test('findOrganisation reads one; 404 for an unknown one', async () => {
    const found = await admin.admin.findOrganisation({ params: { organisationIdentification: cityId } });
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ organisationIdentification: cityId, platformFunctionGroup: 'USER', enabled: true });
    const unknown = await admin.admin.findOrganisation({ params: { organisationIdentification: `adm-nobody-${run}` } });
    expect(unknown.status).toBe(404);
    expect(errorOf(unknown.body)).toBe('ORGANISATION_NOT_FOUND');
  });

  test('400 names the field; 403 for a USER organisation', async () => {
    const badLimit = await admin.admin.findAllOrganisations({ query: { limit: 0 } });
    expect(badLimit.status).toBe(400);
    expect(fieldOf(badLimit.body)).toBe('query.limit');
    const badId = await admin.admin.findOrganisation({ params: { organisationIdentification: 'bad!id' } });
    expect(badId.status).toBe(400);
    expect(fieldOf(badId.body)).toBe('path.organisationIdentification');
    expect((await city.admin.findAllOrganisations({ query: {} })).status).toBe(403);
    expect((await city.admin.findOrganisation({ params: { organisationIdentification: cityId } })).status).toBe(403);
  });
});

describe('changeOrganisation', () => {
  test('changes the name and the platform function group', async () => {
    const { id } = await newOrganisation('change');
    const changed = await admin.admin.changeOrganisation({
      params: { organisationIdentification: id },
      body: { name: 'Changed', platformFunctionGroup: 'ADMIN' },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ organisationIdentification: id, name: 'Changed', platformFunctionGroup: 'ADMIN' });
    expect((await organisationRow(id)).platformFunctionGroup).toBe('ADMIN');
  });

  test('400 names the field, 404 unknown, 403 for a USER organisation, 409 for an ADMIN demoting itself', async () => {
    const invalid = await admin.admin.changeOrganisation({
      params: { organisationIdentification: cityId },
      body: { name: '', platformFunctionGroup: 'USER' },
    });
    expect(invalid.status).toBe(400);
    expect(fieldOf(invalid.body)).toBe('body.name');
    const unknown = await admin.admin.changeOrganisation({
      params: { organisationIdentification: `adm-nobody-${run}` },
      body: { name: 'x', platformFunctionGroup: 'USER' },
    });
    expect(unknown.status).toBe(404);
    const refused = await city.admin.changeOrganisation({
      params: { organisationIdentification: cityId },
      body: { name: 'x', platformFunctionGroup: 'ADMIN' },
    });
    expect(refused.status).toBe(403);
    const demoteSelf = await admin.admin.changeOrganisation({
      params: { organisationIdentification: adminIdentification },
      body: { name: 'x', platformFunctionGroup: 'USER' },
    });
    expect(demoteSelf.status).toBe(409);
    expect((await organisationRow(adminIdentification)).platformFunctionGroup).toBe('ADMIN');
  });
});

describe('activateOrganisation', () => {
  test('a disabled organisation gets 403 ORGANISATION_DISABLED on everything; enabled again it works', async () => {
    const { id, client } = await newOrganisation('disabled');
    const device = await addDevice(client);
    const disabled = await admin.admin.activateOrganisation({ params: { organisationIdentification: id }, body: { enabled: false } });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ organisationIdentification: id, enabled: false });

    const answers = await Promise.all([
      client.admin.findApiKeys({ query: {} }),
      client.admin.createApiKey({ body: { label: 'x' } }),
      client.admin.findDeviceAuthorisations({ params: { deviceIdentification: device } }),
      client.admin.findMessageLogs({ query: { deviceIdentification: device } }),
      client.admin.updateKey({ params: { deviceIdentification: device }, body: { publicKey: p256Pem() } }),
      client.publicLighting.setLight({ body: { deviceIdentifications: [device], lightValues: [{ index: 0, on: true }] } }),
    ]);
    for (const answer of answers) {
      expect(answer.status).toBe(403);
      expect(errorOf(answer.body)).toBe('ORGANISATION_DISABLED');
    }

    const enabled = await admin.admin.activateOrganisation({ params: { organisationIdentification: id }, body: { enabled: true } });
    expect(enabled.body).toMatchObject({ enabled: true });
    expect((await client.admin.findApiKeys({ query: {} })).status).toBe(200);
  });

  test('a disabled ADMIN organisation is refused admin operations', async () => {
    const { id, client } = await newOrganisation('disabled-admin', 'ADMIN');
    await admin.admin.activateOrganisation({ params: { organisationIdentification: id }, body: { enabled: false } });
    const refused = await client.admin.findAllOrganisations({ query: {} });
    expect(refused.status).toBe(403);
    expect(errorOf(refused.body)).toBe('ORGANISATION_DISABLED');
    expect((await client.admin.getProtocolInfos()).status).toBe(403);
  });

  test('400 names the field, 404 unknown, 403 for a USER organisation, 409 for disabling itself', async () => {
    const invalid = await fetch(`${platform.baseUrl}/v1/admin/organisations/${cityId}/activation`, {
      method: 'POST',
      headers: { authorization: `Bearer ${platform.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: 'yes' }),
    });
    expect(invalid.status).toBe(400);
    expect(fieldOf(await invalid.json())).toBe('body.enabled');
    const unknown = await admin.admin.activateOrganisation({
      params: { organisationIdentification: `adm-nobody-${run}` },
      body: { enabled: true },
    });
    expect(unknown.status).toBe(404);
    expect((await city.admin.activateOrganisation({ params: { organisationIdentification: otherId }, body: { enabled: false } })).status).toBe(403);
    const self = await admin.admin.activateOrganisation({
      params: { organisationIdentification: adminIdentification },
      body: { enabled: false },
    });
    expect(self.status).toBe(409);
  });
});

describe('removeOrganisation', () => {
  test('is refused while the organisation owns devices; deleted once it owns none', async () => {
    const { id, client, key } = await newOrganisation('remove');
    const device = await addDevice(client);
    const refused = await admin.admin.removeOrganisation({ params: { organisationIdentification: id } });
    expect(refused.status).toBe(409);
    expect(errorOf(refused.body)).toBe('ORGANISATION_OWNS_DEVICES');
    expect(JSON.stringify(refused.body)).toContain('1 device');
    expect((await organisationRow(id)).enabled).toBe(true);

    expect((await admin.admin.setOwner({ params: { deviceIdentification: device }, body: { organisationIdentification: cityId } })).status).toBe(200);
    const removed = await admin.admin.removeOrganisation({ params: { organisationIdentification: id } });
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ organisationIdentification: id, outcome: 'DELETED' });
    expect((await admin.admin.findOrganisation({ params: { organisationIdentification: id } })).status).toBe(404);
    expect(await platform.db.prisma.apiKey.count({ where: { organisation: { identification: id } } })).toBe(0);
    expect((await platform.client(key).admin.findApiKeys({ query: {} })).status).toBe(401);
  });

  test('an organisation that made requests is retired: kept disabled, keys revoked, authorisations removed', async () => {
    const { id, key } = await newOrganisation('retire');
    const row = await organisationRow(id);
    const device = await addDevice(city);
    await city.admin.updateDeviceAuthorisations({
      body: { authorisations: [{ deviceIdentification: device, organisationIdentification: id, functionGroup: 'AD_HOC', revoke: false }] },
    });
    await platform.db.prisma.requestRecord.create({
      data: { correlationUid: `${id}-request`, organisationId: row.id, domain: 'publicLighting', operation: 'setLight', deviceCount: 1 },
    });

    const removed = await admin.admin.removeOrganisation({ params: { organisationIdentification: id } });
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ outcome: 'RETIRED' });
    const found = await admin.admin.findOrganisation({ params: { organisationIdentification: id } });
    expect(found.body).toMatchObject({ organisationIdentification: id, enabled: false });
    expect((await platform.client(key).admin.findApiKeys({ query: {} })).status).toBe(401);
    expect(await platform.db.prisma.deviceAuthorization.count({ where: { organisationId: row.id } })).toBe(0);
    expect(await platform.db.prisma.requestRecord.count({ where: { correlationUid: `${id}-request` } })).toBe(1);
  });

  test('400 names the field, 404 unknown, 403 for a USER organisation, 409 for removing itself', async () => {
    const invalid = await admin.admin.removeOrganisation({ params: { organisationIdentification: 'bad!id' } });
    expect(invalid.status).toBe(400);
    expect(fieldOf(invalid.body)).toBe('path.organisationIdentification');
    expect((await admin.admin.removeOrganisation({ params: { organisationIdentification: `adm-nobody-${run}` } })).status).toBe(404);
    expect((await city.admin.removeOrganisation({ params: { organisationIdentification: otherId } })).status).toBe(403);
    expect((await admin.admin.removeOrganisation({ params: { organisationIdentification: adminIdentification } })).status).toBe(409);
  });
});

describe('setOwner and findDevicesWhichHaveNoOwner', () => {
  test('setOwner moves the OWNER authorisation to the new owner', async () => {
    const device = await addDevice(city);
    const set = await admin.admin.setOwner({ params: { deviceIdentification: device }, body: { organisationIdentification: otherId } });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ deviceIdentification: device, ownerIdentification: otherId });
    const authorisations = await admin.admin.findDeviceAuthorisations({ params: { deviceIdentification: device } });
    if (authorisations.status !== 200) throw new Error(`answered ${authorisations.status}`);
    expect(authorisations.body.authorisations.map((a) => [a.organisationIdentification, a.functionGroup])).toEqual([[otherId, 'OWNER']]);
    // The previous owner has no rights left; the new one has.
    expect((await city.admin.findDeviceAuthorisations({ params: { deviceIdentification: device } })).status).toBe(403);
    expect((await other.admin.findDeviceAuthorisations({ params: { deviceIdentification: device } })).status).toBe(200);
  });

  test('setOwner: 400 names the field, 404 unknown device or organisation, 403 for a USER organisation', async () => {
    const device = await addDevice(city);
    const invalid = await admin.admin.setOwner({ params: { deviceIdentification: device }, body: { organisationIdentification: '' } });
    expect(invalid.status).toBe(400);
    expect(fieldOf(invalid.body)).toBe('body.organisationIdentification');
    const noDevice = await admin.admin.setOwner({ params: { deviceIdentification: `ADM-${run}-none` }, body: { organisationIdentification: cityId } });
    expect(noDevice.status).toBe(404);
    expect(errorOf(noDevice.body)).toBe('DEVICE_NOT_FOUND');
    const noOrganisation = await admin.admin.setOwner({
      params: { deviceIdentification: device },
      body: { organisationIdentification: `adm-nobody-${run}` },
    });
    expect(noOrganisation.status).toBe(404);
    expect(errorOf(noOrganisation.body)).toBe('ORGANISATION_NOT_FOUND');
    // Not even the owner may give its device away: that is the ADMIN's.
    expect((await city.admin.setOwner({ params: { deviceIdentification: device }, body: { organisationIdentification: otherId } })).status).toBe(403);
  });

  test('findDevicesWhichHaveNoOwner pages through devices without an owner, which setOwner then owns', async () => {
    const [first, second] = [await addDevice(city), await addDevice(city)];
    await platform.db.prisma.device.updateMany({ where: { identification: { in: [first, second] } }, data: { ownerId: null } });
    await platform.db.prisma.deviceAuthorization.deleteMany({ where: { device: { identification: { in: [first, second] } } } });

    const page1 = await admin.admin.findDevicesWhichHaveNoOwner({ query: { limit: 1, after: `ADM-${run}-` } });
    if (page1.status !== 200) throw new Error(`answered ${page1.status}`);
    expect(page1.body.devices.map((d) => [d.deviceIdentification, d.ownerIdentification])).toEqual([[first, null]]);
    expect(page1.body.nextCursor).toBe(first);
    const page2 = await admin.admin.findDevicesWhichHaveNoOwner({ query: { limit: 1, after: page1.body.nextCursor! } });
    if (page2.status !== 200) throw new Error(`answered ${page2.status}`);
    expect(page2.body.devices[0].deviceIdentification).toBe(second);

    await admin.admin.setOwner({ params: { deviceIdentification: first }, body: { organisationIdentification: cityId } });
    const after = await admin.admin.findDevicesWhichHaveNoOwner({ query: { limit: 1000, after: `ADM-${run}-` } });
    if (after.status !== 200) throw new Error(`answered ${after.status}`);
    const ids = after.body.devices.map((d) => d.deviceIdentification);
    expect(ids).toContain(second);
    expect(ids).not.toContain(first);
  });

  test('findDevicesWhichHaveNoOwner: 400 names the field, 403 for a USER organisation', async () => {
    const invalid = await admin.admin.findDevicesWhichHaveNoOwner({ query: { limit: 1001 } });
    expect(invalid.status).toBe(400);
    expect(fieldOf(invalid.body)).toBe('query.limit');
    expect((await city.admin.findDevicesWhichHaveNoOwner({ query: {} })).status).toBe(403);
  });
});

describe('removeDevice', () => {
  test('removes the device and its authorisations; the results of its requests stay', async () => {
    const device = await addDevice(city);
    const cityRow = await organisationRow(cityId);
    await platform.db.prisma.requestRecord.create({
      data: {
        correlationUid: `${device}-request`,
        organisationId: cityRow.id,
        domain: 'publicLighting',
        operation: 'setLight',
        deviceCount: 1,
        state: 'OK',
        deviceResults: { create: { deviceIdentification: device, result: 'OK', attempts: 1 } },
      },
    });
    const removed = await admin.admin.removeDevice({ params: { deviceIdentification: device } });
    expect(removed.status).toBe(204);
    expect(await platform.db.prisma.device.count({ where: { identification: device } })).toBe(0);
    expect(await platform.db.prisma.deviceAuthorization.count({ where: { device: { identification: device } } })).toBe(0);
    const request = await city.requests.getRequest({ params: { correlationUid: `${device}-request` }, query: {} });
    expect(request.status).toBe(200);
    expect(request.body).toMatchObject({ devices: [{ deviceIdentification: device, result: 'OK' }] });

    expect((await admin.admin.removeDevice({ params: { deviceIdentification: device } })).status).toBe(404);
  });

  test('400 names the field, 403 for a USER organisation (even the owner)', async () => {
    const device = await addDevice(city);
    const invalid = await admin.admin.removeDevice({ params: { deviceIdentification: 'bad!id' } });
    expect(invalid.status).toBe(400);
    expect(fieldOf(invalid.body)).toBe('path.deviceIdentification');
    expect((await city.admin.removeDevice({ params: { deviceIdentification: device } })).status).toBe(403);
  });
});

describe('findDeviceAuthorisations and updateDeviceAuthorisations', () => {
  test('the owner grants and revokes; the owner and ADMIN read the authorisations', async () => {
    const device = await addDevice(city);
    const grant = await city.admin.updateDeviceAuthorisations({
      body: { authorisations: [{ deviceIdentification: device, organisationIdentification: otherId, functionGroup: 'MONITORING', revoke: false }] },
    });
    expect(grant).toMatchObject({ status: 200, body: { updated: 1 } });
    for (const reader of [city, admin]) {
      const found = await reader.admin.findDeviceAuthorisations({ params: { deviceIdentification: device } });
      if (found.status !== 200) throw new Error(`answered ${found.status}`);
      expect(found.body.authorisations.map((a) => [a.organisationIdentification, a.functionGroup])).toEqual([
        [cityId, 'OWNER'],
        [otherId, 'MONITORING'],
      ]);
    }
    // MONITORING does not allow reading or changing the authorisations.
    expect((await other.admin.findDeviceAuthorisations({ params: { deviceIdentification: device } })).status).toBe(403);
    await city.admin.updateDeviceAuthorisations({
      body: { authorisations: [{ deviceIdentification: device, organisationIdentification: otherId, functionGroup: 'MONITORING', revoke: true }] },
    });
    const after = await city.admin.findDeviceAuthorisations({ params: { deviceIdentification: device } });
    expect(after.body).toMatchObject({ authorisations: [{ organisationIdentification: cityId, functionGroup: 'OWNER' }] });
  });

  test('OWNER is not granted here (400 naming the field); 403 for a non-owner; 404 unknown device or organisation', async () => {
    const device = await addDevice(city);
    const owner = await fetch(`${platform.baseUrl}/v1/admin/device-authorisations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${platform.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ authorisations: [{ deviceIdentification: device, organisationIdentification: otherId, functionGroup: 'OWNER' }] }),
    });
    expect(owner.status).toBe(400);
    expect(fieldOf(await owner.json())).toBe('body.authorisations.0.functionGroup');
    const grant = (deviceIdentification: string, organisationIdentification: string) => ({
      body: { authorisations: [{ deviceIdentification, organisationIdentification, functionGroup: 'AD_HOC' as const, revoke: false }] },
    });
    expect((await other.admin.updateDeviceAuthorisations(grant(device, otherId))).status).toBe(403);
    expect((await city.admin.updateDeviceAuthorisations(grant(`ADM-${run}-none`, otherId))).status).toBe(404);
    expect((await city.admin.updateDeviceAuthorisations(grant(device, `adm-nobody-${run}`))).status).toBe(404);
    const unknown = await admin.admin.findDeviceAuthorisations({ params: { deviceIdentification: `ADM-${run}-none` } });
    expect(unknown.status).toBe(404);
    const invalid = await admin.admin.findDeviceAuthorisations({ params: { deviceIdentification: 'bad!id' } });
    expect(invalid.status).toBe(400);
    expect(fieldOf(invalid.body)).toBe('path.deviceIdentification');
  });
});

describe('updateKey and revokeKey', () => {
  test('the owner sets a new P-256 key', async () => {
    const device = await addDevice(city);
    const pem = p256Pem();
    const updated = await city.admin.updateKey({ params: { deviceIdentification: device }, body: { publicKey: pem } });
    expect(updated.status).toBe(204);
    expect((await platform.db.prisma.device.findUniqueOrThrow({ where: { identification: device } })).publicKey).toBe(pem);
    expect((await admin.admin.updateKey({ params: { deviceIdentification: device }, body: { publicKey: p256Pem() } })).status).toBe(204);
  });

  test('updateKey: 400 for a key that is not PEM or not P-256, 403 for a non-owner, 404 unknown', async () => {
    const device = await addDevice(city);
    const notPem = await city.admin.updateKey({ params: { deviceIdentification: device }, body: { publicKey: 'abc' } });
    expect(notPem.status).toBe(400);
    expect(fieldOf(notPem.body)).toBe('body.publicKey');
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const wrongCurve = await city.admin.updateKey({ params: { deviceIdentification: device }, body: { publicKey: p384 } });
    expect(wrongCurve.status).toBe(400);
    expect(fieldOf(wrongCurve.body)).toBe('body.publicKey');
    expect((await other.admin.updateKey({ params: { deviceIdentification: device }, body: { publicKey: p256Pem() } })).status).toBe(403);
    expect((await city.admin.updateKey({ params: { deviceIdentification: `ADM-${run}-none` }, body: { publicKey: p256Pem() } })).status).toBe(404);
  });

  test('revokeKey clears the key, and the adapter then refuses the device without trying', async () => {
    const device = await addDevice(city);
    const revoked = await city.admin.revokeKey({ params: { deviceIdentification: device } });
    expect(revoked.status).toBe(204);
    expect((await platform.db.prisma.device.findUniqueOrThrow({ where: { identification: device } })).publicKey).toBeNull();
    const accepted = await city.publicLighting.setLight({ body: { deviceIdentifications: [device], lightValues: [{ index: 0, on: true }] } });
    if (accepted.status !== 202) throw new Error(`setLight answered ${accepted.status}`);
    const view = await waitForRequest(city, accepted.body.correlationUid);
    expect(view.devices[0]).toMatchObject({ result: 'NOT_OK', errorCode: 'DEVICE_NOT_REACHABLE_CONFIG', attempts: 1 });
  });

  test('revokeKey: 400 names the field, 403 for a non-owner, 404 unknown', async () => {
    const device = await addDevice(city);
    const invalid = await city.admin.revokeKey({ params: { deviceIdentification: 'bad!id' } });
    expect(invalid.status).toBe(400);
    expect(fieldOf(invalid.body)).toBe('path.deviceIdentification');
    expect((await other.admin.revokeKey({ params: { deviceIdentification: device } })).status).toBe(403);
    expect((await admin.admin.revokeKey({ params: { deviceIdentification: `ADM-${run}-none` } })).status).toBe(404);
  });
});

describe('getProtocolInfos and updateDeviceProtocol', () => {
  test('the platform speaks the protocols of its registry: OSLP 0.6.1 on adapter-oslp, DLMS on adapter-dlms', async () => {
    const infos = await admin.admin.getProtocolInfos();
    expect(infos.status).toBe(200);
    expect(infos.body).toMatchObject({
      protocolInfos: [
        { protocol: 'OSLP', protocolVersion: '0.6.1', taskQueue: 'adapter-oslp' },
        { protocol: 'DLMS', protocolVersion: '6', taskQueue: 'adapter-dlms' },
      ],
    });
    expect((await city.admin.getProtocolInfos()).status).toBe(403);
  });

  test("updateDeviceProtocol sets a known protocol; 400 names the field for one the platform does not speak", async () => {
    const device = await addDevice(city);
    const updated = await admin.admin.updateDeviceProtocol({
      params: { deviceIdentification: device },
      body: { protocol: 'OSLP', protocolVersion: '0.6.1' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ deviceIdentification: device, protocol: 'OSLP' });

    const unknown = await fetch(`${platform.baseUrl}/v1/admin/devices/${device}/protocol`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${platform.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ protocol: 'MODBUS', protocolVersion: '1' }),
    });
    expect(unknown.status).toBe(400);
    expect(fieldOf(await unknown.json())).toBe('body.protocol');
    const dlms = await admin.admin.updateDeviceProtocol({ params: { deviceIdentification: device }, body: { protocol: 'DLMS', protocolVersion: '1' } });
    expect(dlms.status).toBe(400);
    expect(fieldOf(dlms.body)).toBe('body.protocolVersion');
    const version = await admin.admin.updateDeviceProtocol({
      params: { deviceIdentification: device },
      body: { protocol: 'OSLP', protocolVersion: '9.9' },
    });
    expect(version.status).toBe(400);
    expect(fieldOf(version.body)).toBe('body.protocolVersion');
    const missing = await fetch(`${platform.baseUrl}/v1/admin/devices/${device}/protocol`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${platform.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ protocol: 'OSLP' }),
    });
    expect(missing.status).toBe(400);
    expect(fieldOf(await missing.json())).toBe('body.protocolVersion');
  });

  test('updateDeviceProtocol: 404 unknown, 403 for a USER organisation (even the owner)', async () => {
    const device = await addDevice(city);
    const body = { protocol: 'OSLP' as const, protocolVersion: '0.6.1' };
    expect((await admin.admin.updateDeviceProtocol({ params: { deviceIdentification: `ADM-${run}-none` }, body })).status).toBe(404);
    expect((await city.admin.updateDeviceProtocol({ params: { deviceIdentification: device }, body })).status).toBe(403);
  });
});

describe('findMessageLogs', () => {
  const correlationUid = `adm-logs-${run}`;
  let cityDevice: string;
  let otherDevice: string;
  const t0 = new Date('2026-01-01T10:00:00Z');

  beforeAll(async () => {
    cityDevice = await addDevice(city);
    otherDevice = await addDevice(admin);
    await platform.db.prisma.deviceMessageLog.createMany({
      data: [cityDevice, otherDevice, cityDevice, cityDevice].map((deviceIdentification, i) => ({
        deviceIdentification,
        correlationUid,
        direction: i % 2 === 0 ? ('TO_DEVICE' as const) : ('FROM_DEVICE' as const),
        messageType: 'setLightRequest',
        sequenceNumber: i,
        result: 'OK',
        summary: `message ${i}`,
        createdAt: new Date(t0.getTime() + i * 60_000),
      })),
    });
  });

  test('ADMIN reads every log, newest first, paged by id', async () => {
    const page1 = await admin.admin.findMessageLogs({ query: { correlationUid, limit: 3 } });
    if (page1.status !== 200) throw new Error(`answered ${page1.status}`);
    expect(page1.body.messageLogs.map((l) => l.summary)).toEqual(['message 3', 'message 2', 'message 1']);
    expect(page1.body.messageLogs[1]).toMatchObject({ deviceIdentification: cityDevice, direction: 'TO_DEVICE', sequenceNumber: 2 });
    const page2 = await admin.admin.findMessageLogs({ query: { correlationUid, limit: 3, after: page1.body.nextCursor! } });
    if (page2.status !== 200) throw new Error(`answered ${page2.status}`);
    expect(page2.body.messageLogs.map((l) => l.summary)).toEqual(['message 0']);
    expect(page2.body.nextCursor).toBeNull();
  });

  test('filters by time range (from inclusive, to exclusive) and device', async () => {
    const ranged = await admin.admin.findMessageLogs({
      query: { correlationUid, from: new Date(t0.getTime() + 60_000).toISOString(), to: new Date(t0.getTime() + 180_000).toISOString() },
    });
    expect(ranged.body).toMatchObject({ messageLogs: [{ summary: 'message 2' }, { summary: 'message 1' }] });
    const byDevice = await admin.admin.findMessageLogs({ query: { deviceIdentification: otherDevice } });
    expect(byDevice.body).toMatchObject({ messageLogs: [{ summary: 'message 1' }] });
  });

  test('a USER organisation reads the logs of a device it holds FIND_MESSAGE_LOGS on, and needs to name it', async () => {
    const own = await city.admin.findMessageLogs({ query: { deviceIdentification: cityDevice } });
    if (own.status !== 200) throw new Error(`answered ${own.status}`);
    expect(own.body.messageLogs.map((l) => l.summary)).toEqual(['message 3', 'message 2', 'message 0']);

    const unnamed = await city.admin.findMessageLogs({ query: { correlationUid } });
    expect(unnamed.status).toBe(400);
    expect(fieldOf(unnamed.body)).toBe('query.deviceIdentification');
    expect((await city.admin.findMessageLogs({ query: { deviceIdentification: otherDevice } })).status).toBe(403);

    // MANAGEMENT allows FIND_MESSAGE_LOGS.
    await admin.admin.updateDeviceAuthorisations({
      body: { authorisations: [{ deviceIdentification: otherDevice, organisationIdentification: cityId, functionGroup: 'MANAGEMENT', revoke: false }] },
    });
    expect((await city.admin.findMessageLogs({ query: { deviceIdentification: otherDevice } })).status).toBe(200);
  });

  test('400 names the field; 404 for an unknown device of a USER organisation', async () => {
    const badFrom = await admin.admin.findMessageLogs({ query: { from: 'yesterday' } });
    expect(badFrom.status).toBe(400);
    expect(fieldOf(badFrom.body)).toBe('query.from');
    const reversed = await admin.admin.findMessageLogs({ query: { from: t0.toISOString(), to: t0.toISOString() } });
    expect(reversed.status).toBe(400);
    expect(fieldOf(reversed.body)).toBe('query.to');
    const badCursor = await admin.admin.findMessageLogs({ query: { after: 'abc' } });
    expect(fieldOf(badCursor.body)).toBe('query.after');
    expect((await city.admin.findMessageLogs({ query: { deviceIdentification: `ADM-${run}-none` } })).status).toBe(404);
  });
});

describe('API keys', () => {
  test('an organisation creates a key for itself, shown once; the list never shows a secret', async () => {
    const created = await city.admin.createApiKey({ body: { label: 'billing app' } });
    if (created.status !== 201) throw new Error(`answered ${created.status}`);
    expect(created.body).toMatchObject({ label: 'billing app', organisationIdentification: cityId, revokedAt: null, lastUsedAt: null });
    expect(created.body.apiKey).toMatch(new RegExp(`^osgp_${created.body.id}_`));

    const fresh = platform.client(created.body.apiKey);
    const listed = await fresh.admin.findApiKeys({ query: {} });
    if (listed.status !== 200) throw new Error(`answered ${listed.status}`);
    const mine = listed.body.apiKeys.find((k) => k.id === created.body.id);
    expect(mine).toMatchObject({ label: 'billing app', revokedAt: null });
    expect(mine!.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(listed.body)).not.toContain(created.body.apiKey.slice(`osgp_${created.body.id}_`.length));
    expect(Object.keys(mine!).sort()).toEqual(['createdAt', 'id', 'label', 'lastUsedAt', 'organisationIdentification', 'revokedAt']);
  });

  test('ADMIN creates and lists keys of another organisation; a USER organisation may not', async () => {
    const created = await admin.admin.createApiKey({ body: { label: 'for city', organisationIdentification: cityId } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ organisationIdentification: cityId });
    const listed = await admin.admin.findApiKeys({ query: { organisationIdentification: cityId } });
    if (listed.status !== 200) throw new Error(`answered ${listed.status}`);
    expect(listed.body.apiKeys.map((k) => k.label)).toContain('for city');

    expect((await city.admin.createApiKey({ body: { label: 'x', organisationIdentification: otherId } })).status).toBe(403);
    expect((await city.admin.findApiKeys({ query: { organisationIdentification: otherId } })).status).toBe(403);
    expect((await city.admin.findApiKeys({ query: { organisationIdentification: cityId } })).status).toBe(200);
  });

  test('400 names the field; 404 for an unknown organisation', async () => {
    const noLabel = await fetch(`${platform.baseUrl}/v1/admin/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${platform.adminKey}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(noLabel.status).toBe(400);
    expect(fieldOf(await noLabel.json())).toBe('body.label');
    const blank = await city.admin.createApiKey({ body: { label: '   ' } });
    expect(fieldOf(blank.body)).toBe('body.label');
    const badQuery = await admin.admin.findApiKeys({ query: { organisationIdentification: 'bad!id' } });
    expect(badQuery.status).toBe(400);
    expect(fieldOf(badQuery.body)).toBe('query.organisationIdentification');
    expect((await admin.admin.createApiKey({ body: { label: 'x', organisationIdentification: `adm-nobody-${run}` } })).status).toBe(404);
    expect((await admin.admin.findApiKeys({ query: { organisationIdentification: `adm-nobody-${run}` } })).status).toBe(404);
  });

  test('a revoked key gets 401; revoking is for its own organisation or ADMIN', async () => {
    const created = await city.admin.createApiKey({ body: { label: 'to revoke' } });
    if (created.status !== 201) throw new Error(`answered ${created.status}`);
    const revokedKey = platform.client(created.body.apiKey);
    expect((await revokedKey.admin.findApiKeys({ query: {} })).status).toBe(200);

    // Another organisation's key is unknown to a USER organisation.
    const foreign = await other.admin.revokeApiKey({ params: { apiKeyId: created.body.id } });
    expect(foreign.status).toBe(404);

    const revoked = await city.admin.revokeApiKey({ params: { apiKeyId: created.body.id } });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: created.body.id });
    expect((revoked.body as { revokedAt: string | null }).revokedAt).not.toBeNull();
    const answer = await revokedKey.admin.findApiKeys({ query: {} });
    expect(answer.status).toBe(401);

    const byAdmin = await city.admin.createApiKey({ body: { label: 'revoked by admin' } });
    if (byAdmin.status !== 201) throw new Error(`answered ${byAdmin.status}`);
    expect((await admin.admin.revokeApiKey({ params: { apiKeyId: byAdmin.body.id } })).status).toBe(200);
    expect((await platform.client(byAdmin.body.apiKey).core.addDevice({
      body: { deviceIdentification: newDeviceIdentification(), protocol: 'OSLP', deviceUid: randomBytes(12).toString('base64'), publicKey: p256Pem() },
    })).status).toBe(401);
  });

  test('revokeApiKey: 400 names the field, 404 for an unknown key', async () => {
    const invalid = await city.admin.revokeApiKey({ params: { apiKeyId: 'not-a-key' } });
    expect(invalid.status).toBe(400);
    expect(fieldOf(invalid.body)).toBe('path.apiKeyId');
    expect((await admin.admin.revokeApiKey({ params: { apiKeyId: 'f'.repeat(16) } })).status).toBe(404);
  });

  test('lastUsedAt is written at most once a minute per key', async () => {
    const { key } = await newOrganisation('last-used');
    const id = key.split('_')[1];
    const lastUsed = async () => (await platform.db.prisma.apiKey.findUniqueOrThrow({ where: { id } })).lastUsedAt?.getTime();
    const t = Date.now() + 3_600_000;
    await findOrganisationByApiKey(platform.db.prisma, key, new Date(t));
    expect(await lastUsed()).toBe(t);
    await findOrganisationByApiKey(platform.db.prisma, key, new Date(t + 30_000));
    expect(await lastUsed()).toBe(t);
    await findOrganisationByApiKey(platform.db.prisma, key, new Date(t + 61_000));
    expect(await lastUsed()).toBe(t + 61_000);
  });
});
