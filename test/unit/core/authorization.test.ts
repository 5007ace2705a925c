// Walks the whole function-group table through the authorization gate, against a real (embedded) database:
// for every device function group and every device function, an organisation holding only that group is
// allowed exactly what the table says, and the refusal names the device and the function.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Database } from '../../../db/client';
import { migrateToLatest } from '../../../db/migrate';
import { deviceFunctions, deviceFunctionsByGroup, groupAllows, type DeviceFunctionGroup } from '../../../core/authorization/device-functions';
import { authorizeDevices } from '../../../core/authorization/device-gate';
import type { AuthenticatedOrganisation } from '../../../core/organisations';
import { DomainError } from '../../../core/errors';

jest.setTimeout(60_000);

const groups = ['OWNER', ...Object.keys(deviceFunctionsByGroup)] as DeviceFunctionGroup[];
let dir: string;
let db: Database;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'osgp-authz-'));
  db = await openDatabase({ embeddedDir: path.join(dir, 'pglite') });
  await migrateToLatest(db);
});

afterAll(async () => {
  await db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function organisationHolding(group: DeviceFunctionGroup, device: { id: string }): Promise<AuthenticatedOrganisation> {
  const organisation = await db.prisma.organisation.create({ data: { identification: `org-${group}`, name: group } });
  await db.prisma.deviceAuthorization.create({
    data: { deviceId: device.id, organisationId: organisation.id, functionGroup: group },
  });
  return { id: organisation.id, identification: organisation.identification, platformFunctionGroup: 'USER', enabled: true };
}

test('every group allows exactly its functions on a device, through the database-backed gate', async () => {
  const device = await db.prisma.device.create({ data: { identification: 'LAMP-1', protocol: 'OSLP' } });
  const outcomes: string[] = [];
  for (const group of groups) {
    const organisation = await organisationHolding(group, device);
    for (const fn of deviceFunctions) {
      const expected = group === 'OWNER' || deviceFunctionsByGroup[group as Exclude<DeviceFunctionGroup, 'OWNER'>].includes(fn);
      expect(groupAllows(group, fn)).toBe(expected);
      const outcome = await authorizeDevices(db.prisma, organisation, ['LAMP-1'], fn).then(
        () => 'allowed',
        (error: DomainError) => {
          expect(error).toBeInstanceOf(DomainError);
          expect(error.kind).toBe('FORBIDDEN');
          expect(error.message).toContain('LAMP-1');
          expect(error.message).toContain(fn);
          return 'refused';
        },
      );
      expect(outcome).toBe(expected ? 'allowed' : 'refused');
      outcomes.push(outcome);
    }
  }
  expect(outcomes).toHaveLength(groups.length * deviceFunctions.length);
});

test('changing keys, owners and authorisations is the owner’s alone', () => {
  for (const group of groups.filter((g) => g !== 'OWNER')) {
    expect(groupAllows(group, 'UPDATE_AUTHORISATIONS')).toBe(false);
    expect(groupAllows(group, 'UPDATE_KEY')).toBe(false);
    expect(groupAllows(group, 'REPLACE_KEYS')).toBe(false);
  }
});

test('every function but the owner-only ones is granted by some group besides OWNER', () => {
  const granted = new Set(Object.values(deviceFunctionsByGroup).flat());
  const ownerOnly = deviceFunctions.filter((fn) => !granted.has(fn));
  // OSGP gives these to OWNER alone (its device_function_mapping); an ADMIN organisation may do everything.
  expect(ownerOnly.sort()).toEqual([
    'FIND_SCHEDULED_TASKS',
    'REPLACE_KEYS',
    'SET_COMMUNICATION_NETWORK_INFORMATION',
    'UPDATE_AUTHORISATIONS',
    'UPDATE_DEVICE_CDMA_SETTINGS',
    'UPDATE_KEY',
  ]);
});

test('a disabled organisation, an inactive device and a device in maintenance are refused with their reason', async () => {
  const device = await db.prisma.device.create({ data: { identification: 'LAMP-2', protocol: 'OSLP' } });
  const owner = await db.prisma.organisation.create({ data: { identification: 'owner-2', name: 'owner' } });
  await db.prisma.deviceAuthorization.create({ data: { deviceId: device.id, organisationId: owner.id, functionGroup: 'OWNER' } });
  const caller: AuthenticatedOrganisation = { id: owner.id, identification: 'owner-2', platformFunctionGroup: 'USER', enabled: true };
  const codeOf = (promise: Promise<unknown>) => promise.then(() => 'allowed', (error: DomainError) => error.code);

  expect(await codeOf(authorizeDevices(db.prisma, { ...caller, enabled: false }, ['LAMP-2'], 'SET_LIGHT'))).toBe('ORGANISATION_DISABLED');
  await db.prisma.device.update({ where: { id: device.id }, data: { inMaintenance: true } });
  expect(await codeOf(authorizeDevices(db.prisma, caller, ['LAMP-2'], 'SET_LIGHT'))).toBe('DEVICE_IN_MAINTENANCE');
  // Management of the device itself stays possible while it is in maintenance.
  expect(await codeOf(authorizeDevices(db.prisma, caller, ['LAMP-2'], 'SET_MAINTENANCE_STATUS', { operational: false }))).toBe('allowed');
  await db.prisma.device.update({ where: { id: device.id }, data: { inMaintenance: false, activated: false } });
  expect(await codeOf(authorizeDevices(db.prisma, caller, ['LAMP-2'], 'SET_LIGHT'))).toBe('DEVICE_NOT_ACTIVE');
  expect(await codeOf(authorizeDevices(db.prisma, caller, ['NO-SUCH'], 'SET_LIGHT'))).toBe('DEVICE_NOT_FOUND');
});
