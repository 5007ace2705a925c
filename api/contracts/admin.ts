// Admin: organisations, device ownership and authorisations, device keys and protocols, message logs and
// API keys. As in OSGP, the Admin web service is for ADMIN organisations; the exceptions (a device's owner,
// an organisation's own API keys, message logs of devices an organisation may read) are named per route.
import { initContract } from '@ts-rest/core';
import { z } from 'zod';
import { device } from './core';
import { deviceFunctionGroup, errorResponse, identification, isoDateTime, platformFunctionGroup, protocol, standardErrors, text } from './common';

const c = initContract();

export const organisation = z.object({
  organisationIdentification: z.string(),
  name: z.string(),
  platformFunctionGroup,
  enabled: z.boolean(),
  createdAt: z.string(),
});
export type OrganisationView = z.infer<typeof organisation>;

export const deviceAuthorisation = z.object({
  organisationIdentification: z.string(),
  functionGroup: deviceFunctionGroup,
  createdAt: z.string(),
});

export const protocolInfo = z.object({
  protocol,
  protocolVersion: z.string(),
  taskQueue: z.string().describe("Temporal task queue of the protocol adapter's device command activities"),
});
export type ProtocolInfo = z.infer<typeof protocolInfo>;

export const messageLog = z.object({
  id: z.string().describe('Increasing with time; pass the last one as `after` for the next (older) page'),
  deviceIdentification: z.string(),
  correlationUid: z.string().nullable(),
  direction: z.enum(['TO_DEVICE', 'FROM_DEVICE']),
  messageType: z.string(),
  sequenceNumber: z.number().int().nullable(),
  result: z.string(),
  summary: z.string(),
  createdAt: z.string(),
});
export type MessageLogView = z.infer<typeof messageLog>;

export const apiKey = z.object({
  id: z.string().describe('The `<id>` part of `osgp_<id>_<secret>`'),
  label: z.string(),
  organisationIdentification: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable().describe('Updated at most once a minute'),
  revokedAt: z.string().nullable(),
});
export type ApiKeyView = z.infer<typeof apiKey>;

const nextCursor = z.string().nullable().describe('Pass as `after` to read the next page; null on the last page');
const limit = z.coerce.number().int().min(1).max(1000).default(100);
const organisationPath = z.object({ organisationIdentification: identification });
const devicePath = z.object({ deviceIdentification: identification });

export const adminContract = c.router({
  createOrganisation: {
    method: 'POST',
    path: '/v1/admin/organisations',
    summary: 'Create an organisation and its first API key (shown once); ADMIN only',
    body: z.object({
      organisationIdentification: identification,
      name: text.min(1).max(255),
      platformFunctionGroup: platformFunctionGroup.default('USER'),
    }),
    responses: {
      201: z.object({ organisation, apiKey: z.string().describe('Shown only in this response') }),
      409: errorResponse,
      ...standardErrors,
    },
  },
  findAllOrganisations: {
    method: 'GET',
    path: '/v1/admin/organisations',
    summary: 'List organisations by identification, paged; ADMIN only',
    query: z.object({
      limit,
      after: identification.optional().describe('Organisation identification to continue after'),
    }),
    responses: {
      200: z.object({ organisations: z.array(organisation), nextCursor }),
      ...standardErrors,
    },
  },
  findOrganisation: {
    method: 'GET',
    path: '/v1/admin/organisations/:organisationIdentification',
    summary: 'One organisation; ADMIN only',
    pathParams: organisationPath,
    responses: { 200: organisation, 404: errorResponse, ...standardErrors },
  },
  changeOrganisation: {
    method: 'PUT',
    path: '/v1/admin/organisations/:organisationIdentification',
    summary: "Change an organisation's name and platform function group; ADMIN only, never demoting itself",
    pathParams: organisationPath,
    body: z.object({ name: text.min(1).max(255), platformFunctionGroup }),
    responses: { 200: organisation, 404: errorResponse, 409: errorResponse, ...standardErrors },
  },
  activateOrganisation: {
    method: 'POST',
    path: '/v1/admin/organisations/:organisationIdentification/activation',
    summary:
      'Enable or disable an organisation (a disabled one is refused everything with 403 ORGANISATION_DISABLED); ADMIN only, never disabling itself',
    pathParams: organisationPath,
    body: z.object({ enabled: z.boolean() }),
    responses: { 200: organisation, 404: errorResponse, 409: errorResponse, ...standardErrors },
  },
  removeOrganisation: {
    method: 'DELETE',
    path: '/v1/admin/organisations/:organisationIdentification',
    summary:
      'Remove an organisation that owns no devices (409 while it does). Without requests it is deleted; with requests it is retired: disabled, keys revoked, authorisations removed, kept so its request history still names it. ADMIN only',
    pathParams: organisationPath,
    responses: {
      200: z.object({
        organisationIdentification: z.string(),
        outcome: z
          .enum(['DELETED', 'RETIRED'])
          .describe('RETIRED: kept, disabled and without keys or authorisations, because requests it made refer to it'),
        message: z.string(),
      }),
      404: errorResponse,
      409: errorResponse,
      ...standardErrors,
    },
  },
  findDevicesWhichHaveNoOwner: {
    method: 'GET',
    path: '/v1/admin/unowned-devices',
    summary: 'Devices without an owner, by identification, paged; ADMIN only',
    query: z.object({
      limit,
      after: identification.optional().describe('Device identification to continue after'),
    }),
    responses: { 200: z.object({ devices: z.array(device), nextCursor }), ...standardErrors },
  },
  setOwner: {
    method: 'PUT',
    path: '/v1/admin/devices/:deviceIdentification/owner',
    summary: "Make an organisation a device's owner (with the OWNER authorisation; the previous owner's is removed); ADMIN only",
    pathParams: devicePath,
    body: z.object({ organisationIdentification: identification }),
    responses: { 200: device, 404: errorResponse, ...standardErrors },
  },
  removeDevice: {
    method: 'DELETE',
    path: '/v1/admin/devices/:deviceIdentification',
    summary: 'Remove a device and its authorisations; results of requests and message logs stay; ADMIN only',
    pathParams: devicePath,
    responses: { 204: c.noBody(), 404: errorResponse, 409: errorResponse, ...standardErrors },
  },
  findDeviceAuthorisations: {
    method: 'GET',
    path: '/v1/admin/devices/:deviceIdentification/authorisations',
    summary: "A device's authorisations: which organisation holds which function group (device owner or ADMIN)",
    pathParams: devicePath,
    responses: {
      200: z.object({ deviceIdentification: z.string(), authorisations: z.array(deviceAuthorisation) }),
      404: errorResponse,
      ...standardErrors,
    },
  },
  updateDeviceAuthorisations: {
    method: 'POST',
    path: '/v1/admin/device-authorisations',
    summary: "Grant or revoke organisations' device function groups on devices (device owner or ADMIN)",
    body: z.object({
      authorisations: z
        .array(
          z.object({
            deviceIdentification: identification,
            organisationIdentification: identification,
            functionGroup: deviceFunctionGroup
              .exclude(['OWNER'])
              .describe('OWNER is not granted here: a device has one owner, set with admin.setOwner'),
            revoke: z.boolean().default(false),
          }),
        )
        .min(1)
        .max(1000),
    }),
    responses: {
      200: z.object({ updated: z.number().int() }),
      404: errorResponse,
      ...standardErrors,
    },
  },
  updateKey: {
    method: 'PUT',
    path: '/v1/admin/devices/:deviceIdentification/key',
    summary: "Set a device's public key (PEM, ECDSA P-256), which its signed messages are verified with (device owner or ADMIN)",
    pathParams: devicePath,
    body: z.object({
      publicKey: text
        .max(4096)
        .includes('BEGIN PUBLIC KEY', { message: 'must be a PEM (SPKI) public key' })
        .describe("PEM of the device's ECDSA P-256 public key"),
    }),
    responses: { 204: c.noBody(), 404: errorResponse, ...standardErrors },
  },
  revokeKey: {
    method: 'DELETE',
    path: '/v1/admin/devices/:deviceIdentification/key',
    summary: "Remove a device's public key: the platform then refuses the device's messages and sends it nothing (device owner or ADMIN)",
    pathParams: devicePath,
    responses: { 204: c.noBody(), 404: errorResponse, ...standardErrors },
  },
  getProtocolInfos: {
    method: 'GET',
    path: '/v1/admin/protocols',
    summary: 'The device protocols the platform speaks, with the task queue of each adapter; ADMIN only',
    responses: { 200: z.object({ protocolInfos: z.array(protocolInfo) }), ...standardErrors },
  },
  updateDeviceProtocol: {
    method: 'PUT',
    path: '/v1/admin/devices/:deviceIdentification/protocol',
    summary: "Set a device's protocol, one of admin.getProtocolInfos; ADMIN only",
    pathParams: devicePath,
    body: z.object({ protocol, protocolVersion: text.min(1).max(32) }),
    responses: { 200: device, 404: errorResponse, ...standardErrors },
  },
  findMessageLogs: {
    method: 'GET',
    path: '/v1/admin/message-logs',
    summary:
      'Messages exchanged with devices, newest first, paged. ADMIN: all; other organisations: deviceIdentification required, with a function group allowing FIND_MESSAGE_LOGS on it',
    query: z.object({
      deviceIdentification: identification.optional(),
      correlationUid: text.min(1).max(200).optional(),
      from: isoDateTime.optional().describe('Messages at or after this time'),
      to: isoDateTime.optional().describe('Messages before this time'),
      limit,
      after: z
        .string()
        .regex(/^[1-9][0-9]{0,17}$/, 'must be a message log id')
        .optional()
        .describe('Message log id to continue after (older messages)'),
    }),
    responses: {
      200: z.object({ messageLogs: z.array(messageLog), nextCursor }),
      404: errorResponse,
      ...standardErrors,
    },
  },
  createApiKey: {
    method: 'POST',
    path: '/v1/admin/api-keys',
    summary:
      'Issue an API key (shown once; stored hashed) for the calling organisation, or, for ADMIN, for another organisation',
    body: z.object({
      label: text.trim().min(1).max(100).describe('What the key is for, e.g. the application using it'),
      organisationIdentification: identification.optional().describe('Default: the calling organisation'),
    }),
    responses: {
      201: apiKey.extend({ apiKey: z.string().describe('The key, `osgp_<id>_<secret>`: shown only in this response') }),
      404: errorResponse,
      ...standardErrors,
    },
  },
  findApiKeys: {
    method: 'GET',
    path: '/v1/admin/api-keys',
    summary: "An organisation's API keys, revoked ones included, never their secrets: the caller's own, or, for ADMIN, another's",
    query: z.object({
      organisationIdentification: identification.optional().describe('Default: the calling organisation'),
    }),
    responses: { 200: z.object({ apiKeys: z.array(apiKey) }), 404: errorResponse, ...standardErrors },
  },
  revokeApiKey: {
    method: 'DELETE',
    path: '/v1/admin/api-keys/:apiKeyId',
    summary: "Revoke an API key: the caller's own, or, for ADMIN, any; from then on it is answered 401",
    pathParams: z.object({ apiKeyId: z.string().regex(/^[a-f0-9]{16}$/, 'must be an API key id (16 hex digits)') }),
    responses: { 200: apiKey, 404: errorResponse, ...standardErrors },
  },
});
