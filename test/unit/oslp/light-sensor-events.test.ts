// A light measurement device speaks OSLP 0.6.1, which has no light sensor event: it reports DIAG_EVENTS_GENERAL
// with OSGP's event type as description. Only from a device known as an LMD does that become a light sensor
// report; the platform turns dark into DAY_NIGHT and light into NIGHT_DAY.
import { platformEventType } from '../../../adapters/oslp/inbound';
import { transitionFor } from '../../../workflows/public-lighting/light-measurement-transition';

test('an LMD general event with a light sensor description is a light sensor report', () => {
  expect(platformEventType('LMD', { event: 'DIAG_EVENTS_GENERAL', description: 'LIGHT_SENSOR_REPORTS_DARK' })).toBe('LIGHT_SENSOR_REPORTS_DARK');
  expect(platformEventType('LMD', { event: 'DIAG_EVENTS_GENERAL', description: ' LIGHT_SENSOR_REPORTS_LIGHT ' })).toBe('LIGHT_SENSOR_REPORTS_LIGHT');
});

test('other events, or the same event from a light, keep their OSLP name', () => {
  expect(platformEventType('SSLD', { event: 'DIAG_EVENTS_GENERAL', description: 'LIGHT_SENSOR_REPORTS_DARK' })).toBe('DIAG_EVENTS_GENERAL');
  expect(platformEventType('LMD', { event: 'DIAG_EVENTS_GENERAL', description: 'battery low' })).toBe('DIAG_EVENTS_GENERAL');
  expect(platformEventType('LMD', { event: 'LIGHT_EVENTS_LIGHT_ON', description: 'LIGHT_SENSOR_REPORTS_DARK' })).toBe('LIGHT_EVENTS_LIGHT_ON');
});

test('dark means DAY_NIGHT, light means NIGHT_DAY', () => {
  expect(transitionFor('LIGHT_SENSOR_REPORTS_DARK')).toBe('DAY_NIGHT');
  expect(transitionFor('LIGHT_SENSOR_REPORTS_LIGHT')).toBe('NIGHT_DAY');
});
