import { initContract } from '@ts-rest/core';
import { z } from 'zod';
import { errorResponse, identification, standardErrors } from './common';

const c = initContract();

const base64Uid = z
  .string()
  .regex(/^[A-Za-z0-9+/]{16}$/, 'must be the Base64 of 12 bytes (16 characters)')
  .describe('OSLP device uid: 2-byte manufacturer id + 10-byte device id, Base64');

export const device = z.object({
  deviceIdentification: z.string(),
  alias: z.string().nullable(),
  protocol: z.enum(['OSLP', 'DLMS']),
  networkAddress: z.string().nullable(),
  port: z.number().int().nullable(),
  deviceUid: z.string().nullable(),
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
  ownerIdentification: z.string().nullable(),
  activated: z.boolean(),
  inMaintenance: z.boolean(),
  lifecycleStatus: z.string(),
  registeredAt: z.string().nullable(),
});
export type DeviceView = z.infer<typeof device>;

export const coreContract = c.router({
  addDevice: {
    method: 'POST',
    path: '/v1/core/devices',
    summary: 'Add a device; the calling organisation becomes its owner',
    body: z.object({
      deviceIdentification: identification,
      alias: z.string().max(255).optional(),
      protocol: z.enum(['OSLP']),
      networkAddress: z.string().ip().optional().describe('Updated by the device when it registers'),
      port: z.number().int().min(1).max(65535).default(12122),
      deviceUid: base64Uid,
      publicKey: z
        .string()
        .includes('BEGIN PUBLIC KEY', { message: 'must be a PEM (SPKI) public key' })
        .describe("PEM of the device's ECDSA P-256 public key"),
      latitude: z.number().min(-90).max(90).optional(),
      longitude: z.number().min(-180).max(180).optional(),
      activated: z.boolean().default(true),
    }),
    responses: {
      201: device,
      409: errorResponse,
      ...standardErrors,
    },
  },
});
