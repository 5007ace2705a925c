// Public Lighting's device-side operations (OSGP's SetSchedule, ResumeSchedule, SetTransition,
// SetLightMeasurementDevice, FindAllDevices), merged into the publicLighting router next to setLight/getStatus.
// The device commands answer 202 with a correlationUid; the two data operations answer at once.
import { initContract } from '@ts-rest/core';
import { z } from 'zod';
import { scheduleActionTimes, scheduleTriggerTypes, scheduleWeekDays, transitionTypes } from '../../common/device-commands';
import { acceptedRequest, deviceIdentifications, deviceRequestHeaders, errorResponse, identification, standardErrors, text } from './common';
import { lightValue } from './public-lighting';

const c = initContract();

/** Entries one schedule may hold; OSLP sends them 5 to a page, and one message holds at most 50. */
export const maxScheduleEntries = 50;
/** Minutes an astronomical time may be moved (either way). */
export const maxAstronomicalOffsetMinutes = 180;

export const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time hh:mm (00:00-23:59)');

/** A calendar date yyyy-mm-dd that exists. */
export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date yyyy-mm-dd')
  .refine((text) => {
    const date = new Date(`${text}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
  }, 'must be a date that exists');

const lightValues = z
  .array(lightValue)
  .min(1)
  .max(6)
  .refine((values) => new Set(values.map((v) => v.index)).size === values.length, 'must not repeat an index');

export const scheduleEntry = z
  .object({
    weekDay: z.enum(scheduleWeekDays).describe('WEEKDAY = Monday-Friday; ABSOLUTEDAY = the dates startDay..endDay'),
    startDay: isoDate.optional().describe('First day the entry applies (required with ABSOLUTEDAY)'),
    endDay: isoDate.optional().describe('Last day the entry applies (inclusive)'),
    actionTime: z.enum(scheduleActionTimes),
    time: hhmm.optional().describe('Device local time; required with ABSOLUTETIME, not allowed otherwise'),
    triggerWindow: z
      .object({ minutesBefore: z.number().int().min(0).max(720), minutesAfter: z.number().int().min(0).max(720) })
      .optional()
      .describe('Around the astronomical time: how long a light trigger (setTransition) is awaited'),
    lightValues,
    triggerType: z.enum(scheduleTriggerTypes).optional(),
    minimumLightsOn: z.number().int().min(0).max(86_400).optional().describe('Seconds'),
    index: z.number().int().min(0).max(1000).optional().describe("The entry's place in the device's schedule list"),
    isEnabled: z.boolean().optional(),
  })
  .superRefine((entry, ctx) => {
    if (entry.actionTime === 'ABSOLUTETIME' && entry.time === undefined) {
      ctx.addIssue({ code: 'custom', path: ['time'], message: 'is required with actionTime ABSOLUTETIME' });
    }
    if (entry.actionTime !== 'ABSOLUTETIME' && entry.time !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['time'], message: 'applies only to actionTime ABSOLUTETIME' });
    }
    if (entry.weekDay === 'ABSOLUTEDAY' && entry.startDay === undefined) {
      ctx.addIssue({ code: 'custom', path: ['startDay'], message: 'is required with weekDay ABSOLUTEDAY' });
    }
    if (entry.startDay !== undefined && entry.endDay !== undefined && entry.endDay < entry.startDay) {
      ctx.addIssue({ code: 'custom', path: ['endDay'], message: 'must not be before startDay' });
    }
    if (entry.triggerWindow !== undefined && entry.actionTime === 'ABSOLUTETIME') {
      ctx.addIssue({ code: 'custom', path: ['triggerWindow'], message: 'applies only to actionTime SUNRISE or SUNSET' });
    }
  });

const astronomicalOffset = z.number().int().min(-maxAstronomicalOffsetMinutes).max(maxAstronomicalOffsetMinutes);

const commandResponses = { 202: acceptedRequest, 404: errorResponse, 409: errorResponse, 503: errorResponse, ...standardErrors } as const;

export const lightingDevice = z.object({
  deviceIdentification: z.string(),
  alias: z.string().nullable(),
  deviceType: z.enum(['SSLD', 'PSLD', 'LMD']),
  activated: z.boolean(),
  inMaintenance: z.boolean(),
  relays: z.array(z.object({ index: z.number().int(), relayType: z.enum(['LIGHT', 'TARIFF', 'TARIFF_REVERSED']), alias: z.string().nullable() })),
  lightMeasurementDeviceIdentification: z.string().nullable(),
});
export type LightingDeviceView = z.infer<typeof lightingDevice>;

export const lightingDevicePage = z.object({
  devices: z.array(lightingDevice),
  nextCursor: z.string().nullable().describe('Pass as `after` to read the next page; null on the last page'),
});

export const devicePageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: text.min(1).max(512).optional().describe('The nextCursor of the previous page (opaque)'),
});

export const publicLightingDeviceContract = c.router({
  setSchedule: {
    method: 'POST',
    path: '/v1/public-lighting/set-schedule',
    summary:
      "Replace the light schedule of one or many devices (OSLP sends it in pages of 5); SUNRISE/SUNSET entries move by the device's astronomical offsets",
    headers: deviceRequestHeaders,
    body: z.object({
      deviceIdentifications,
      schedules: z.array(scheduleEntry).max(maxScheduleEntries).describe('An empty list clears the schedule'),
      astronomicalSunriseOffset: astronomicalOffset
        .optional()
        .describe('Minutes (negative = earlier); OSLP keeps one per device, so it applies to every SUNRISE entry'),
      astronomicalSunsetOffset: astronomicalOffset.optional().describe('Minutes (negative = earlier), for every SUNSET entry'),
    }),
    responses: commandResponses,
  },
  resumeSchedule: {
    method: 'POST',
    path: '/v1/public-lighting/resume-schedule',
    summary: 'Devices follow their schedule again after an ad hoc setLight, now (isImmediate) or from its next entry',
    headers: deviceRequestHeaders,
    body: z
      .object({
        deviceIdentifications: deviceIdentifications.optional(),
        groupIdentification: identification
          .optional()
          .describe("A device group of the caller's (core.createDeviceGroup), of any size, sent in batches; or give deviceIdentifications"),
        index: z.number().int().min(0).max(6).optional().describe('0 or absent = every light of the device'),
        isImmediate: z.boolean(),
      })
      .superRefine((body, ctx) => {
        if (body.deviceIdentifications !== undefined && body.groupIdentification !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['groupIdentification'], message: 'give either deviceIdentifications or groupIdentification, not both' });
        } else if (body.deviceIdentifications === undefined && body.groupIdentification === undefined) {
          ctx.addIssue({ code: 'custom', path: ['deviceIdentifications'], message: 'required (or give groupIdentification)' });
        }
      }),
    responses: commandResponses,
  },
  setTransition: {
    method: 'POST',
    path: '/v1/public-lighting/set-transition',
    summary: "Tell devices that day turned to night (DAY_NIGHT) or back; their LIGHT_TRIGGER schedule entries act on it",
    headers: deviceRequestHeaders,
    body: z.object({
      deviceIdentifications,
      transitionType: z.enum(transitionTypes),
      time: hhmm.optional().describe('UTC time of the transition; absent = now'),
    }),
    responses: commandResponses,
  },
  setLightMeasurementDevice: {
    method: 'PUT',
    path: '/v1/public-lighting/devices/:deviceIdentification/light-measurement-device',
    summary: 'Link a light to the light measurement device whose dark/light reports switch it (null unlinks it)',
    pathParams: z.object({ deviceIdentification: identification }),
    body: z.object({ lightMeasurementDeviceIdentification: identification.nullable() }),
    responses: { 200: lightingDevice, 404: errorResponse, ...standardErrors },
  },
  findAllDevices: {
    method: 'GET',
    path: '/v1/public-lighting/devices',
    summary: 'The lighting devices (not light measurement devices) the caller holds an authorisation on, with relays and LMD',
    query: devicePageQuery,
    responses: { 200: lightingDevicePage, ...standardErrors },
  },
});
