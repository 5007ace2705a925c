// Platform-side lighting schedules (publicLighting.*LightingSchedule*): an organisation's calendar and
// astronomical switching entries for a device list or a device group, in an IANA time zone, run by
// Temporal Schedules. Each run is an ordinary request (operation publicLighting.scheduledSetLight).
import { initContract } from '@ts-rest/core';
import { z } from 'zod';
import { daysOfWeek, isValidTimeZone, parseLocalDate, parseTimeOfDay } from '../../common/time-zones';
import { acceptedRequest, deviceIdentifications, errorResponse, identification, standardErrors, text } from './common';
import { lightValue } from './public-lighting';

const c = initContract();

const lightValues = z
  .array(lightValue)
  .min(1)
  .max(6)
  .refine((values) => new Set(values.map((v) => v.index)).size === values.length, 'must not repeat an index');

const entryDays = z
  .array(z.enum(daysOfWeek))
  .min(1)
  .max(7)
  .refine((days) => new Set(days).size === days.length, 'must not repeat a day')
  .describe('Days of week (of the sun event, for astronomical entries)');

export const calendarEntry = z.object({
  kind: z.literal('calendar'),
  daysOfWeek: entryDays,
  time: z
    .string()
    .refine((text) => parseTimeOfDay(text) !== undefined, 'must be a local time hh:mm (00:00-23:59)')
    .describe('Local wall time in the schedule time zone; a time that a daylight-saving change skips runs once, at the same time after the change'),
  lightValues,
});

export const astronomicalEntry = z.object({
  kind: z.literal('astronomical'),
  event: z.enum(['sunrise', 'sunset']),
  offsetMinutes: z.number().int().min(-360).max(360).describe('Minutes after (positive) or before (negative) the event'),
  daysOfWeek: entryDays,
  lightValues,
});

export const lightingScheduleEntry = z.discriminatedUnion('kind', [calendarEntry, astronomicalEntry]);

const localDate = z.string().refine((text) => parseLocalDate(text) !== undefined, 'must be a date yyyy-mm-dd');

const location = z.object({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180) });

const scheduleFields = {
  description: text.max(255).optional(),
  timeZone: z
    .string()
    .max(64)
    .refine(isValidTimeZone, 'must be an IANA time zone, e.g. Europe/Amsterdam')
    .describe('IANA time zone of the calendar times and of the exception dates'),
  deviceIdentifications: deviceIdentifications.optional().describe('The devices to switch (or groupIdentification)'),
  groupIdentification: identification.optional().describe('A device group of the caller to switch (or deviceIdentifications)'),
  entries: z.array(lightingScheduleEntry).min(1).max(20),
  exceptionDates: z
    .array(localDate)
    .max(366)
    .refine((dates) => new Set(dates).size === dates.length, 'must not repeat a date')
    .default([])
    .describe('Local dates on which nothing runs'),
  startDate: localDate.optional().describe('Optional season: the first local date the schedule runs on'),
  endDate: localDate.optional().describe('Optional season: the last local date the schedule runs on'),
  defaultLocation: location
    .optional()
    .describe('Where astronomical entries compute sunrise and sunset for devices without a location of their own'),
  paused: z.boolean().default(false),
};

function exactlyOneTarget(
  body: { deviceIdentifications?: string[]; groupIdentification?: string; startDate?: string; endDate?: string },
  ctx: z.RefinementCtx,
): void {
  if (body.startDate && body.endDate && body.endDate < body.startDate) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['endDate'], message: 'must not be before startDate' });
  }
  const count = (body.deviceIdentifications ? 1 : 0) + (body.groupIdentification ? 1 : 0);
  if (count !== 1) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['deviceIdentifications'],
      message: 'give exactly one of deviceIdentifications and groupIdentification',
    });
  }
}

export const createLightingScheduleBody = z.object({ identification, ...scheduleFields }).superRefine(exactlyOneTarget);
export const updateLightingScheduleBody = z.object(scheduleFields).superRefine(exactlyOneTarget);
export type LightingScheduleInput = z.infer<typeof updateLightingScheduleBody>;

export const lightingScheduleView = z.object({
  identification: z.string(),
  description: z.string().nullable(),
  timeZone: z.string(),
  deviceIdentifications: z.array(z.string()).nullable(),
  groupIdentification: z.string().nullable(),
  entries: z.array(lightingScheduleEntry),
  exceptionDates: z.array(z.string()),
  startDate: z.string().nullable(),
  endDate: z.string().nullable(),
  defaultLocation: location.nullable(),
  paused: z.boolean(),
  temporalScheduleIds: z.array(z.string()).describe('One Temporal Schedule per entry'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type LightingScheduleView = z.infer<typeof lightingScheduleView>;

const nextRuns = z.array(
  z.object({
    entryIndex: z.number().int(),
    kind: z.enum(['calendar', 'astronomical']),
    nextRunTimes: z.array(z.string()).describe("Calendar: Temporal's next action times. Astronomical: computed switching times"),
    place: location.optional().describe('Astronomical: where the times were computed (default location, or the first device with one)'),
  }),
);

const pathParams = z.object({ identification });
const notFound = { 404: errorResponse };

export const lightingSchedulesContract = c.router({
  createLightingSchedule: {
    method: 'POST',
    path: '/v1/public-lighting/lighting-schedules',
    summary: 'Create a platform-side lighting schedule (calendar and astronomical entries) run by Temporal Schedules',
    body: createLightingScheduleBody,
    responses: { 201: lightingScheduleView, ...notFound, 409: errorResponse, 503: errorResponse, ...standardErrors },
  },
  findLightingSchedules: {
    method: 'GET',
    path: '/v1/public-lighting/lighting-schedules',
    summary: "The caller's lighting schedules, by identification",
    query: z.object({
      limit: z.coerce.number().int().min(1).max(1000).default(100),
      after: text.max(200).optional().describe('nextCursor of the previous page'),
    }),
    responses: {
      200: z.object({ schedules: z.array(lightingScheduleView), nextCursor: z.string().nullable() }),
      ...standardErrors,
    },
  },
  getLightingSchedule: {
    method: 'GET',
    path: '/v1/public-lighting/lighting-schedules/:identification',
    summary: 'One lighting schedule, with the next run times of each entry',
    pathParams,
    responses: { 200: lightingScheduleView.extend({ nextRuns }), ...notFound, 503: errorResponse, ...standardErrors },
  },
  updateLightingSchedule: {
    method: 'PUT',
    path: '/v1/public-lighting/lighting-schedules/:identification',
    summary: "Replace a lighting schedule's definition; its Temporal Schedules follow",
    pathParams,
    body: updateLightingScheduleBody,
    responses: { 200: lightingScheduleView, ...notFound, 503: errorResponse, ...standardErrors },
  },
  deleteLightingSchedule: {
    method: 'DELETE',
    path: '/v1/public-lighting/lighting-schedules/:identification',
    summary: 'Delete a lighting schedule and its Temporal Schedules (runs already started finish)',
    pathParams,
    body: c.noBody(),
    responses: { 204: c.noBody(), ...notFound, 503: errorResponse, ...standardErrors },
  },
  pauseLightingSchedule: {
    method: 'POST',
    path: '/v1/public-lighting/lighting-schedules/:identification/pause',
    summary: 'Pause a lighting schedule: none of its entries runs until it is unpaused',
    pathParams,
    body: c.noBody(),
    responses: { 200: lightingScheduleView, ...notFound, 503: errorResponse, ...standardErrors },
  },
  unpauseLightingSchedule: {
    method: 'POST',
    path: '/v1/public-lighting/lighting-schedules/:identification/unpause',
    summary: 'Resume a paused lighting schedule',
    pathParams,
    body: c.noBody(),
    responses: { 200: lightingScheduleView, ...notFound, 503: errorResponse, ...standardErrors },
  },
  triggerLightingSchedule: {
    method: 'POST',
    path: '/v1/public-lighting/lighting-schedules/:identification/trigger',
    summary: "Run one entry now: its light values on the schedule's devices, as an ordinary request",
    pathParams,
    headers: z.object({
      'idempotency-key': text.min(1).max(128).optional().describe('Repeating the trigger with the same key runs it once'),
    }),
    body: z.object({
      entryIndex: z.number().int().min(0).max(19).optional().describe('Which entry to run; required when the schedule has more than one'),
    }),
    responses: { 202: acceptedRequest, ...notFound, 503: errorResponse, ...standardErrors },
  },
});
