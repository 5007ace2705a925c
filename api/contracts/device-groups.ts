// Core, device groups: an organisation's named sets of devices to send one request to (publicLighting.setLight
// and getStatus with a groupIdentification). STATIC groups list their members; FILTER groups keep a
// core.findDevices filter, resolved when a request runs. A group is its organisation's alone. Part of `core`.
import { initContract } from '@ts-rest/core';
import { z } from 'zod';
import { errorResponse, identification, protocol, standardErrors, text } from './common';
import { communicationState, device, deviceIdentificationPrefix, deviceLifecycleStatus } from './core';

const c = initContract();

/** Devices one addDeviceGroupMembers / removeDeviceGroupMembers call may name. */
export const maxMembersPerCall = 10_000;

/** The filter fields of core.findDevices, as JSON. */
export const deviceFilter = z
  .object({
    deviceIdentificationPrefix: deviceIdentificationPrefix.optional(),
    protocol: protocol.optional(),
    ownerIdentification: identification.optional(),
    activated: z.boolean().optional(),
    inMaintenance: z.boolean().optional(),
    lifecycleStatus: deviceLifecycleStatus.optional(),
    communicationState: communicationState.optional(),
    minLat: z.number().min(-90).max(90).optional(),
    maxLat: z.number().min(-90).max(90).optional(),
    minLon: z.number().min(-180).max(180).optional(),
    maxLon: z.number().min(-180).max(180).optional(),
  })
  .strict()
  .refine((f) => f.minLat === undefined || f.maxLat === undefined || f.minLat <= f.maxLat, {
    message: 'must not be above maxLat',
    path: ['minLat'],
  })
  .refine((f) => f.minLon === undefined || f.maxLon === undefined || f.minLon <= f.maxLon, {
    message: 'must not be above maxLon',
    path: ['minLon'],
  })
  .describe('The filter fields of core.findDevices; the group is the devices matching them (that the organisation holds a right on)');

export const deviceGroupKind = z.enum(['STATIC', 'FILTER']);

export const deviceGroup = z.object({
  groupIdentification: z.string(),
  description: z.string().nullable(),
  kind: deviceGroupKind,
  filter: z.record(z.unknown()).nullable().describe('FILTER groups: the findDevices filter fields'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type DeviceGroupView = z.infer<typeof deviceGroup>;

const groupPath = z.object({ groupIdentification: identification });
const description = text.max(255);
const pageLimit = z.coerce.number().int().min(1).max(1000).default(100);
const cursor = text.min(1).max(512).optional().describe('The nextCursor of the previous page (opaque)');
const memberList = z
  .array(identification)
  .min(1)
  .max(maxMembersPerCall)
  .refine((ids) => new Set(ids).size === ids.length, 'must not repeat a device');

export const deviceGroupsContract = c.router({
  createDeviceGroup: {
    method: 'POST',
    path: '/v1/core/device-groups',
    summary: "Create a device group of the caller's organisation: STATIC (members added by name) or FILTER (a findDevices filter)",
    body: z
      .object({
        groupIdentification: identification,
        description: description.optional(),
        kind: deviceGroupKind,
        filter: deviceFilter.optional(),
      })
      .superRefine((body, ctx) => {
        if (body.kind === 'FILTER' && body.filter === undefined) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'required for a FILTER group', path: ['filter'] });
        }
        if (body.kind === 'STATIC' && body.filter !== undefined) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'only for a FILTER group (a STATIC group lists its members)', path: ['filter'] });
        }
      }),
    responses: { 201: deviceGroup, 409: errorResponse, ...standardErrors },
  },
  findDeviceGroups: {
    method: 'GET',
    path: '/v1/core/device-groups',
    summary: "The caller's device groups by groupIdentification, filtered; page with limit and after",
    query: z.object({
      limit: pageLimit,
      after: cursor,
      kind: deviceGroupKind.optional(),
      groupIdentificationPrefix: z
        .string()
        .max(64)
        .regex(/^[A-Za-z0-9_.-]*$/, 'only letters, digits, ".", "_" and "-"')
        .optional(),
    }),
    responses: {
      200: z.object({
        groups: z.array(deviceGroup),
        nextCursor: z.string().nullable().describe('Pass as `after` to read the next page; null on the last page'),
      }),
      ...standardErrors,
    },
  },
  getDeviceGroup: {
    method: 'GET',
    path: '/v1/core/device-groups/:groupIdentification',
    summary: 'A device group and its number of members (for a FILTER group: the devices matching now)',
    pathParams: groupPath,
    responses: { 200: deviceGroup.extend({ memberCount: z.number().int() }), 404: errorResponse, ...standardErrors },
  },
  updateDeviceGroup: {
    method: 'PUT',
    path: '/v1/core/device-groups/:groupIdentification',
    summary: "Change a device group's description or (FILTER groups) its filter; fields left out stay as they are",
    pathParams: groupPath,
    body: z
      .object({
        description: description.nullable().optional().describe('null removes the description'),
        filter: deviceFilter.optional().describe('FILTER groups only: replaces the filter'),
      })
      .strict()
      .refine((body) => body.description !== undefined || body.filter !== undefined, 'must change at least one field'),
    responses: { 200: deviceGroup, 404: errorResponse, ...standardErrors },
  },
  deleteDeviceGroup: {
    method: 'DELETE',
    path: '/v1/core/device-groups/:groupIdentification',
    summary: 'Delete a device group (its devices stay as they are)',
    pathParams: groupPath,
    responses: { 204: c.noBody(), 404: errorResponse, ...standardErrors },
  },
  addDeviceGroupMembers: {
    method: 'POST',
    path: '/v1/core/device-groups/:groupIdentification/members',
    summary: `Add up to ${maxMembersPerCall} devices to a STATIC group (devices already in it are left as they are); 404 names devices unknown to the caller`,
    pathParams: groupPath,
    body: z.object({ deviceIdentifications: memberList }),
    responses: {
      200: z.object({ added: z.number().int(), memberCount: z.number().int() }),
      404: errorResponse,
      409: errorResponse,
      ...standardErrors,
    },
  },
  removeDeviceGroupMembers: {
    method: 'POST',
    path: '/v1/core/device-groups/:groupIdentification/members/removal',
    summary: `Remove up to ${maxMembersPerCall} devices from a STATIC group (devices not in it are ignored); 404 names devices unknown to the caller`,
    pathParams: groupPath,
    body: z.object({ deviceIdentifications: memberList }),
    responses: {
      200: z.object({ removed: z.number().int(), memberCount: z.number().int() }),
      404: errorResponse,
      409: errorResponse,
      ...standardErrors,
    },
  },
  findDeviceGroupMembers: {
    method: 'GET',
    path: '/v1/core/device-groups/:groupIdentification/members',
    summary: 'The devices of a group (for a FILTER group: those matching now), by deviceIdentification; page with limit and after',
    pathParams: groupPath,
    query: z.object({ limit: pageLimit, after: cursor }),
    responses: {
      200: z.object({
        devices: z.array(device),
        nextCursor: z.string().nullable().describe('Pass as `after` to read the next page; null on the last page'),
      }),
      404: errorResponse,
      ...standardErrors,
    },
  },
});
