// Core configuration management (OSGP's CoreConfigurationManagement: getConfiguration, setConfiguration,
// switchConfiguration) and the rest of Core device management: a device's verification key and TLS certificate,
// its CDMA settings, the tasks waiting for their time (findScheduledTasks), and the organisations a caller may
// read (findOrganisation, findAllOrganisations). Device commands answer 202 with a correlationUid.
import { initContract } from '@ts-rest/core';
import { z } from 'zod';
import {
  configurationLightTypes,
  configurationLinkTypes,
  configurationRelayTypes,
  timeDetailsPattern,
} from '../../common/device-configuration';
import { acceptedRequest, deviceIdentifications, deviceRequestHeaders, errorResponse, identification, platformFunctionGroup, standardErrors, text } from './common';

const c = initContract();

const ipv4 = z.string().ip({ version: 'v4', message: 'must be an IPv4 address, e.g. 10.0.0.1' });
const seconds = z.number().int().min(0).max(0xffffffff);
const relayMatrixIndex = z.number().int().min(1).max(4);
const unique = <T>(list: T[]) => new Set(list).size === list.length;
const timeDetails = z
  .string()
  .regex(timeDetailsPattern, 'must be MMWHHmi: month 01-12, week day 0 (Monday)-6 (Sunday), hour 00-23, minute 00-59, e.g. 0360100');

/** What setConfiguration takes: every field optional, at least one given; the device keeps the others. */
export const configurationChange = z
  .object({
    lightType: z.enum(configurationLightTypes).optional(),
    daliConfiguration: z
      .object({
        numberOfLights: z.number().int().min(1).max(4),
        indexAddressMap: z
          .array(z.object({ index: z.number().int().min(1).max(4), address: z.number().int().min(1).max(255) }).strict())
          .max(4)
          .refine((maps) => unique(maps.map((m) => m.index)), 'must not repeat an index'),
      })
      .strict()
      .optional(),
    relayConfiguration: z
      .object({
        relayMap: z
          .array(
            z
              .object({
                index: z.number().int().min(1).max(6),
                address: z.number().int().min(1).max(255),
                relayType: z.enum(configurationRelayTypes),
              })
              .strict(),
          )
          .min(1)
          .max(6)
          .refine((maps) => unique(maps.map((m) => m.index)), 'must not repeat an index'),
      })
      .strict()
      .optional(),
    preferredLinkType: z.enum(configurationLinkTypes).optional(),
    timeSyncFrequency: seconds.optional().describe('Seconds between time synchronisations (OSLP default 86400)'),
    deviceFixedIp: z.object({ ipAddress: ipv4, netMask: ipv4, gateWay: ipv4 }).strict().optional(),
    dhcpEnabled: z.boolean().optional(),
    communicationTimeout: seconds.optional(),
    communicationNumberOfRetries: z.number().int().min(0).max(255).optional(),
    communicationPauseTimeBetweenConnectionTrials: seconds.optional(),
    osgpIpAddress: ipv4.optional().describe("The platform's address the device calls (its listener)"),
    osgpPortNumber: z.number().int().min(1).max(65535).optional(),
    testButtonEnabled: z.boolean().optional(),
    automaticSummerTimingEnabled: z.boolean().optional(),
    astroGateSunRiseOffset: z.number().int().min(-86_400).max(86_400).optional().describe('Seconds; negative = earlier'),
    astroGateSunSetOffset: z.number().int().min(-86_400).max(86_400).optional().describe('Seconds; negative = earlier'),
    switchingDelays: z.array(seconds).min(1).max(4).optional().describe('Seconds, at most 4'),
    relayLinking: z
      .array(
        z
          .object({
            masterRelayIndex: relayMatrixIndex,
            masterRelayOn: z.boolean(),
            indicesOfControlledRelaysOn: z.array(relayMatrixIndex).max(4).refine(unique, 'must not repeat an index').default([]),
            indicesOfControlledRelaysOff: z.array(relayMatrixIndex).max(4).refine(unique, 'must not repeat an index').default([]),
          })
          .strict(),
      )
      .min(1)
      .max(8)
      .optional(),
    relayRefreshing: z.boolean().optional(),
    summerTimeDetails: timeDetails.optional().describe('MMWHHmi of the change to summer time (OSLP default 0360100)'),
    winterTimeDetails: timeDetails.optional().describe('MMWHHmi of the change to winter time (OSLP default 1060200)'),
  })
  .strict()
  .refine((body) => Object.values(body).some((value) => value !== undefined), 'must change at least one field')
  .refine((body) => !(body.dhcpEnabled === false && body.deviceFixedIp === undefined), {
    message: 'must be given when dhcpEnabled is false (the device needs a fixed address)',
    path: ['deviceFixedIp'],
  });

/** A configuration as a device reported it (shown with the device); no input limits, the device's word. */
export const reportedConfiguration = z
  .object({
    lightType: z.string().optional(),
    daliConfiguration: z.object({ numberOfLights: z.number(), indexAddressMap: z.array(z.object({ index: z.number(), address: z.number() })) }).optional(),
    relayConfiguration: z.object({ relayMap: z.array(z.object({ index: z.number(), address: z.number(), relayType: z.string() })) }).optional(),
    preferredLinkType: z.string().optional(),
    timeSyncFrequency: z.number().optional(),
    deviceFixedIp: z.object({ ipAddress: z.string(), netMask: z.string(), gateWay: z.string() }).optional(),
    dhcpEnabled: z.boolean().optional(),
    communicationTimeout: z.number().optional(),
    communicationNumberOfRetries: z.number().optional(),
    communicationPauseTimeBetweenConnectionTrials: z.number().optional(),
    osgpIpAddress: z.string().optional(),
    osgpPortNumber: z.number().optional(),
    testButtonEnabled: z.boolean().optional(),
    automaticSummerTimingEnabled: z.boolean().optional(),
    astroGateSunRiseOffset: z.number().optional(),
    astroGateSunSetOffset: z.number().optional(),
    switchingDelays: z.array(z.number()).optional(),
    relayLinking: z
      .array(
        z.object({
          masterRelayIndex: z.number(),
          masterRelayOn: z.boolean(),
          indicesOfControlledRelaysOn: z.array(z.number()),
          indicesOfControlledRelaysOff: z.array(z.number()),
        }),
      )
      .optional(),
    relayRefreshing: z.boolean().optional(),
    summerTimeDetails: z.string().optional(),
    winterTimeDetails: z.string().optional(),
  })
  .describe('The configuration the device last reported (getConfiguration) or accepted (setConfiguration)');

const deviceCommandResponses = { 202: acceptedRequest, 404: errorResponse, 409: errorResponse, 503: errorResponse, ...standardErrors } as const;
const devicePathParams = z.object({ deviceIdentification: identification });
const pageLimit = z.coerce.number().int().min(1).max(1000).default(100);
const cursor = text.min(1).max(512).optional().describe('The nextCursor of the previous page (opaque)');
const nextCursor = z.string().nullable().describe('Pass as `after` to read the next page; null on the last page');

export const scheduledTask = z.object({
  kind: z.enum(['REQUEST', 'LIGHTING_SCHEDULE_RUN']).describe('A request waiting for X-OSGP-Schedule-Time, or a lighting schedule run'),
  scheduledTime: z.string(),
  organisationIdentification: z.string(),
  domain: z.string(),
  messageType: z.string().describe('The operation, e.g. setConfiguration or scheduledSetLight'),
  status: z.enum(['PENDING']),
  correlationUid: z.string().nullable().describe('REQUEST: its correlation uid'),
  deviceIdentifications: z.array(z.string()).describe('The devices named (empty for a group target)'),
  groupIdentification: z.string().nullable(),
  lightingScheduleIdentification: z.string().nullable(),
  creationTime: z.string(),
});
export type ScheduledTaskView = z.infer<typeof scheduledTask>;

export const coreOrganisation = z.object({
  organisationIdentification: z.string(),
  name: z.string(),
  platformFunctionGroup,
  enabled: z.boolean(),
  domains: z.array(z.string()).describe("The platform's domains the organisation may use"),
});
export type CoreOrganisationView = z.infer<typeof coreOrganisation>;

export const coreConfigurationContract = c.router({
  getConfiguration: {
    method: 'POST',
    path: '/v1/core/get-configuration',
    summary: "Read the configuration of one or many devices (GET_CONFIGURATION); each result carries it, and the device record keeps it",
    headers: deviceRequestHeaders,
    body: z.object({ deviceIdentifications }),
    responses: deviceCommandResponses,
  },

  setConfiguration: {
    method: 'POST',
    path: '/v1/core/set-configuration',
    summary: 'Change the configuration of one or many devices (SET_CONFIGURATION); fields left out stay as the device has them',
    headers: deviceRequestHeaders,
    body: z.object({ deviceIdentifications, configuration: configurationChange }),
    responses: deviceCommandResponses,
  },

  switchConfiguration: {
    method: 'POST',
    path: '/v1/core/switch-configuration',
    summary: 'Make a configuration bank (0 or 1) the one in force on one or many devices (SWITCH_CONFIGURATION_BANK)',
    headers: deviceRequestHeaders,
    body: z.object({ deviceIdentifications, configurationBank: z.number().int().min(0).max(1) }),
    responses: deviceCommandResponses,
  },

  setDeviceVerificationKey: {
    method: 'POST',
    path: '/v1/core/set-device-verification-key',
    summary:
      "Give devices the platform public key they verify the platform's messages with (SET_DEVICE_VERIFICATION_KEY); kept per device only once it accepted it",
    headers: deviceRequestHeaders,
    body: z.object({
      deviceIdentifications,
      // The pattern bounds the length itself, so generated examples (the contract fuzz suite) fit it too.
      verificationKey: z
        .string()
        .regex(/^[A-Za-z0-9+/]{118,138}={0,2}$/, 'must be Base64')
        .min(120, 'must be 120-138 characters: the Base64 of a P-256 public key (DER SubjectPublicKeyInfo)')
        .max(138, 'must be 120-138 characters: the Base64 of a P-256 public key (DER SubjectPublicKeyInfo)'),
    }),
    responses: deviceCommandResponses,
  },

  updateDeviceSslCertification: {
    method: 'POST',
    path: '/v1/core/update-device-ssl-certification',
    summary: 'Tell devices where to fetch a new TLS certificate (UPDATE_DEVICE_SSL_CERTIFICATION)',
    headers: deviceRequestHeaders,
    body: z.object({
      deviceIdentifications,
      certification: z
        .object({
          certificateDomain: text.min(1).max(100).regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'must be a host name or address, optionally with :port'),
          certificateUrl: text.min(1).max(255).regex(/^[\x21-\x7e]+$/, 'must be a URL path without spaces'),
        })
        .strict(),
    }),
    responses: deviceCommandResponses,
  },

  updateDeviceCdmaSettings: {
    method: 'PUT',
    path: '/v1/core/devices/:deviceIdentification/cdma-settings',
    summary: "Set a device's CDMA mast segment and batch number (UPDATE_DEVICE_CDMA_SETTINGS); null removes one",
    pathParams: devicePathParams,
    body: z
      .object({
        mastSegment: text.min(1).max(20).nullable().optional(),
        batchNumber: z.number().int().min(0).max(32767).nullable().optional().describe('A short, as OSGP'),
      })
      .strict()
      .refine((body) => body.mastSegment !== undefined || body.batchNumber !== undefined, 'must set mastSegment or batchNumber'),
    responses: {
      200: z.object({ deviceIdentification: z.string(), mastSegment: z.string().nullable(), batchNumber: z.number().int().nullable() }),
      404: errorResponse,
      ...standardErrors,
    },
  },

  findScheduledTasks: {
    method: 'GET',
    path: '/v1/core/scheduled-tasks',
    summary:
      "Requests waiting for their schedule time and lighting schedule runs to come, soonest first (FIND_SCHEDULED_TASKS on the device; without one the caller's own, all for ADMIN)",
    query: z.object({
      deviceIdentification: identification.optional(),
      kind: z.enum(['REQUEST', 'LIGHTING_SCHEDULE_RUN']).optional(),
      from: z.string().datetime({ offset: true, message: 'must be an ISO 8601 date-time with a time zone' }).optional(),
      until: z.string().datetime({ offset: true, message: 'must be an ISO 8601 date-time with a time zone' }).optional(),
      limit: pageLimit,
      after: cursor,
    }),
    responses: { 200: z.object({ scheduledTasks: z.array(scheduledTask), nextCursor }), 404: errorResponse, 503: errorResponse, ...standardErrors },
  },

  findOrganisation: {
    method: 'GET',
    path: '/v1/core/organisations/:organisationIdentification',
    summary: 'An organisation: every organisation may read its own; ADMIN reads any',
    pathParams: z.object({ organisationIdentification: identification }),
    responses: { 200: coreOrganisation, 404: errorResponse, ...standardErrors },
  },

  findAllOrganisations: {
    method: 'GET',
    path: '/v1/core/organisations',
    summary: 'The organisations the caller may read: its own, or every one for ADMIN; by identification, paged',
    query: z.object({ limit: pageLimit, after: identification.optional().describe('Organisation identification to continue after') }),
    responses: { 200: z.object({ organisations: z.array(coreOrganisation), nextCursor }), ...standardErrors },
  },
});
