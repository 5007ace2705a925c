// Schemas every domain's contract shares.
import { z } from 'zod';

export const errorResponse = z.object({
  error: z.string().describe('Machine-readable error code, e.g. VALIDATION_FAILED, UNAUTHORIZED'),
  message: z.string(),
  issues: z
    .array(z.object({ field: z.string(), message: z.string() }))
    .optional()
    .describe('For VALIDATION_FAILED: each invalid field and what is wrong with it'),
});
export type ErrorResponse = z.infer<typeof errorResponse>;

export const identification = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.-]+$/, 'only letters, digits, ".", "_" and "-"');

/** Devices one request may name: the workflow fans out over them within Temporal's history limits. */
export const maxDevicesPerRequest = 1000;

/** The device list of every device command (setLight, getStatus, startDeviceTest, ...). */
export const deviceIdentifications = z
  .array(identification)
  .min(1)
  .max(maxDevicesPerRequest)
  .refine((ids) => new Set(ids).size === ids.length, 'must not repeat a device');

export const deviceFunctionGroup = z.enum([
  'OWNER',
  'INSTALLATION',
  'AD_HOC',
  'MANAGEMENT',
  'FIRMWARE',
  'SCHEDULING',
  'TARIFF_SCHEDULING',
  'CONFIGURATION',
  'MONITORING',
  'METADATA_MANAGEMENT',
]);

export const platformFunctionGroup = z.enum(['ADMIN', 'USER']);

export const acceptedRequest = z.object({
  correlationUid: z.string().describe('Id of the request and of the Temporal workflow that carries it out'),
  links: z.object({ request: z.string() }),
});
export type AcceptedRequest = z.infer<typeof acceptedRequest>;

export const idempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(128)
    .optional()
    .describe('Repeating a request with the same key returns the same correlation uid and runs it once'),
});

export const standardErrors = {
  400: errorResponse,
  401: errorResponse,
  403: errorResponse,
} as const;
