// What the API's contracts must agree on with the layers below them. The contracts import nothing of those
// layers (the typed client is built from the contracts alone), so the agreement is checked here: at compile
// time by tsc, and by the assertions below.
import type { z } from 'zod';
import type { OslpEvent } from '../../../adapters/oslp/messages';
import type { DeviceFilter } from '../../../core/devices/device-filter';
import { deviceEventTypes, platformEventTypes } from '../../../api/contracts/core-events';
import { communicationStates } from '../../../api/contracts/core';
import { communicationEventTypes, communicationStates as coreCommunicationStates } from '../../../core/monitoring/communication';
import { deviceFilter } from '../../../api/contracts/device-groups';

type SameFields<A, B> = [Required<A>] extends [Required<B>] ? ([Required<B>] extends [Required<A>] ? true : false) : false;

test('the filter of FILTER groups has exactly the fields of the core device filter', () => {
  // A field added on one side only fails the type check here.
  const filterFieldsAgree: SameFields<z.infer<typeof deviceFilter>, DeviceFilter> = true;
  expect(filterFieldsAgree).toBe(true);
  const everyField: Required<DeviceFilter> = {
    deviceIdentificationPrefix: 'SL-',
    protocol: 'OSLP',
    ownerIdentification: 'city',
    activated: true,
    inMaintenance: false,
    lifecycleStatus: 'IN_USE',
    communicationState: 'COMMUNICATION_LOST',
    minLat: 50,
    maxLat: 53,
    minLon: 3,
    maxLon: 7,
  };
  expect(deviceFilter.parse(everyField)).toEqual(everyField);
});

test('core.findEvents lists every OSLP event, once', () => {
  // A new event in adapters/oslp/messages.ts, or a name that is not one, fails the type check here.
  const listed: readonly OslpEvent[] = deviceEventTypes;
  type UnlistedEvent = Exclude<OslpEvent, (typeof deviceEventTypes)[number]>;
  const everyEventListed: [UnlistedEvent] extends [never] ? true : UnlistedEvent = true;
  expect(everyEventListed).toBe(true);
  expect(new Set(listed).size).toBe(listed.length);
});

test('status monitoring: the contracts name the communication states and events the core records', () => {
  expect([...communicationStates]).toEqual([...coreCommunicationStates]);
  expect([...platformEventTypes].sort()).toEqual(Object.values(communicationEventTypes).sort());
});
