// Schemas every domain's contract shares.
import { z } from 'zod';
import { protocols } from '../../core/protocols';

export const errorResponse = z.object({
  error: z.string().describe('Machine-readable error code, e.g. VALIDATION_FAILED, UNAUTHORIZED'),
  message: z.string(),
  issues: z
    .array(z.object({ field: z.string(), message: z.string() }))
    .optional()
    .describe('For VALIDATION_FAILED: each invalid field and what is wrong with it'),
});
export type ErrorResponse = z.infer<typeof errorResponse>;

/**
 * The base of every free-text input: PostgreSQL cannot hold U+0000 in a text value (it fails with SQLSTATE
 * 22021), so it is refused here, naming the field, instead of reaching the database.
 */
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what this refuses
export const text = z.string().regex(/^[^\u0000]*$/, 'must not contain the NUL character (U+0000)');

/**
 * An ISO 8601 date-time with a time zone, at an instant PostgreSQL can store: its calendar has no year 0, so
 * 0000-01-01T00:00:00Z (or 0001-01-01T00:00:00+01:00, year 0 in UTC) fails there with SQLSTATE 22008.
 */
export const isoDateTime = z
  .string()
  .datetime({ offset: true, message: 'must be an ISO 8601 date-time with a time zone, e.g. 2026-11-27T10:00:00Z' })
  .refine((value) => new Date(value).getUTCFullYear() >= 1, 'must be an instant in the year 0001 or later (UTC)');

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

/** A protocol of the protocol registry (core/protocols.ts). */
export const protocol = z.enum(protocols);

export const acceptedRequest = z.object({
  correlationUid: z.string().describe('Id of the request and of the Temporal workflow that carries it out'),
  links: z.object({ request: z.string() }),
});
export type AcceptedRequest = z.infer<typeof acceptedRequest>;

/** Headers of every device request: an idempotency key and OSGP's request options. */
export const deviceRequestHeaders = z
  .object({
    'idempotency-key': text
      .min(1)
      .max(128)
      .optional()
      .describe('Repeating a request with the same key returns the same correlation uid and runs it once'),
    'x-osgp-priority': z.coerce
      .number()
      .int()
      .min(0)
      .max(9)
      .optional()
      .describe('0-9, default 4: higher runs first when an adapter has a backlog'),
    'x-osgp-schedule-time': isoDateTime.optional().describe('Accept now, carry out at this time'),
    'x-osgp-max-schedule-time': isoDateTime
      .optional()
      .describe('Devices not reached by then end NOT_OK with MAX_SCHEDULE_TIME_EXCEEDED'),
    'x-osgp-bypass-retry': z.enum(['true', 'false']).optional().describe('true: one attempt per device, no retries'),
  })
  .refine(
    (h) =>
      !h['x-osgp-schedule-time'] ||
      !h['x-osgp-max-schedule-time'] ||
      Date.parse(h['x-osgp-max-schedule-time']) > Date.parse(h['x-osgp-schedule-time']),
    { message: 'must be after x-osgp-schedule-time', path: ['x-osgp-max-schedule-time'] },
  );
export type DeviceRequestHeaders = z.infer<typeof deviceRequestHeaders>;

export const standardErrors = {
  400: errorResponse,
  401: errorResponse,
  403: errorResponse,
} as const;
