import path from 'node:path';
import { defaultDeviceListFile } from '../../../simulators/oslp/provision';

test('the simulator writes its device list under the data directory, not into the checkout', () => {
  expect(defaultDeviceListFile({})).toBe(path.join('.data', 'devices.json'));
  expect(defaultDeviceListFile({ OSGP_DATA_DIR: '/var/lib/osgp' })).toBe(path.join('/var/lib/osgp', 'devices.json'));
});
