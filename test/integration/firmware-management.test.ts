/**
 * Firmware management end to end (OSGP's CoreFirmwareManagement): the catalogue through the API, an upload
 * checked and stored once, updateFirmware to simulated OSLP devices that download the image over HTTP with a
 * token of their own, getFirmwareVersion and the history, switchFirmware back, and the refusals (other model,
 * maintenance, unknown firmware or model, bad uploads, wrong or expired download tokens).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { OslpSimulatorFleet } from '../../simulators/oslp/fleet';
import { addFleetToPlatform } from '../../simulators/oslp/provision';
import { createDownloadToken } from '../../core/firmware/tokens';
import { DirectoryFirmwareStore } from '../../core/firmware/store';
import { startFleetFor, startTestPlatform, type TestPlatform } from '../support/platform';
import { waitForRequest } from '../support/requests';

jest.setTimeout(180_000);

const run = Date.now().toString(36);
const manufacturer = `MF${run}`;
let platform: TestPlatform;
let fleet: OslpSimulatorFleet;
let admin: ReturnType<TestPlatform['client']>;
let city: ReturnType<TestPlatform['client']>;
let cityKey: string;

const image = Buffer.from(`SIMULATED FIRMWARE R02 ${run}\n`.repeat(200));
const sha = createHash('sha256').update(image).digest('hex');
const id = (n: number) => fleet.devices[n].identification;

beforeAll(async () => {
  platform = await startTestPlatform({ firmwareMaxSizeBytes: 64 * 1024 });
  fleet = await startFleetFor(platform, { count: 4, identificationPrefix: `FW-${run}-`, firmwareRestartMs: 100 });
  admin = platform.client(platform.adminKey);
  cityKey = await platform.createOrganisation(`fw-city-${run}`);
  city = platform.client(cityKey);
  expect(await addFleetToPlatform(city, fleet, { networkAddress: '127.0.0.1' })).toBe(4);
});

afterAll(async () => {
  await fleet?.close();
  await platform?.stop();
});

test('the catalogue: manufacturers, device models and firmwares, ADMIN only', async () => {
  expect((await admin.core.addManufacturer({ body: { code: manufacturer, name: 'Simulated Lights' } })).status).toBe(201);
  expect((await admin.core.addManufacturer({ body: { code: manufacturer, name: 'again' } })).status).toBe(409);
  expect((await admin.core.changeManufacturer({ params: { manufacturer }, body: { name: 'Simulated Lights BV', usePrefix: true } })).body).toEqual({
    code: manufacturer,
    name: 'Simulated Lights BV',
    usePrefix: true,
  });
  for (const modelCode of ['SSLD-A', 'SSLD-B']) {
    expect((await admin.core.addDeviceModel({ body: { manufacturer, modelCode, description: modelCode } })).status).toBe(201);
  }
  const unknownManufacturer = await admin.core.addDeviceModel({ body: { manufacturer: `NO${run}`, modelCode: 'X' } });
  expect(unknownManufacturer.status).toBe(404);
  expect(JSON.stringify(unknownManufacturer.body)).toContain(`NO${run}`);
  const models = await admin.core.findAllDeviceModels({ query: { manufacturer } });
  expect(models.status === 200 && models.body.deviceModels.map((m) => m.modelCode)).toEqual(['SSLD-A', 'SSLD-B']);
  const unknownModel = await admin.core.findDeviceModel({ params: { manufacturer, modelCode: 'SSLD-Z' } });
  expect(unknownModel.status).toBe(404);
  expect(JSON.stringify(unknownModel.body)).toContain('SSLD-Z');

  // Not an ADMIN organisation: no catalogue.
  expect((await city.core.addManufacturer({ body: { code: `C${run}`, name: 'x' } })).status).toBe(403);
  expect((await city.core.findAllFirmwares({ query: {} })).status).toBe(403);
});

test('uploads: SHA-256 recorded, expected hash checked, empty and oversize refused, an image stored once', async () => {
  const file = image.toString('base64');
  const added = await admin.core.addFirmware({
    body: { identification: `R02-${run}`, version: 'R02', filename: 'r02.bin', deviceModels: [{ manufacturer, modelCode: 'SSLD-A' }], file, sha256: sha },
  });
  expect(added.status).toBe(201);
  if (added.status !== 201) return;
  expect(added.body).toMatchObject({ sha256: sha, sizeBytes: image.length, version: 'R02', active: true, deviceModels: [{ manufacturer, modelCode: 'SSLD-A' }] });

  // The same image under another identification: a second firmware, one stored image.
  const again = await admin.core.addFirmware({
    body: { identification: `R02-copy-${run}`, version: 'R02', deviceModels: [{ manufacturer, modelCode: 'SSLD-B' }], file },
  });
  expect(again.status).toBe(201);
  const store = platform.firmware.store as DirectoryFirmwareStore;
  expect(fs.readdirSync(store.directory).filter((f) => f === sha)).toHaveLength(1);

  const mismatch = await admin.core.addFirmware({
    body: { identification: `BAD-${run}`, version: 'R09', deviceModels: [{ manufacturer, modelCode: 'SSLD-A' }], file, sha256: '0'.repeat(64) },
  });
  expect(mismatch.status).toBe(400);
  expect(JSON.stringify(mismatch.body)).toContain('body.sha256');
  const empty = await admin.core.addFirmware({ body: { identification: `EMPTY-${run}`, version: 'R09', deviceModels: [{ manufacturer, modelCode: 'SSLD-A' }], file: '' } });
  expect(empty.status).toBe(400);
  expect(JSON.stringify(empty.body)).toContain('body.file');
  const large = await admin.core.addFirmware({
    body: { identification: `LARGE-${run}`, version: 'R09', deviceModels: [{ manufacturer, modelCode: 'SSLD-A' }], file: Buffer.alloc(64 * 1024 + 1, 7).toString('base64') },
  });
  expect(large.status).toBe(400);
  expect(JSON.stringify(large.body)).toContain('body.file');
  const unknownModel = await admin.core.addFirmware({
    body: { identification: `NOMODEL-${run}`, version: 'R09', deviceModels: [{ manufacturer, modelCode: 'SSLD-Z' }], file },
  });
  expect(unknownModel.status).toBe(404);
  expect(JSON.stringify(unknownModel.body)).toContain('SSLD-Z');

  const listed = await admin.core.findAllFirmwares({ query: { manufacturer, modelCode: 'SSLD-B' } });
  expect(listed.status === 200 && listed.body.firmwares.map((f) => f.identification)).toEqual([`R02-copy-${run}`]);
  const paged = await admin.core.findAllFirmwares({ query: { manufacturer, limit: 1 } });
  expect(paged.status === 200 && paged.body.nextCursor).toBeTruthy();
  const missing = await admin.core.findFirmware({ params: { firmwareIdentification: `NONE-${run}` } });
  expect(missing.status).toBe(404);
  expect(JSON.stringify(missing.body)).toContain(`NONE-${run}`);

  // Removing one of two firmwares with the image keeps the image; changeFirmware keeps it too.
  expect((await admin.core.removeFirmware({ params: { firmwareIdentification: `R02-copy-${run}` } })).status).toBe(204);
  expect(await store.has(sha)).toBe(true);
  const changed = await admin.core.changeFirmware({ params: { firmwareIdentification: `R02-${run}` }, body: { description: 'field release' } });
  expect(changed.status === 200 && changed.body.description).toBe('field release');
});

test('updateFirmware: refused for another model, maintenance and unknown firmware; devices download, install and report', async () => {
  for (const [n, modelCode] of [[0, 'SSLD-A'], [1, 'SSLD-A'], [2, 'SSLD-B'], [3, 'SSLD-A']] as const) {
    expect((await city.core.setDeviceModel({ params: { deviceIdentification: id(n) }, body: { deviceModel: { manufacturer, modelCode } } })).status).toBe(204);
  }
  const firmwareIdentification = `R02-${run}`;

  // Before: the devices report R01, kept in their history.
  const before = await city.core.getFirmwareVersion({ body: { deviceIdentifications: [id(0), id(1)] } });
  expect(before.status).toBe(202);
  if (before.status !== 202) return;
  expect((await waitForRequest(city, before.body.correlationUid)).state).toBe('OK');

  const otherModel = await city.core.updateFirmware({ body: { deviceIdentifications: [id(0), id(2)], firmwareIdentification } });
  expect(otherModel.status).toBe(400);
  expect(JSON.stringify(otherModel.body)).toContain(id(2));
  const unknown = await city.core.updateFirmware({ body: { deviceIdentifications: [id(0)], firmwareIdentification: `NONE-${run}` } });
  expect(unknown.status).toBe(404);
  expect(JSON.stringify(unknown.body)).toContain(`NONE-${run}`);
  expect((await city.core.setMaintenanceStatus({ params: { deviceIdentification: id(3) }, body: { inMaintenance: true } })).status).toBe(200);
  const maintenance = await city.core.updateFirmware({ body: { deviceIdentifications: [id(3)], firmwareIdentification } });
  expect(maintenance.status).toBe(403);
  expect(JSON.stringify(maintenance.body)).toContain(id(3));
  // Refused requests sent nothing.
  expect(fleet.devices.every((d) => d.receivedCount('updateFirmwareRequest') === 0)).toBe(true);

  const update = await city.core.updateFirmware({ body: { deviceIdentifications: [id(0), id(1)], firmwareIdentification } });
  expect(update.status).toBe(202);
  if (update.status !== 202) return;
  expect((await waitForRequest(city, update.body.correlationUid)).state).toBe('OK');
  await Promise.all([fleet.devices[0].firmwareInstallation, fleet.devices[1].firmwareInstallation]);
  for (const n of [0, 1]) {
    expect(fleet.devices[n].state.firmwareDownloads.map((d) => d.outcome)).toEqual(['installed']);
    expect(fleet.devices[n].state.firmwareVersion).toBe('R02');
  }

  // After its restart each device reports R02; the history has both versions, newest first, paged.
  // (a device still restarting drops the first attempt; the request's retries reach it)
  const after = await city.core.getFirmwareVersion({ body: { deviceIdentifications: [id(0), id(1)] } });
  if (after.status !== 202) throw new Error(`getFirmwareVersion answered ${after.status}`);
  expect((await waitForRequest(city, after.body.correlationUid)).state).toBe('OK');
  const history = await city.core.getDeviceFirmwareHistory({ params: { deviceIdentification: id(0) }, query: {} });
  expect(history.status).toBe(200);
  if (history.status !== 200) return;
  expect(history.body.deviceModel).toEqual({ manufacturer, modelCode: 'SSLD-A' });
  expect(history.body.entries.map((e) => [e.version, e.source])).toEqual([
    ['R02', 'GET_FIRMWARE_VERSION'],
    ['R01', 'GET_FIRMWARE_VERSION'],
  ]);
  expect(history.body.entries[0].firmwareIdentification).toBe(firmwareIdentification);
  const firstPage = await city.core.getDeviceFirmwareHistory({ params: { deviceIdentification: id(0) }, query: { limit: 1 } });
  if (firstPage.status !== 200 || !firstPage.body.nextCursor) throw new Error('expected a second page');
  const secondPage = await city.core.getDeviceFirmwareHistory({ params: { deviceIdentification: id(0) }, query: { limit: 1, after: firstPage.body.nextCursor } });
  expect(secondPage.status === 200 && secondPage.body.entries.map((e) => e.version)).toEqual(['R01']);

  // switchFirmware back to the version the device holds.
  const switched = await city.core.switchFirmware({ body: { deviceIdentifications: [id(0)], version: 'R01' } });
  if (switched.status !== 202) throw new Error(`switchFirmware answered ${switched.status}`);
  expect((await waitForRequest(city, switched.body.correlationUid)).state).toBe('OK');
  expect(fleet.devices[0].state.firmwareVersion).toBe('R01');
  const unknownVersion = await city.core.switchFirmware({ body: { deviceIdentifications: [id(0)], version: 'R77' } });
  if (unknownVersion.status !== 202) throw new Error(`switchFirmware answered ${unknownVersion.status}`);
  expect((await waitForRequest(city, unknownVersion.body.correlationUid)).state).toBe('NOT_OK');

  // saveCurrentDeviceFirmware records what an operator installed.
  const saved = await city.core.saveCurrentDeviceFirmware({
    params: { deviceIdentification: id(1) },
    body: { firmwareIdentification, installedBy: 'field engineer' },
  });
  expect(saved.status).toBe(204);
  const history1 = await city.core.getDeviceFirmwareHistory({ params: { deviceIdentification: id(1) }, query: {} });
  expect(history1.status === 200 && history1.body.entries[0]).toMatchObject({ version: 'R02', source: 'SAVE_CURRENT_DEVICE_FIRMWARE', installedBy: 'field engineer' });
});

test('downloads: a wrong, foreign or expired token is refused with 403', async () => {
  const firmware = await admin.core.findFirmware({ params: { firmwareIdentification: `R02-${run}` } });
  if (firmware.status !== 200) throw new Error('firmware missing');
  const firmwareId = firmware.body.id;
  const secret = platform.firmware.tokenSecret;
  const url = (token: string) => `${platform.baseUrl}/firmware/${firmwareId}/${token}`;

  const good = await fetch(url(createDownloadToken(secret, { deviceIdentification: id(0), firmwareId, expiresAtMs: Date.now() + 60_000 })));
  expect(good.status).toBe(200);
  expect(good.headers.get('x-osgp-firmware-sha256')).toBe(sha);
  expect(Buffer.from(await good.arrayBuffer()).equals(image)).toBe(true);

  const expired = await fetch(url(createDownloadToken(secret, { deviceIdentification: id(0), firmwareId, expiresAtMs: Date.now() - 1_000 })));
  expect(expired.status).toBe(403);
  // A token for another firmware does not open this one.
  const foreign = await fetch(url(createDownloadToken(secret, { deviceIdentification: id(0), firmwareId: '00000000-0000-0000-0000-000000000000', expiresAtMs: Date.now() + 60_000 })));
  expect(foreign.status).toBe(403);
  const forged = await fetch(url(createDownloadToken(Buffer.alloc(32, 1), { deviceIdentification: id(0), firmwareId, expiresAtMs: Date.now() + 60_000 })));
  expect(forged.status).toBe(403);
  expect((await fetch(url('garbage'))).status).toBe(403);
});

test('/openapi.json serves every CoreFirmwareManagement operation', async () => {
  const document = (await (await fetch(`${platform.baseUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId?: string }>> };
  const operationIds = new Set(Object.values(document.paths).flatMap((methods) => Object.values(methods).map((op) => op.operationId)));
  for (const operation of [
    'addManufacturer', 'changeManufacturer', 'removeManufacturer', 'findAllManufacturers', 'findManufacturer',
    'addDeviceModel', 'changeDeviceModel', 'removeDeviceModel', 'findDeviceModel', 'findAllDeviceModels',
    'addFirmware', 'changeFirmware', 'addOrChangeFirmware', 'removeFirmware', 'findFirmware', 'findAllFirmwares',
    'updateFirmware', 'switchFirmware', 'getFirmwareVersion', 'saveCurrentDeviceFirmware', 'getDeviceFirmwareHistory',
    'startFirmwareRollout', 'pauseFirmwareRollout', 'resumeFirmwareRollout', 'abortFirmwareRollout', 'getFirmwareRollout',
  ]) {
    expect(operationIds).toContain(`core.${operation}`);
  }
});
