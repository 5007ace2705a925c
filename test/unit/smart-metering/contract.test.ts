// Input validation of the smart metering contract: what is refused, and that the refusal names the field.
import { platformContract } from '../../../api/contract';

const addDevice = platformContract.smartMetering.addDevice.body;
const bundle = platformContract.smartMetering.bundle.body;
const periodic = platformContract.smartMetering.getPeriodicMeterReads.body;
const specific = platformContract.smartMetering.getSpecificAttributeValue.body;

function fieldsOf(result: { success: boolean; error?: { issues: Array<{ path: Array<string | number> }> } }): string[] {
  return (result.error?.issues ?? []).map((issue) => issue.path.join('.'));
}

describe('smartMetering.addDevice body', () => {
  const hls = {
    deviceIdentification: 'E-1',
    networkAddress: '10.0.0.7',
    authentication: 'HIGH_GMAC',
    authenticationKey: '000102030405060708090A0B0C0D0E0F',
    blockCipherKey: '000102030405060708090a0b0c0d0e0f',
  };

  test('accepts an HLS meter and defaults the wrapper on port 4059 and logical device 1', () => {
    const result = addDevice.safeParse(hls);
    expect(result.success && [result.data.transport, result.data.port, result.data.serverAddress]).toEqual(['WRAPPER', 4059, 1]);
  });

  test.each([
    ['HLS without an authentication key', 'authenticationKey', { ...hls, authenticationKey: undefined }],
    ['a block cipher key of 15 bytes', 'blockCipherKey', { ...hls, blockCipherKey: '00'.repeat(15) }],
    ['a key that is not hex', 'authenticationKey', { ...hls, authenticationKey: 'zz'.repeat(16) }],
    ['LLS without a password', 'password', { deviceIdentification: 'E-2', networkAddress: '10.0.0.7', authentication: 'LOW' }],
    ['a password without LLS', 'password', { ...hls, password: 'secret' }],
    ['keys without HLS', 'blockCipherKey', { deviceIdentification: 'E-3', networkAddress: '10.0.0.7', authentication: 'NONE', blockCipherKey: '00'.repeat(16) }],
    ['a system title of 7 bytes', 'clientSystemTitle', { ...hls, clientSystemTitle: '00'.repeat(7) }],
    ['an unknown transport', 'transport', { ...hls, transport: 'GPRS' }],
    ['no network address', 'networkAddress', { ...hls, networkAddress: undefined }],
    ['a master key of 8 bytes', 'masterKey', { ...hls, masterKey: '00'.repeat(8) }],
    ['a master key without HLS', 'masterKey', { deviceIdentification: 'E-4', networkAddress: '10.0.0.7', authentication: 'NONE', masterKey: '00'.repeat(16) }],
  ])('refuses %s, naming %s', (_case, field, body) => {
    expect(fieldsOf(addDevice.safeParse(body))).toContain(field);
  });
});

describe('smartMetering.replaceKeys body', () => {
  const replaceKeys = platformContract.smartMetering.replaceKeys.body;
  const body = { deviceIdentification: 'E-1', authenticationKey: 'A0'.repeat(16), blockCipherKey: 'B0'.repeat(16) };

  test('accepts one meter with two new 16-byte keys', () => {
    expect(replaceKeys.safeParse(body).success).toBe(true);
  });

  test.each([
    ['no authentication key', 'authenticationKey', { ...body, authenticationKey: undefined }],
    ['a block cipher key of 15 bytes', 'blockCipherKey', { ...body, blockCipherKey: '00'.repeat(15) }],
    ['the same key twice', 'blockCipherKey', { ...body, blockCipherKey: 'a0'.repeat(16) }],
    ['no meter', 'deviceIdentification', { ...body, deviceIdentification: undefined }],
  ])('refuses %s, naming %s', (_case, field, input) => {
    expect(fieldsOf(replaceKeys.safeParse(input))).toContain(field);
  });
});

describe('meter operations', () => {
  test('a periodic read needs a range that ends after it starts', () => {
    const body = { deviceIdentifications: ['E-1'], periodType: 'DAILY', from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' };
    expect(fieldsOf(periodic.safeParse(body))).toContain('to');
    expect(fieldsOf(periodic.safeParse({ ...body, periodType: 'HOURLY', to: '2026-03-01T00:00:00Z' }))).toContain('periodType');
  });

  test('an interval read may span a month, a daily read a bit over a year (the answer must fit a workflow payload)', () => {
    const body = { deviceIdentifications: ['E-1'], periodType: 'INTERVAL', from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' };
    expect(periodic.safeParse(body).success).toBe(true);
    expect(fieldsOf(periodic.safeParse({ ...body, to: '2026-02-01T00:15:00Z' }))).toContain('to');
    expect(periodic.safeParse({ ...body, periodType: 'DAILY', to: '2027-01-01T00:00:00Z' }).success).toBe(true);
    const tooLong = { action: 'getPeriodicMeterReads', periodType: 'INTERVAL', from: '2026-01-01T00:00:00Z', to: '2026-06-01T00:00:00Z' };
    expect(fieldsOf(bundle.safeParse({ deviceIdentifications: ['E-1'], actions: [tooLong] }))).toContain('actions.0.to');
  });

  test.each([
    ['an OBIS code with five parts', 'obisCode', { obisCode: '1.0.1.8.0' }],
    ['an OBIS code part above 255', 'obisCode', { obisCode: '1.0.1.8.0.256' }],
    ['attribute 0', 'attribute', { attribute: 0 }],
  ])('getSpecificAttributeValue refuses %s', (_case, field, change) => {
    const body = { deviceIdentifications: ['E-1'], classId: 3, obisCode: '1.0.1.8.0.255', attribute: 2, ...change };
    expect(fieldsOf(specific.safeParse(body))).toContain(field);
  });

  test('a bundle names the action at fault: an unknown action, a range in the wrong order, no actions', () => {
    const ok = { action: 'readAlarmRegister' };
    expect(bundle.safeParse({ deviceIdentifications: ['E-1'], actions: [ok, { action: 'getActualMeterReads' }] }).success).toBe(true);
    expect(fieldsOf(bundle.safeParse({ deviceIdentifications: ['E-1'], actions: [ok, { action: 'reboot' }] }))).toContain('actions.1.action');
    const backwards = { action: 'findEvents', eventLogCategory: 'STANDARD', from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' };
    expect(fieldsOf(bundle.safeParse({ deviceIdentifications: ['E-1'], actions: [ok, backwards] }))).toContain('actions.1.to');
    expect(fieldsOf(bundle.safeParse({ deviceIdentifications: ['E-1'], actions: [] }))).toContain('actions');
  });
});
