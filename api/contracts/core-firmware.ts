// Core firmware management (OSGP's CoreFirmwareManagement): the catalogue of manufacturers, device models and
// firmwares (ADMIN), firmware on devices (updateFirmware, switchFirmware, getFirmwareVersion, the history), and
// staged firmware rollouts (beyond OSGP).
import { initContract } from '@ts-rest/core';
import { z } from 'zod';
import { acceptedRequest, deviceIdentifications, deviceRequestHeaders, errorResponse, identification, isoDateTime, standardErrors, text } from './common';
import { deviceIdentificationPrefix } from './core';

const c = initContract();

const code = identification.describe('letters, digits, ".", "_" and "-"');
const manufacturer = z.object({
  code,
  name: text.min(1).max(255),
  usePrefix: z.boolean().optional().describe("OSGP: device identifications of this manufacturer start with its code"),
});
const manufacturerView = z.object({ code: z.string(), name: z.string(), usePrefix: z.boolean() });

const deviceModelRef = z.object({ manufacturer: code, modelCode: code });
const deviceModel = deviceModelRef.extend({
  description: text.max(255).optional(),
  metered: z.boolean().optional(),
});
const deviceModelView = z.object({ manufacturer: z.string(), modelCode: z.string(), description: z.string().nullable(), metered: z.boolean() });

const version = text.min(1).max(64).describe('The version a device reports when it runs this firmware (OSLP: e.g. R02)');
const sha256 = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'must be a SHA-256 in hex (64 characters)')
  .describe('The SHA-256 the caller expects the file to have: a mismatch is refused (400)');
const base64File = z
  .string()
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be Base64')
  .describe('The firmware image, Base64 (at most FIRMWARE_MAX_SIZE_BYTES once decoded)');
const deviceModels = z
  .array(deviceModelRef)
  .min(1)
  .max(100)
  .describe('The device models this firmware fits; updateFirmware to a device of another model is refused');
const moduleVersions = z.record(text.max(64), text.max(64)).describe("OSGP's FirmwareModuleData, e.g. { moduleVersionComm: '1.2' }");

const changeableFirmware = z.object({
  filename: text.max(255).optional(),
  description: text.max(255).optional(),
  version: version.optional(),
  moduleVersions: moduleVersions.optional(),
  pushToNewDevices: z.boolean().optional(),
  active: z.boolean().optional().describe('Only active firmware can be sent to devices'),
  deviceModels: deviceModels.optional(),
});

const newFirmware = z.object({
  identification: code,
  filename: text.max(255).optional(),
  description: text.max(255).optional(),
  version,
  moduleVersions: moduleVersions.optional(),
  pushToNewDevices: z.boolean().optional(),
  active: z.boolean().optional(),
  deviceModels,
  file: base64File,
  sha256: sha256.optional(),
});

export const firmwareView = z.object({
  id: z.string().describe('Internal id (part of download URLs)'),
  identification: z.string(),
  filename: z.string().nullable(),
  description: z.string().nullable(),
  version: z.string(),
  moduleVersions: z.record(z.string()).nullable(),
  pushToNewDevices: z.boolean(),
  active: z.boolean(),
  sha256: z.string(),
  sizeBytes: z.number().int(),
  deviceModels: z.array(z.object({ manufacturer: z.string(), modelCode: z.string() })),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const manufacturerParams = z.object({ manufacturer: code });
const modelParams = z.object({ manufacturer: code, modelCode: code });
const firmwareParams = z.object({ firmwareIdentification: code });
const deviceParams = z.object({ deviceIdentification: identification });
const rolloutParams = z.object({ correlationUid: text.min(1).max(200) });
const limit = z.coerce.number().int().min(1).max(500).default(100);
const booleanQuery = z.enum(['true', 'false']).transform((v) => v === 'true');

const catalogueResponses = { 404: errorResponse, 409: errorResponse, 503: errorResponse, ...standardErrors } as const;
const deviceCommandResponses = { 202: acceptedRequest, 404: errorResponse, 409: errorResponse, 503: errorResponse, ...standardErrors } as const;

const waveProgress = z.object({
  wave: z.number().int().describe('1-based'),
  percent: z.number(),
  size: z.number().int(),
  state: z.enum(['WAITING', 'UPDATING', 'VERIFYING', 'DONE']),
  done: z.number().int().describe('devices whose outcome is known'),
  ok: z.number().int().describe('devices that report the new version'),
  failed: z.number().int(),
  waiting: z.number().int().describe('devices updated that have not reported the new version yet'),
  failureRate: z.number().nullable(),
});
export const rolloutProgress = z.object({
  state: z.enum(['RUNNING', 'PAUSED', 'ABORTING', 'COMPLETED', 'ABORTED']),
  pauseReason: z.string().nullable(),
  firmwareIdentification: z.string(),
  version: z.string(),
  total: z.number().int(),
  done: z.number().int(),
  ok: z.number().int(),
  failed: z.number().int(),
  rolledBack: z.number().int(),
  waves: z.array(waveProgress),
});

export const coreFirmwareContract = c.router({
  // ---- manufacturers (ADMIN)
  addManufacturer: {
    method: 'POST',
    path: '/v1/core/manufacturers',
    summary: 'Add a manufacturer (ADMIN)',
    body: manufacturer,
    responses: { 201: manufacturerView, ...catalogueResponses },
  },
  findAllManufacturers: {
    method: 'GET',
    path: '/v1/core/manufacturers',
    summary: 'List the manufacturers (ADMIN)',
    responses: { 200: z.object({ manufacturers: z.array(manufacturerView) }), ...catalogueResponses },
  },
  findManufacturer: {
    method: 'GET',
    path: '/v1/core/manufacturers/:manufacturer',
    pathParams: manufacturerParams,
    summary: 'Read a manufacturer (ADMIN)',
    responses: { 200: manufacturerView, ...catalogueResponses },
  },
  changeManufacturer: {
    method: 'PUT',
    path: '/v1/core/manufacturers/:manufacturer',
    pathParams: manufacturerParams,
    summary: "Change a manufacturer's name or prefix use (ADMIN)",
    body: manufacturer.omit({ code: true }),
    responses: { 200: manufacturerView, ...catalogueResponses },
  },
  removeManufacturer: {
    method: 'DELETE',
    path: '/v1/core/manufacturers/:manufacturer',
    pathParams: manufacturerParams,
    summary: 'Remove a manufacturer without device models (ADMIN)',
    body: c.noBody(),
    responses: { 204: c.noBody(), ...catalogueResponses },
  },

  // ---- device models (ADMIN; a device's model is set with setDeviceModel)
  addDeviceModel: {
    method: 'POST',
    path: '/v1/core/device-models',
    summary: 'Add a device model of a manufacturer (ADMIN)',
    body: deviceModel,
    responses: { 201: deviceModelView, ...catalogueResponses },
  },
  findAllDeviceModels: {
    method: 'GET',
    path: '/v1/core/device-models',
    query: z.object({ manufacturer: code.optional() }),
    summary: 'List the device models, optionally of one manufacturer (ADMIN)',
    responses: { 200: z.object({ deviceModels: z.array(deviceModelView) }), ...catalogueResponses },
  },
  findDeviceModel: {
    method: 'GET',
    path: '/v1/core/device-models/:manufacturer/:modelCode',
    pathParams: modelParams,
    summary: 'Read a device model (ADMIN)',
    responses: { 200: deviceModelView, ...catalogueResponses },
  },
  changeDeviceModel: {
    method: 'PUT',
    path: '/v1/core/device-models/:manufacturer/:modelCode',
    pathParams: modelParams,
    summary: "Change a device model's description or metered flag (ADMIN)",
    body: deviceModel.omit({ manufacturer: true, modelCode: true }),
    responses: { 200: deviceModelView, ...catalogueResponses },
  },
  removeDeviceModel: {
    method: 'DELETE',
    path: '/v1/core/device-models/:manufacturer/:modelCode',
    pathParams: modelParams,
    summary: 'Remove a device model no device has (ADMIN)',
    body: c.noBody(),
    responses: { 204: c.noBody(), ...catalogueResponses },
  },

  // ---- firmwares (ADMIN)
  addFirmware: {
    method: 'POST',
    path: '/v1/core/firmwares',
    summary: 'Upload a firmware: its image (Base64; SHA-256 recorded, stored once per distinct image) and the device models it fits (ADMIN)',
    body: newFirmware,
    responses: { 201: firmwareView, ...catalogueResponses },
  },
  addOrChangeFirmware: {
    method: 'PUT',
    path: '/v1/core/firmwares',
    summary: 'Add a firmware, or replace the one with this identification, image included (ADMIN)',
    body: newFirmware,
    responses: { 200: firmwareView, 201: firmwareView, ...catalogueResponses },
  },
  findAllFirmwares: {
    method: 'GET',
    path: '/v1/core/firmwares',
    query: z.object({
      manufacturer: code.optional(),
      modelCode: code.optional(),
      active: booleanQuery.optional(),
      limit,
      after: text.max(500).optional().describe("The previous page's nextCursor"),
    }),
    summary: 'List firmwares, filtered by the device model they fit and whether they are active (ADMIN)',
    responses: { 200: z.object({ firmwares: z.array(firmwareView), nextCursor: z.string().nullable() }), ...catalogueResponses },
  },
  findFirmware: {
    method: 'GET',
    path: '/v1/core/firmwares/:firmwareIdentification',
    pathParams: firmwareParams,
    summary: 'Read a firmware (ADMIN)',
    responses: { 200: firmwareView, ...catalogueResponses },
  },
  changeFirmware: {
    method: 'PUT',
    path: '/v1/core/firmwares/:firmwareIdentification',
    pathParams: firmwareParams,
    summary: "Change a firmware's catalogue fields (OSGP's ChangeableFirmware; the image stays) (ADMIN)",
    body: changeableFirmware,
    responses: { 200: firmwareView, ...catalogueResponses },
  },
  removeFirmware: {
    method: 'DELETE',
    path: '/v1/core/firmwares/:firmwareIdentification',
    pathParams: firmwareParams,
    summary: 'Remove a firmware; its image goes when no other firmware has it (ADMIN)',
    body: c.noBody(),
    responses: { 204: c.noBody(), ...catalogueResponses },
  },

  // ---- firmware on devices
  setDeviceModel: {
    method: 'PUT',
    path: '/v1/core/devices/:deviceIdentification/device-model',
    pathParams: deviceParams,
    summary: "Set a device's model (which firmware fits it); null clears it (UPDATE_DEVICE)",
    body: z.object({ deviceModel: deviceModelRef.nullable() }),
    responses: { 204: c.noBody(), ...catalogueResponses },
  },
  updateFirmware: {
    method: 'POST',
    path: '/v1/core/update-firmware',
    summary:
      'Send a firmware to devices: each gets a download URL with a token of its own and installs it (UPDATE_FIRMWARE; the firmware must fit every device model)',
    headers: deviceRequestHeaders,
    body: z.object({ deviceIdentifications, firmwareIdentification: code }),
    responses: deviceCommandResponses,
  },
  switchFirmware: {
    method: 'POST',
    path: '/v1/core/switch-firmware',
    summary: 'Activate a firmware version the devices already hold (SWITCH_FIRMWARE)',
    headers: deviceRequestHeaders,
    body: z.object({ deviceIdentifications, version }),
    responses: deviceCommandResponses,
  },
  getFirmwareVersion: {
    method: 'POST',
    path: '/v1/core/get-firmware-version',
    summary: "Read the devices' active firmware version; each answer is kept in the device's firmware history (GET_FIRMWARE_VERSION)",
    headers: deviceRequestHeaders,
    body: z.object({ deviceIdentifications }),
    responses: deviceCommandResponses,
  },
  saveCurrentDeviceFirmware: {
    method: 'POST',
    path: '/v1/core/devices/:deviceIdentification/current-firmware',
    pathParams: deviceParams,
    summary: 'Record the firmware a device runs (e.g. installed by hand) in its history (UPDATE_FIRMWARE)',
    body: z.object({
      firmwareIdentification: code,
      installedBy: text.max(255).optional(),
      installationDate: isoDateTime.optional(),
    }),
    responses: { 204: c.noBody(), ...catalogueResponses },
  },
  getDeviceFirmwareHistory: {
    method: 'GET',
    path: '/v1/core/devices/:deviceIdentification/firmware-history',
    pathParams: deviceParams,
    query: z.object({ limit, after: text.max(500).optional().describe("The previous page's nextCursor") }),
    summary: 'Every firmware version the device reported (registration, getFirmwareVersion, after an update), newest first (GET_FIRMWARE_VERSION)',
    responses: {
      200: z.object({
        deviceIdentification: z.string(),
        deviceModel: z.object({ manufacturer: z.string(), modelCode: z.string() }).nullable(),
        entries: z.array(
          z.object({
            version: z.string(),
            firmwareIdentification: z.string().nullable(),
            source: z.enum(['REGISTRATION', 'GET_FIRMWARE_VERSION', 'UPDATE', 'SAVE_CURRENT_DEVICE_FIRMWARE']),
            installedBy: z.string().nullable(),
            reportedAt: z.string(),
          }),
        ),
        nextCursor: z.string().nullable(),
      }),
      ...catalogueResponses,
    },
  },

  // ---- staged rollouts (beyond OSGP)
  startFirmwareRollout: {
    method: 'POST',
    path: '/v1/core/firmware-rollouts',
    summary:
      'Roll a firmware out over a device group, a device filter or a list, in waves; a wave whose failure rate passes the threshold pauses the rollout (UPDATE_FIRMWARE per device)',
    headers: deviceRequestHeaders,
    body: z
      .object({
        firmwareIdentification: code,
        groupIdentification: identification.optional(),
        filter: z
          .object({ deviceIdentificationPrefix: deviceIdentificationPrefix.optional() })
          .optional()
          .describe('Devices the caller may update whose identification starts with the prefix'),
        deviceIdentifications: z.array(identification).min(1).max(10_000).optional(),
        waves: z
          .array(z.number().positive().max(100))
          .min(1)
          .max(20)
          .describe('Wave sizes in percent of the devices, e.g. [1, 10, 89]; the last wave takes the rest')
          .refine((w) => w.reduce((a, b) => a + b, 0) <= 100.0001, 'must add up to at most 100'),
        failureThresholdPercent: z.number().min(0).max(100).describe('A wave failing more than this pauses the rollout'),
        waveTimeoutSeconds: z.number().int().min(1).max(7 * 24 * 3600).default(1800).describe('How long a wave waits for its devices to report the new version'),
        pollIntervalSeconds: z.number().int().min(1).max(3600).default(30).describe('How often a wave asks its devices for their version'),
        rollbackFailed: z.boolean().default(false).describe("Switch a wave's failed devices back to the version they ran before"),
      })
      .refine((b) => [b.groupIdentification, b.filter, b.deviceIdentifications].filter((t) => t !== undefined).length === 1, {
        message: 'name exactly one of groupIdentification, filter and deviceIdentifications',
        path: ['groupIdentification'],
      }),
    responses: deviceCommandResponses,
  },
  getFirmwareRollout: {
    method: 'GET',
    path: '/v1/core/firmware-rollouts/:correlationUid',
    pathParams: rolloutParams,
    summary: 'A rollout\'s progress per wave (done, ok, failed, waiting), from its workflow',
    responses: { 200: rolloutProgress, ...catalogueResponses },
  },
  pauseFirmwareRollout: {
    method: 'POST',
    path: '/v1/core/firmware-rollouts/:correlationUid/pause',
    pathParams: rolloutParams,
    summary: 'Pause a rollout: the running wave ends, no next wave starts until resumed',
    body: c.noBody(),
    responses: { 202: rolloutProgress, ...catalogueResponses },
  },
  resumeFirmwareRollout: {
    method: 'POST',
    path: '/v1/core/firmware-rollouts/:correlationUid/resume',
    pathParams: rolloutParams,
    summary: 'Resume a paused rollout with its next wave',
    body: c.noBody(),
    responses: { 202: rolloutProgress, ...catalogueResponses },
  },
  abortFirmwareRollout: {
    method: 'POST',
    path: '/v1/core/firmware-rollouts/:correlationUid/abort',
    pathParams: rolloutParams,
    summary: 'Abort a rollout: no further wave; optionally switch the failed devices back to their previous firmware',
    body: z.object({ rollbackFailed: z.boolean().default(false) }),
    responses: { 202: rolloutProgress, ...catalogueResponses },
  },
});
