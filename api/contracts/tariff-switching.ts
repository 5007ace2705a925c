// Tariff Switching (OSGP's GetDevices, GetStatus, SetSchedule): relays that switch between the high and low
// tariff. A TARIFF_REVERSED relay is on for the low tariff; the API always speaks of the tariff (high), the
// platform inverts the relay states of reversed relays both ways.
import { initContract } from '@ts-rest/core';
import { z } from 'zod';
import { scheduleWeekDays } from '../../common/device-commands';
import { acceptedRequest, deviceIdentifications, deviceRequestHeaders, errorResponse, standardErrors } from './common';
import { devicePageQuery, hhmm, isoDate, lightingDevicePage, maxScheduleEntries } from './public-lighting-device';

const c = initContract();

const tariffValues = z
  .array(z.object({ index: z.number().int().min(1).max(6).describe("The tariff relay's index"), high: z.boolean() }))
  .min(1)
  .max(6)
  .refine((values) => new Set(values.map((v) => v.index)).size === values.length, 'must not repeat an index');

export const tariffScheduleEntry = z
  .object({
    weekDay: z.enum(scheduleWeekDays),
    startDay: isoDate.optional(),
    endDay: isoDate.optional(),
    time: hhmm.describe('Device local time of the switch'),
    tariffValues,
  })
  .superRefine((entry, ctx) => {
    if (entry.weekDay === 'ABSOLUTEDAY' && entry.startDay === undefined) {
      ctx.addIssue({ code: 'custom', path: ['startDay'], message: 'is required with weekDay ABSOLUTEDAY' });
    }
    if (entry.startDay !== undefined && entry.endDay !== undefined && entry.endDay < entry.startDay) {
      ctx.addIssue({ code: 'custom', path: ['endDay'], message: 'must not be before startDay' });
    }
  });

const commandResponses = { 202: acceptedRequest, 404: errorResponse, 409: errorResponse, 503: errorResponse, ...standardErrors } as const;

export const tariffSwitchingContract = c.router({
  getDevices: {
    method: 'GET',
    path: '/v1/tariff-switching/devices',
    summary: 'The devices with a tariff relay (TARIFF or TARIFF_REVERSED) the caller holds an authorisation on, with their relays',
    query: devicePageQuery,
    responses: { 200: lightingDevicePage, ...standardErrors },
  },
  getStatus: {
    method: 'POST',
    path: '/v1/tariff-switching/get-status',
    summary: "Read the tariff of one or many devices; each device's result carries tariffValues (reversed relays inverted back)",
    headers: deviceRequestHeaders,
    body: z.object({ deviceIdentifications }),
    responses: commandResponses,
  },
  setSchedule: {
    method: 'POST',
    path: '/v1/tariff-switching/set-schedule',
    summary: 'Replace the tariff schedule of one or many devices; reversed relays are sent the inverse state',
    headers: deviceRequestHeaders,
    body: z.object({
      deviceIdentifications,
      schedules: z.array(tariffScheduleEntry).max(maxScheduleEntries).describe('An empty list clears the schedule'),
    }),
    responses: commandResponses,
  },
});
