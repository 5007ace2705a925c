// Smart Metering (OSGP's smart metering web services, DLMS/COSEM meters): adding a meter with its connection
// settings and sealed keys, and the meter operations. Every operation answers 202 with a correlationUid; each
// meter's result (and each bundle action's) is in requests.getRequest. operationIds: smartMetering.<OSGP name>.
import { initContract } from '@ts-rest/core';
import { z } from 'zod';
import { eventLogCategories, periodTypes } from '../../common/smart-metering';
import { device } from './core';
import { acceptedRequest, deviceIdentifications, deviceRequestHeaders, errorResponse, identification, standardErrors, isoDateTime, text } from './common';

const c = initContract();

const hex = (bytes: number, what: string) =>
  z.string().regex(new RegExp(`^[0-9A-Fa-f]{${bytes * 2}}$`), `must be the ${bytes}-byte ${what} as ${bytes * 2} hex digits`);

export const obisCode = z
  .string()
  .regex(/^\d{1,3}(\.\d{1,3}){5}$/, 'must be six dot-separated numbers, e.g. 1.0.1.8.0.255')
  .refine((code) => code.split('.').every((part) => Number(part) <= 255), 'each part must be 0-255')
  .describe('OBIS code of the COSEM object, e.g. 1.0.1.8.0.255');

const deviceCommandResponses = { 202: acceptedRequest, 404: errorResponse, 409: errorResponse, 503: errorResponse, ...standardErrors } as const;

const timeRange = { from: isoDateTime.describe('Start of the range (inclusive)'), to: isoDateTime.describe('End of the range') };
const rangeInOrder = (value: { from: string; to: string }) => Date.parse(value.from) < Date.parse(value.to);
const rangeMessage = { message: 'must be after `from`', path: ['to'] };

/**
 * The longest range one periodic read may ask for: a meter's answer travels through the workflow's history,
 * which holds payloads of at most 2 MB (about a month of 15-minute rows, decoded, fits well within it).
 */
export const maxPeriodicReadDays = { INTERVAL: 31, DAILY: 400, MONTHLY: 3660 } as const;
const dayMs = 86_400_000;
const rangeFitsPeriod = (value: { periodType: keyof typeof maxPeriodicReadDays; from: string; to: string }) =>
  Date.parse(value.to) - Date.parse(value.from) <= maxPeriodicReadDays[value.periodType] * dayMs;
const rangeTooLong = (periodType: string) => `may span at most ${maxPeriodicReadDays[periodType as keyof typeof maxPeriodicReadDays]} days for ${periodType}`;

/** One action of a bundle: the same parameters as the operation of that name. */
export const bundleAction = z.discriminatedUnion('action', [
  z.object({ action: z.literal('getActualMeterReads') }),
  z.object({ action: z.literal('getPeriodicMeterReads'), periodType: z.enum(periodTypes), ...timeRange }),
  z.object({ action: z.literal('readAlarmRegister') }),
  z.object({ action: z.literal('clearAlarmRegister') }),
  z.object({ action: z.literal('synchronizeTime') }),
  z.object({ action: z.literal('getFirmwareVersion') }),
  z.object({ action: z.literal('findEvents'), eventLogCategory: z.enum(eventLogCategories), ...timeRange }),
  z.object({ action: z.literal('getAssociationLnObjects') }),
  z.object({
    action: z.literal('getSpecificAttributeValue'),
    classId: z.number().int().min(0).max(65535),
    obisCode,
    attribute: z.number().int().min(1).max(127),
  }),
]);
export type BundleAction = z.infer<typeof bundleAction>;

export const maxBundleActions = 50;

export const dlmsSettingsView = z.object({
  transport: z.enum(['WRAPPER', 'HDLC']),
  clientAddress: z.number().int(),
  serverAddress: z.number().int(),
  hdlcLowerServerAddress: z.number().int().nullable(),
  authentication: z.enum(['NONE', 'LOW', 'HIGH_GMAC']),
  clientSystemTitle: z.string().nullable(),
  hasPassword: z.boolean(),
  hasKeys: z.boolean().describe('Whether HLS keys are stored; the keys themselves are never shown'),
  hasMasterKey: z.boolean().describe('Whether a master key is stored (replaceKeys needs it); never shown'),
});

export const replaceKeysBody = z
  .object({
    deviceIdentification: identification.describe('The meter (HIGH_GMAC, with a stored master key)'),
    authenticationKey: hex(16, 'authentication key').describe('The new AES-128 authentication key'),
    blockCipherKey: hex(16, 'block cipher key').describe('The new AES-128 global unicast encryption key'),
  })
  .refine((body) => body.authenticationKey.toUpperCase() !== body.blockCipherKey.toUpperCase(), {
    message: 'must differ from the authentication key',
    path: ['blockCipherKey'],
  });

export const meterView = device.extend({ dlms: dlmsSettingsView });
export type MeterView = z.infer<typeof meterView>;

export const addMeterBody = z
  .object({
    deviceIdentification: identification,
    alias: text.max(255).optional(),
    networkAddress: z.string().ip().describe('Where the platform reaches the meter'),
    port: z.number().int().min(1).max(65535).default(4059),
    transport: z.enum(['WRAPPER', 'HDLC']).default('WRAPPER').describe('IEC 62056-47 TCP wrapper, or HDLC over TCP'),
    clientAddress: z
      .number()
      .int()
      .min(1)
      .max(127)
      .optional()
      .describe('Client SAP; default 16 (public client) without authentication, else 1 (management client)'),
    serverAddress: z.number().int().min(0).max(0x3fff).default(1).describe('Logical device / HDLC upper server address'),
    hdlcLowerServerAddress: z.number().int().min(0).max(0x3fff).optional(),
    authentication: z.enum(['NONE', 'LOW', 'HIGH_GMAC']).describe('NONE, LOW (LLS password) or HIGH_GMAC (HLS, security suite 0)'),
    password: text.min(1).max(64).optional().describe('LLS password (LOW)'),
    authenticationKey: hex(16, 'authentication key').optional().describe('HIGH_GMAC: AES-128 authentication key'),
    blockCipherKey: hex(16, 'block cipher key').optional().describe('HIGH_GMAC: AES-128 global unicast encryption key'),
    clientSystemTitle: hex(8, 'system title').optional().describe("HIGH_GMAC: the platform's system title towards this meter"),
    masterKey: hex(16, 'master key')
      .optional()
      .describe('HIGH_GMAC: AES-128 master key (key encrypting key); needed for replaceKeys, which wraps new keys with it'),
    latitude: z.number().min(-90).max(90).optional(),
    longitude: z.number().min(-180).max(180).optional(),
    activated: z.boolean().default(true),
  })
  .superRefine((body, ctx) => {
    if (body.authentication === 'LOW' && !body.password) ctx.addIssue({ code: 'custom', path: ['password'], message: 'is required for LOW authentication' });
    if (body.authentication !== 'LOW' && body.password) ctx.addIssue({ code: 'custom', path: ['password'], message: 'applies only to LOW authentication' });
    for (const key of ['authenticationKey', 'blockCipherKey'] as const) {
      if (body.authentication === 'HIGH_GMAC' && !body[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is required for HIGH_GMAC authentication' });
      if (body.authentication !== 'HIGH_GMAC' && body[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'applies only to HIGH_GMAC authentication' });
    }
    if (body.authentication !== 'HIGH_GMAC' && body.masterKey) ctx.addIssue({ code: 'custom', path: ['masterKey'], message: 'applies only to HIGH_GMAC authentication' });
  });

export const smartMeteringContract = c.router({
  addDevice: {
    method: 'POST',
    path: '/v1/smart-metering/devices',
    summary: 'Add a smart meter with its DLMS settings and keys (kept sealed, never shown again); the caller becomes its owner',
    body: addMeterBody,
    responses: { 201: meterView, 409: errorResponse, ...standardErrors },
  },
  getActualMeterReads: {
    method: 'POST',
    path: '/v1/smart-metering/get-actual-meter-reads',
    summary: "Read each meter's energy registers now (scaler and unit applied), and its gas value when it has one",
    headers: deviceRequestHeaders,
    body: z.object({ deviceIdentifications }),
    responses: deviceCommandResponses,
  },
  getPeriodicMeterReads: {
    method: 'POST',
    path: '/v1/smart-metering/get-periodic-meter-reads',
    summary: 'Read the interval (15 min), daily or monthly profile of a time range (selective access by range)',
    headers: deviceRequestHeaders,
    body: z
      .object({ deviceIdentifications, periodType: z.enum(periodTypes), ...timeRange })
      .refine(rangeInOrder, rangeMessage)
      .superRefine((body, ctx) => {
        if (!rangeFitsPeriod(body)) ctx.addIssue({ code: 'custom', path: ['to'], message: rangeTooLong(body.periodType) });
      }),
    responses: deviceCommandResponses,
  },
  readAlarmRegister: {
    method: 'POST',
    path: '/v1/smart-metering/read-alarm-register',
    summary: "Read each meter's alarm register, with the alarms it holds by name",
    headers: deviceRequestHeaders,
    body: z.object({ deviceIdentifications }),
    responses: deviceCommandResponses,
  },
  clearAlarmRegister: {
    method: 'POST',
    path: '/v1/smart-metering/clear-alarm-register',
    summary: "Clear each meter's alarm register",
    headers: deviceRequestHeaders,
    body: z.object({ deviceIdentifications }),
    responses: deviceCommandResponses,
  },
  synchronizeTime: {
    method: 'POST',
    path: '/v1/smart-metering/synchronize-time',
    summary: "Set each meter's clock to the platform's time (UTC); the result has the meter's time before",
    headers: deviceRequestHeaders,
    body: z.object({ deviceIdentifications }),
    responses: deviceCommandResponses,
  },
  getFirmwareVersion: {
    method: 'POST',
    path: '/v1/smart-metering/get-firmware-version',
    summary: "Read each meter's active firmware identifiers (the meter's and its modules')",
    headers: deviceRequestHeaders,
    body: z.object({ deviceIdentifications }),
    responses: deviceCommandResponses,
  },
  findEvents: {
    method: 'POST',
    path: '/v1/smart-metering/find-events',
    summary: "Read the events of one of each meter's event logs in a time range, with their names",
    headers: deviceRequestHeaders,
    body: z.object({ deviceIdentifications, eventLogCategory: z.enum(eventLogCategories), ...timeRange }).refine(rangeInOrder, rangeMessage),
    responses: deviceCommandResponses,
  },
  getAssociationLnObjects: {
    method: 'POST',
    path: '/v1/smart-metering/get-association-ln-objects',
    summary: "Read the object list of the platform's association with each meter (class, version, OBIS code, access rights)",
    headers: deviceRequestHeaders,
    body: z.object({ deviceIdentifications }),
    responses: deviceCommandResponses,
  },
  getSpecificAttributeValue: {
    method: 'POST',
    path: '/v1/smart-metering/get-specific-attribute-value',
    summary: 'Read one attribute of one COSEM object of each meter',
    headers: deviceRequestHeaders,
    body: z.object({
      deviceIdentifications,
      classId: z.number().int().min(0).max(65535),
      obisCode,
      attribute: z.number().int().min(1).max(127),
    }),
    responses: deviceCommandResponses,
  },
  replaceKeys: {
    method: 'POST',
    path: '/v1/smart-metering/replace-keys',
    summary:
      "Give a meter new authentication and encryption keys (security setup global_key_transfer, wrapped under its master key); stored, and used from then on, only once the meter accepted them",
    headers: deviceRequestHeaders,
    body: replaceKeysBody,
    responses: deviceCommandResponses,
  },
  bundle: {
    method: 'POST',
    path: '/v1/smart-metering/bundle',
    summary: 'Several actions over one association per meter; a result per action; only failed actions are tried again',
    headers: deviceRequestHeaders,
    body: z.object({
      deviceIdentifications,
      actions: z
        .array(bundleAction)
        .min(1)
        .max(maxBundleActions)
        .superRefine((actions, ctx) => {
          actions.forEach((action, i) => {
            if ('from' in action && !rangeInOrder(action)) ctx.addIssue({ code: 'custom', path: [i, 'to'], message: 'must be after `from`' });
            if (action.action === 'getPeriodicMeterReads' && !rangeFitsPeriod(action)) {
              ctx.addIssue({ code: 'custom', path: [i, 'to'], message: rangeTooLong(action.periodType) });
            }
          });
        }),
    }),
    responses: deviceCommandResponses,
  },
});
