import { initContract } from '@ts-rest/core';
import { z } from 'zod';
import { acceptedRequest, deviceIdentifications, errorResponse, deviceRequestHeaders, standardErrors } from './common';

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

export const publicLightingContract = c.router({
  setLight: {
    method: 'POST',
    path: '/v1/public-lighting/set-light',
    summary: 'Switch (and dim) the lights of one or many devices',
    headers: deviceRequestHeaders,
    body: z.object({
      deviceIdentifications,
      lightValues: z
        .array(lightValue)
        .min(1)
        .max(6)
        .refine((values) => new Set(values.map((v) => v.index)).size === values.length, 'must not repeat an index'),
    }),
    responses: { 202: acceptedRequest, 404: errorResponse, 409: errorResponse, 503: errorResponse, ...standardErrors },
  },
  getStatus: {
    method: 'POST',
    path: '/v1/public-lighting/get-status',
    summary: "Read the light status of one or many devices; each device's result carries its status",
    headers: deviceRequestHeaders,
    body: z.object({ deviceIdentifications }),
    responses: { 202: acceptedRequest, 404: errorResponse, 409: errorResponse, 503: errorResponse, ...standardErrors },
  },
});
