import { initContract } from '@ts-rest/core';
import { z } from 'zod';
import {
  acceptedRequest,
  deviceIdentifications,
  errorResponse,
  deviceRequestHeaders,
  identification,
  standardErrors,
} from './common';

const c = initContract();

export { maxDevicesPerRequest } from './common';

export const lightValue = z
  .object({
    index: z.number().int().min(0).max(6).describe('0 = all lights of the device'),
    on: z.boolean(),
    dimValue: z.number().int().min(1).max(100).optional(),
  })
  .refine((value) => value.on || value.dimValue === undefined, {
    message: 'dimValue applies only when on is true',
    path: ['dimValue'],
  });

/**
 * The devices of a lighting request: named (at most 1,000), or a device group of the caller's (any size,
 * sent in batches); exactly one of the two.
 */
const lightingTarget = {
  deviceIdentifications: deviceIdentifications.optional().describe('The devices, at most 1,000; or give groupIdentification'),
  groupIdentification: identification
    .optional()
    .describe("A device group of the caller's (core.createDeviceGroup), of any size; or give deviceIdentifications"),
};

function exactlyOneTarget(body: { deviceIdentifications?: string[]; groupIdentification?: string }, ctx: z.RefinementCtx): void {
  if (body.deviceIdentifications !== undefined && body.groupIdentification !== undefined) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'give either deviceIdentifications or groupIdentification, not both', path: ['groupIdentification'] });
  } else if (body.deviceIdentifications === undefined && body.groupIdentification === undefined) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'required (or give groupIdentification)', path: ['deviceIdentifications'] });
  }
}

export const publicLightingContract = c.router({
  setLight: {
    method: 'POST',
    path: '/v1/public-lighting/set-light',
    summary: 'Switch (and dim) the lights of one or many devices, or of a device group',
    headers: deviceRequestHeaders,
    body: z
      .object({
        ...lightingTarget,
        lightValues: z
          .array(lightValue)
          .min(1)
          .max(6)
          .refine((values) => new Set(values.map((v) => v.index)).size === values.length, 'must not repeat an index'),
      })
      .superRefine(exactlyOneTarget),
    responses: { 202: acceptedRequest, 404: errorResponse, 409: errorResponse, 503: errorResponse, ...standardErrors },
  },
  getStatus: {
    method: 'POST',
    path: '/v1/public-lighting/get-status',
    summary: "Read the light status of one or many devices, or of a device group; each device's result carries its status",
    headers: deviceRequestHeaders,
    body: z.object(lightingTarget).superRefine(exactlyOneTarget),
    responses: { 202: acceptedRequest, 404: errorResponse, 409: errorResponse, 503: errorResponse, ...standardErrors },
  },
});
