// The one where-builder behind core.findDevices and FILTER device groups.
import { deviceFilterWhere, escapeLike, groupDevicesWhere } from '../../../core/devices/device-filter';

const viewer = { organisationId: 'org-1', isAdmin: false };

test('an organisation sees the devices it holds a right on; ADMIN sees every device', () => {
  expect(deviceFilterWhere({}, viewer)).toEqual({ authorizations: { some: { organisationId: 'org-1' } } });
  expect(deviceFilterWhere({}, { organisationId: 'admin', isAdmin: true })).toEqual({});
});

test('every filter field becomes its condition; a location box leaves out devices without a location', () => {
  expect(
    deviceFilterWhere(
      {
        deviceIdentificationPrefix: 'SL_1%',
        protocol: 'OSLP',
        ownerIdentification: 'city',
        activated: false,
        inMaintenance: false,
        lifecycleStatus: 'IN_USE',
        minLat: 52,
        maxLon: 5.5,
      },
      { organisationId: 'admin', isAdmin: true },
    ),
  ).toEqual({
    identification: { startsWith: 'SL\\_1\\%' },
    protocol: 'OSLP',
    owner: { identification: 'city' },
    activated: false,
    inMaintenance: false,
    lifecycleStatus: 'IN_USE',
    latitude: { gte: 52, not: null },
    longitude: { lte: 5.5, not: null },
  });
});

test('LIKE wildcards and the escape character are escaped', () => {
  expect(escapeLike('a_b%c\\d')).toBe('a\\_b\\%c\\\\d');
});

test('a STATIC group is its members; a FILTER group is what its filter matches for the viewer', () => {
  expect(groupDevicesWhere({ id: 'g1', kind: 'STATIC', filter: null }, viewer)).toEqual({ groupMemberships: { some: { groupId: 'g1' } } });
  expect(groupDevicesWhere({ id: 'g2', kind: 'FILTER', filter: { protocol: 'OSLP' } }, viewer)).toEqual({
    authorizations: { some: { organisationId: 'org-1' } },
    protocol: 'OSLP',
  });
});
