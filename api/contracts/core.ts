// Core: installing and managing devices (OSGP's Core installation and management web services). The data
// operations answer at once; the device commands answer 202 with a correlationUid, as every device operation.
import { initContract } from '@ts-rest/core';
import { z } from 'zod';
import { eventNotificationTypes } from '../../common/device-commands';
import { protocolsWithDeviceFields } from '../../core/protocols';
import { deviceStates } from '../../common/device-states';
import { reportedConfiguration } from './core-configuration';
import { acceptedRequest, deviceIdentifications, errorResponse, deviceRequestHeaders, identification, protocol, standardErrors, text } from './common';

const c = initContract();

/** findDevices' (and filter groups') prefix of device identifications. */
export const deviceIdentificationPrefix = z
  .string()
  .max(64)
  .regex(/^[A-Za-z0-9_.-]*$/, 'only letters, digits, ".", "_" and "-"');

const base64Uid = z
  .string()
  .regex(/^[A-Za-z0-9+/]{16}$/, 'must be the Base64 of 12 bytes (16 characters)')
  .describe('OSLP device uid: 2-byte manufacturer id + 10-byte device id, Base64');

/** OSGP's device lifecycle, from the warehouse to the end of a device's life (the database enum's values). */
export const deviceLifecycleStatuses = [
  'NEW_IN_INVENTORY',
  'READY_FOR_USE',
  'REGISTERED',
  'REGISTERED_BY_INSTALLER',
  'UNDER_TEST',
  'IN_USE',
  'RETURNED_TO_SUPPLIER',
  'DESTROYED',
] as const;
export const deviceLifecycleStatus = z.enum(deviceLifecycleStatuses);

/** Status monitoring: whether a device answers (core/monitoring/communication.ts; contract-agreements.test.ts keeps both alike). */
export const communicationStates = ['OK', 'COMMUNICATION_LOST'] as const;
export const communicationState = z.enum(communicationStates);

export const device = z.object({
  deviceIdentification: z.string(),
  alias: z.string().nullable(),
  protocol,
  networkAddress: z.string().nullable(),
  port: z.number().int().nullable(),
  deviceUid: z.string().nullable(),
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
  ownerIdentification: z.string().nullable(),
  activated: z.boolean(),
  inMaintenance: z.boolean(),
  lifecycleStatus: deviceLifecycleStatus,
  registeredAt: z.string().nullable(),
  lastCommunicationAt: z.string().nullable().describe('When the platform last exchanged a message with the device (either direction)'),
  communicationState: communicationState.describe('COMMUNICATION_LOST: the device stayed silent to a status monitoring check'),
  clockDeviationMs: z
    .number()
    .int()
    .nullable()
    .describe("The device's clock minus the platform's (ms) when last measured (DLMS clock reads, OSLP event times)"),
  clockCheckedAt: z.string().nullable(),
  configuration: reportedConfiguration.nullable(),
  configurationReportedAt: z.string().nullable().describe('When the device last reported or accepted its configuration'),
  platformVerificationKey: z
    .string()
    .nullable()
    .describe('OSLP: the platform public key (Base64 DER) the device accepted with setDeviceVerificationKey; null = the platform key'),
});
export type DeviceView = z.infer<typeof device>;

const devicePage = z.object({
  devices: z.array(device),
  nextCursor: z.string().nullable().describe('Pass as `after` to read the next page; null on the last page'),
});

const alias = text.max(255);
/** A switching device's relays (outputs) and what each switches; a given list replaces the device's. */
const relays = z
  .array(
    z.object({
      index: z.number().int().min(1).max(6),
      relayType: z.enum(['LIGHT', 'TARIFF', 'TARIFF_REVERSED']).describe('TARIFF_REVERSED: on for the low tariff'),
      alias: text.max(255).optional(),
    }),
  )
  .max(6)
  .refine((list) => new Set(list.map((relay) => relay.index)).size === list.length, 'must not repeat an index');
const latitude = z.number().min(-90).max(90);
const longitude = z.number().min(-180).max(180);
const devicePathParams = z.object({ deviceIdentification: identification });

/** What updateDevice and each row of updateDevices may change; a field left out stays as it is. */
const deviceChanges = {
  alias: alias.nullable().optional().describe('null removes the alias'),
  networkAddress: z.string().ip().nullable().optional(),
  port: z.number().int().min(1).max(65535).optional(),
  latitude: latitude.nullable().optional(),
  longitude: longitude.nullable().optional(),
  activated: z.boolean().optional(),
};

// Query strings carry text: "true"/"false" (a typed client may pass booleans, which it sends as such text).
const queryBoolean = z
  .union([z.boolean(), z.enum(['true', 'false'])], { errorMap: () => ({ message: 'must be true or false' }) })
  .transform((value) => value === true || value === 'true');
const pageLimit = z.coerce.number().int().min(1).max(1000).default(100);
const cursor = text.min(1).max(512).optional().describe('The nextCursor of the previous page (opaque)');


const deviceCommandResponses = {
  202: acceptedRequest,
  404: errorResponse,
  409: errorResponse,
  503: errorResponse,
  ...standardErrors,
} as const;

const deviceDataResponses = { 200: device, 404: errorResponse, ...standardErrors } as const;

const newDeviceBody = z.object({
  deviceIdentification: identification,
  alias: alias.optional(),
  // The protocols whose devices need only the fields of this body (others have an add operation of their own).
  protocol: z.enum(protocolsWithDeviceFields(['networkAddress', 'port', 'deviceUid', 'publicKey'])),
  networkAddress: z.string().ip().optional().describe('Updated by the device when it registers'),
  port: z.number().int().min(1).max(65535).default(12122),
  deviceUid: base64Uid,
  publicKey: text
    .includes('BEGIN PUBLIC KEY', { message: 'must be a PEM (SPKI) public key' })
    .describe("PEM of the device's ECDSA P-256 public key"),
  latitude: latitude.optional(),
  longitude: longitude.optional(),
  activated: z.boolean().default(true),
  deviceType: z.enum(['SSLD', 'PSLD']).optional().describe('Default SSLD; light measurement devices have their own operation'),
  relays: relays.optional(),
});

/** Rows one addDevices call may carry. */
export const maxDevicesPerAddDevices = 10_000;

const addDeviceResult = z.object({
  deviceIdentification: identification,
  result: z.enum(['ADDED', 'EXISTS', 'REFUSED']).describe('EXISTS: already there with the same deviceUid and publicKey'),
  code: z.string().optional().describe('For REFUSED, e.g. DEVICE_EXISTS, DEVICE_UID_TAKEN'),
  message: z.string().optional(),
});

/** core.findDevices' filters and paging (core.findDeviceStates takes the same). */
export const findDevicesQuery = z
  .object({
    limit: pageLimit,
    after: cursor,
    deviceIdentificationPrefix: deviceIdentificationPrefix.optional(),
    protocol: protocol.optional(),
    ownerIdentification: identification.optional(),
    activated: queryBoolean.optional(),
    inMaintenance: queryBoolean.optional(),
    lifecycleStatus: deviceLifecycleStatus.optional(),
    communicationState: communicationState.optional(),
    minLat: z.coerce.number().min(-90).max(90).optional(),
    maxLat: z.coerce.number().min(-90).max(90).optional(),
    minLon: z.coerce.number().min(-180).max(180).optional(),
    maxLon: z.coerce.number().min(-180).max(180).optional(),
  })
  .refine((q) => q.minLat === undefined || q.maxLat === undefined || q.minLat <= q.maxLat, {
    message: 'must not be above maxLat',
    path: ['minLat'],
  })
  .refine((q) => q.minLon === undefined || q.maxLon === undefined || q.minLon <= q.maxLon, {
    message: 'must not be above maxLon',
    path: ['minLon'],
  });

/** A device with its derived state (core.findDeviceStates). */
export const deviceWithState = device.extend({
  state: z.enum(deviceStates),
  stateSince: z.string().nullable().describe('When the result the state comes from was recorded'),
  lightValues: z
    .array(z.object({ index: z.number().int(), on: z.boolean(), dimValue: z.number().int().optional() }))
    .nullable()
    .describe('The lights as last set or read'),
  errorCode: z.string().nullable().describe('For FAILED and COMMUNICATION_LOST: the error code of that result'),
});
export type DeviceWithStateView = z.infer<typeof deviceWithState>;

export const coreContract = c.router({
  addDevice: {
    method: 'POST',
    path: '/v1/core/devices',
    summary: 'Add a device; the calling organisation becomes its owner',
    body: newDeviceBody,
    responses: {
      201: device,
      409: errorResponse,
      ...standardErrors,
    },
  },

  addDevices: {
    method: 'POST',
    path: '/v1/core/devices/bulk',
    summary: `Add up to ${maxDevicesPerAddDevices} devices in one call (beyond OSGP); the calling organisation owns them; a result per row, in order`,
    body: z.object({
      devices: z
        .array(newDeviceBody.omit({ relays: true }))
        .min(1, 'must name at least one device')
        .max(maxDevicesPerAddDevices, `at most ${maxDevicesPerAddDevices} devices per call`),
    }),
    responses: {
      200: z.object({ added: z.number().int(), existing: z.number().int(), refused: z.number().int(), results: z.array(addDeviceResult) }),
      ...standardErrors,
    },
  },

  updateDevice: {
    method: 'PUT',
    path: '/v1/core/devices/:deviceIdentification',
    summary: "Change a device's alias, network address, port, location or activation (UPDATE_DEVICE); fields left out stay as they are",
    pathParams: devicePathParams,
    body: z
      .object({ ...deviceChanges, relays: relays.optional() })
      .strict()
      .refine((body) => Object.values(body).some((value) => value !== undefined), 'must change at least one field'),
    responses: deviceDataResponses,
  },

  updateDevices: {
    // PATCH on the collection: PUT /v1/core/devices/{id} is updateDevice, so no device name is shadowed.
    method: 'PATCH',
    path: '/v1/core/devices',
    summary: `Change the data of up to ${maxDevicesPerAddDevices} devices in one call (beyond OSGP; UPDATE_DEVICE per device); a result per row, in order`,
    body: z.object({
      devices: z
        .array(
          z.object({ deviceIdentification: identification, ...deviceChanges }).strict(),
        )
        .min(1, 'must name at least one device')
        .max(maxDevicesPerAddDevices, `at most ${maxDevicesPerAddDevices} devices per call`),
    }),
    responses: {
      200: z.object({
        updated: z.number().int(),
        refused: z.number().int(),
        results: z.array(
          z.object({
            deviceIdentification: identification,
            result: z.enum(['UPDATED', 'REFUSED']),
            code: z.string().optional().describe('For REFUSED: DEVICE_NOT_FOUND or the missing right'),
            message: z.string().optional(),
          }),
        ),
      }),
      ...standardErrors,
    },
  },

  findRecentDevices: {
    method: 'GET',
    path: '/v1/core/devices/recent',
    summary: 'The devices the caller holds an authorisation on, most recently added first',
    query: z.object({ limit: pageLimit, after: cursor }),
    responses: { 200: devicePage, ...standardErrors },
  },

  findDevices: {
    method: 'GET',
    path: '/v1/core/devices',
    summary:
      'The devices the caller holds an authorisation on (every device for ADMIN), filtered, by deviceIdentification; page with limit and after',
    query: findDevicesQuery,
    responses: { 200: devicePage, ...standardErrors },
  },

  findDeviceStates: {
    method: 'GET',
    path: '/v1/core/device-states',
    summary: "findDevices with each device's state (beyond OSGP): ON, OFF, FAILED, COMMUNICATION_LOST, IN_MAINTENANCE or UNKNOWN",
    description:
      'The same filters, order and paging as findDevices. The state is derived, without contacting a device, from ' +
      'the device record (IN_MAINTENANCE) and the newest device result that failed or carries light values ' +
      '(setLight, getStatus): a failure to reach the device is COMMUNICATION_LOST, another failure FAILED; ' +
      'UNKNOWN when no such result exists.',
    query: findDevicesQuery,
    responses: {
      200: z.object({
        devices: z.array(deviceWithState),
        nextCursor: z.string().nullable().describe('Pass as `after` to read the next page; null on the last page'),
      }),
      ...standardErrors,
    },
  },

  setDeviceAlias: {
    method: 'PUT',
    path: '/v1/core/devices/:deviceIdentification/alias',
    summary: "Set or remove a device's alias (SET_DEVICE_ALIAS)",
    pathParams: devicePathParams,
    body: z.object({ alias: alias.nullable().describe('null removes the alias') }),
    responses: deviceDataResponses,
  },

  setMaintenanceStatus: {
    method: 'PUT',
    path: '/v1/core/devices/:deviceIdentification/maintenance-status',
    summary: 'Put a device in or out of maintenance; a device in maintenance refuses device commands (SET_MAINTENANCE_STATUS)',
    pathParams: devicePathParams,
    body: z.object({ inMaintenance: z.boolean() }),
    responses: deviceDataResponses,
  },

  setDeviceLifecycleStatus: {
    method: 'PUT',
    path: '/v1/core/devices/:deviceIdentification/lifecycle-status',
    summary: "Set a device's lifecycle status (SET_DEVICE_LIFECYCLE_STATUS)",
    pathParams: devicePathParams,
    body: z.object({ lifecycleStatus: deviceLifecycleStatus }),
    responses: deviceDataResponses,
  },

  startDeviceTest: {
    method: 'POST',
    path: '/v1/core/start-device-test',
    summary: 'Start the self test of one or many devices (an OSLP light controller switches its lights on for it)',
    headers: deviceRequestHeaders,
    body: z.object({ deviceIdentifications }),
    responses: deviceCommandResponses,
  },

  stopDeviceTest: {
    method: 'POST',
    path: '/v1/core/stop-device-test',
    summary: "Stop the self test of one or many devices; each device's result carries its self test result",
    headers: deviceRequestHeaders,
    body: z.object({ deviceIdentifications }),
    responses: deviceCommandResponses,
  },

  setReboot: {
    method: 'POST',
    path: '/v1/core/set-reboot',
    summary: 'Restart one or many devices',
    headers: deviceRequestHeaders,
    body: z.object({ deviceIdentifications }),
    responses: deviceCommandResponses,
  },

  setEventNotifications: {
    method: 'POST',
    path: '/v1/core/set-event-notifications',
    summary: 'Set the groups of events one or many devices report (the complete set; an empty list switches all off)',
    headers: deviceRequestHeaders,
    body: z.object({
      deviceIdentifications,
      eventNotificationTypes: z
        .array(z.enum(eventNotificationTypes))
        .max(eventNotificationTypes.length)
        .refine((types) => new Set(types).size === types.length, 'must not repeat a type'),
    }),
    responses: deviceCommandResponses,
  },

  getStatus: {
    method: 'POST',
    path: '/v1/core/get-status',
    summary: "Read the status of one or many devices (lights, link, event notifications); each device's result carries it",
    headers: deviceRequestHeaders,
    body: z.object({ deviceIdentifications }),
    responses: deviceCommandResponses,
  },
});
