// Core installation of light measurement devices (OSGP's AddLightMeasurementDevice and
// UpdateLightMeasurementDevice): a device of type LMD whose dark/light reports switch the lights linked to it
// (publicLighting.setLightMeasurementDevice). Merged into the core router.
import { initContract } from '@ts-rest/core';
import { z } from 'zod';
import { errorResponse, identification, standardErrors, text } from './common';
import { coreContract, device } from './core';

const c = initContract();

const lmdFields = {
  code: text.min(1).max(64).optional().describe("The installer's code of the sensor"),
  color: text.min(1).max(32).optional().describe('The sensor colour, as OSGP keeps it'),
  digitalInput: z.number().int().min(1).max(255).optional().describe('The digital input the sensor is wired to'),
};

export const lightMeasurementDevice = device.extend({
  code: z.string().nullable(),
  color: z.string().nullable(),
  digitalInput: z.number().int().nullable(),
  lastCommunicationTime: z.string().nullable().describe('When it last reported dark or light'),
});
export type LightMeasurementDeviceView = z.infer<typeof lightMeasurementDevice>;

export const coreLightMeasurementContract = c.router({
  addLightMeasurementDevice: {
    method: 'POST',
    path: '/v1/core/light-measurement-devices',
    summary: 'Add a light measurement device (type LMD); the calling organisation becomes its owner',
    body: coreContract.addDevice.body.extend(lmdFields),
    responses: { 201: lightMeasurementDevice, 409: errorResponse, ...standardErrors },
  },
  updateLightMeasurementDevice: {
    method: 'PUT',
    path: '/v1/core/light-measurement-devices/:deviceIdentification',
    summary: "Change a light measurement device's alias, location, code, colour or digital input (UPDATE_DEVICE)",
    pathParams: z.object({ deviceIdentification: identification }),
    body: z
      .object({
        alias: text.max(255).nullable().optional(),
        latitude: z.number().min(-90).max(90).nullable().optional(),
        longitude: z.number().min(-180).max(180).nullable().optional(),
        ...lmdFields,
      })
      .strict()
      .refine((body) => Object.values(body).some((value) => value !== undefined), 'must change at least one field'),
    responses: { 200: lightMeasurementDevice, 404: errorResponse, ...standardErrors },
  },
});
