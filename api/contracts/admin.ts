import { initContract } from '@ts-rest/core';
import { z } from 'zod';
import { deviceFunctionGroup, errorResponse, identification, platformFunctionGroup, standardErrors } from './common';

const c = initContract();

export const organisation = z.object({
  organisationIdentification: z.string(),
  name: z.string(),
  platformFunctionGroup,
  enabled: z.boolean(),
  createdAt: z.string(),
});

export const adminContract = c.router({
  createOrganisation: {
    method: 'POST',
    path: '/v1/admin/organisations',
    summary: 'Create an organisation and its first API key (shown once)',
    body: z.object({
      organisationIdentification: identification,
      name: z.string().min(1).max(255),
      platformFunctionGroup: platformFunctionGroup.default('USER'),
    }),
    responses: {
      201: z.object({ organisation, apiKey: z.string().describe('Shown only in this response') }),
      409: errorResponse,
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
            functionGroup: deviceFunctionGroup,
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
});
