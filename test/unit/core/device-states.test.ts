import { deviceStateOf, type LatestDeviceResult } from '../../../core/devices/device-states';

const at = new Date('2026-12-05T05:00:00Z');
const result = (fields: Partial<LatestDeviceResult>): LatestDeviceResult => ({
  deviceIdentification: 'D-1',
  result: 'OK',
  errorCode: null,
  data: null,
  finishedAt: at,
  ...fields,
});

describe('deviceStateOf', () => {
  test('a device nobody has heard of is UNKNOWN', () => {
    expect(deviceStateOf({ inMaintenance: false }, undefined)).toEqual({ state: 'UNKNOWN', since: null, lightValues: null, errorCode: null });
  });

  test('maintenance wins over everything the device said', () => {
    const on = result({ data: { kind: 'setLight', lightValues: [{ index: 0, on: true }] } });
    expect(deviceStateOf({ inMaintenance: true }, on).state).toBe('IN_MAINTENANCE');
  });

  test('a setLight that switched any light on is ON; all off is OFF', () => {
    const on = deviceStateOf({ inMaintenance: false }, result({ data: { kind: 'setLight', lightValues: [{ index: 1, on: false }, { index: 2, on: true, dimValue: 70 }] } }));
    expect(on).toEqual({ state: 'ON', since: at.toISOString(), lightValues: [{ index: 1, on: false }, { index: 2, on: true, dimValue: 70 }], errorCode: null });
    expect(deviceStateOf({ inMaintenance: false }, result({ data: { kind: 'setLight', lightValues: [{ index: 0, on: false }] } })).state).toBe('OFF');
  });

  test('a getStatus reads the lights from the status it carries', () => {
    const status = { kind: 'getStatus', status: { lightValues: [{ index: 1, on: true, dimValue: 40 }] } };
    expect(deviceStateOf({ inMaintenance: false }, result({ data: status })).state).toBe('ON');
  });

  test('status monitoring marking a device lost wins over its last result, from the time it was marked', () => {
    const lostAt = new Date('2026-12-05T06:00:00Z');
    const on = result({ data: { kind: 'setLight', lightValues: [{ index: 0, on: true }] } });
    expect(deviceStateOf({ inMaintenance: false, communicationState: 'COMMUNICATION_LOST', communicationStateChangedAt: lostAt }, on)).toEqual({
      state: 'COMMUNICATION_LOST',
      since: lostAt.toISOString(),
      lightValues: null,
      errorCode: null,
    });
    expect(deviceStateOf({ inMaintenance: false, communicationState: 'OK' }, on).state).toBe('ON');
    expect(deviceStateOf({ inMaintenance: true, communicationState: 'COMMUNICATION_LOST' }, on).state).toBe('IN_MAINTENANCE');
  });

  test('a device that could not be reached is COMMUNICATION_LOST; another failure is FAILED', () => {
    expect(deviceStateOf({ inMaintenance: false }, result({ result: 'NOT_OK', errorCode: 'CONNECT_FAILED' }))).toMatchObject({
      state: 'COMMUNICATION_LOST',
      errorCode: 'CONNECT_FAILED',
    });
    expect(deviceStateOf({ inMaintenance: false }, result({ result: 'NOT_OK', errorCode: 'DEVICE_REJECTED' })).state).toBe('FAILED');
  });

  test('an OK result without light values (a setLight recorded before they were kept) says nothing', () => {
    expect(deviceStateOf({ inMaintenance: false }, result({ data: { kind: 'setLight' } })).state).toBe('UNKNOWN');
  });
});
