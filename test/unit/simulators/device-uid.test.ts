import { simulatedDeviceUid } from '../../../simulators/oslp/fleet';

test('simulated device uids differ per identification, whatever its number, and stay the same for one identification', () => {
  expect(simulatedDeviceUid('K-000001').equals(simulatedDeviceUid('SIM-000001'))).toBe(false);
  expect(simulatedDeviceUid('SIM-000001').equals(simulatedDeviceUid('SIM-000001'))).toBe(true);
  expect(simulatedDeviceUid('SIM-000001')).toHaveLength(12);
  // The manufacturer id stays in the first two bytes, as on a real device.
  expect(simulatedDeviceUid('SIM-000001').readUInt16BE(0)).toBe(0x5349);
});
