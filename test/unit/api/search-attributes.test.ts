// The OsgpDevices search attribute lists a request's first devices, capped by size: Temporal refuses a
// search attribute value whose encoded payload is over 2,048 bytes ("Failed to start Workflow"; measured
// against the dev server: 2,048 accepted, 2,049 refused). A count of 100 devices did not fit with
// 25-character identifications, and setLight answered 503.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client, WorkflowStartOptions } from '@temporalio/client';
import { encodeUnifiedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import { devicesForSearchAttribute, maxSearchAttributeValueBytes } from '../../../common/search-attributes';
import { createRequestService } from '../../../core/requests/start-request';
import { createLogger } from '../../../common/logger';
import { openDatabase, type Database } from '../../../db/client';
import { migrateToLatest } from '../../../db/migrate';

jest.setTimeout(60_000);

/** The size Temporal checks: each search attribute's payload data, as the SDK encodes it. */
function largestValueBytes(options: WorkflowStartOptions): number {
  const payloads = encodeUnifiedSearchAttributes(undefined, options.typedSearchAttributes);
  return Math.max(0, ...Object.values(payloads).map((payload) => payload.data?.length ?? 0));
}

const ids = (count: number, length: number): string[] =>
  Array.from({ length: count }, (_, i) => `SSLD-${String(i).padStart(length - 5, '0')}`);

describe('devicesForSearchAttribute', () => {
  test('100 identifications of 25 characters are cut to the leading ones that fit 2,048 bytes', () => {
    const devices = ids(100, 25);
    expect(Buffer.byteLength(JSON.stringify(devices))).toBeGreaterThan(maxSearchAttributeValueBytes);
    const listed = devicesForSearchAttribute(devices);
    expect(listed).toEqual(devices.slice(0, listed.length));
    expect(Buffer.byteLength(JSON.stringify(listed))).toBeLessThanOrEqual(maxSearchAttributeValueBytes);
    // As many as fit: one more would not.
    expect(Buffer.byteLength(JSON.stringify(devices.slice(0, listed.length + 1)))).toBeGreaterThan(maxSearchAttributeValueBytes);
    expect(listed.length).toBe(73); // 2 + 73 * 27 + 72 = 2,045 bytes
  });

  test('short identifications are all listed, however many, while they fit', () => {
    const devices = ids(150, 8);
    expect(devicesForSearchAttribute(devices)).toEqual(devices); // 1,651 bytes
    expect(devicesForSearchAttribute([])).toEqual([]);
  });

  test('counts UTF-8 bytes and JSON escapes, and stops exactly at the limit', () => {
    // "é" is 2 bytes, "€" 3, "𝄞" 4; a quote is escaped to 2 characters.
    const fancy = ['é€𝄞"x'];
    expect(devicesForSearchAttribute(fancy, Buffer.byteLength(JSON.stringify(fancy)))).toEqual(fancy);
    expect(devicesForSearchAttribute(fancy, Buffer.byteLength(JSON.stringify(fancy)) - 1)).toEqual([]);
    // Exactly 2,048 bytes fits, 2,049 does not (the limit measured on the Temporal dev server).
    const exact = ['a'.repeat(maxSearchAttributeValueBytes - 4)];
    expect(Buffer.byteLength(JSON.stringify(exact))).toBe(maxSearchAttributeValueBytes);
    expect(devicesForSearchAttribute(exact)).toEqual(exact);
    expect(devicesForSearchAttribute(['a'.repeat(maxSearchAttributeValueBytes - 3)])).toEqual([]);
  });
});

describe('starting a request for 1,000 devices with long identifications', () => {
  let dir: string;
  let db: Database;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'osgp-sa-'));
    db = await openDatabase({ embeddedDir: path.join(dir, 'pglite') });
    await migrateToLatest(db);
  });

  afterAll(async () => {
    await db?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('is accepted: the devices attribute fits what Temporal takes', async () => {
    const organisation = await db.prisma.organisation.create({ data: { identification: 'sa-org', name: 'sa' } });
    const started: WorkflowStartOptions[] = [];
    // Temporal's side of the start, as far as this test needs it: refuse an oversized search attribute value.
    const temporal = {
      workflow: {
        start: async (_type: string, options: WorkflowStartOptions) => {
          if (largestValueBytes(options) > maxSearchAttributeValueBytes) throw new Error('Failed to start Workflow');
          started.push(options);
          return { workflowId: options.workflowId };
        },
      },
    } as unknown as Client;
    const service = createRequestService({
      prisma: db.prisma,
      temporal,
      deviceRequestOptions: { attemptTimeoutMs: 1_000, maxAttempts: 1, maxConcurrency: 10, notificationRetryPeriodMs: 1_000 },
      logger: createLogger({}, 'error', () => undefined),
    });
    const devices = ids(1_000, 25).map((deviceIdentification) => ({ deviceIdentification, protocol: 'OSLP' as const }));
    const accepted = await service.start({
      organisation: { id: organisation.id, identification: organisation.identification, platformFunctionGroup: 'USER', enabled: true },
      domain: 'PUBLIC_LIGHTING',
      operation: 'setLight',
      workflow: 'setLightWorkflow',
      devices,
      args: { lightValues: [{ index: 0, on: true }] },
    });
    expect(accepted.correlationUid).toMatch(/^sa-org-/);
    expect(started).toHaveLength(1);
    const listed = started[0].typedSearchAttributes;
    expect(Array.isArray(listed)).toBe(true);
    const value = (listed as Array<{ key: { name: string }; value: unknown }>).find((pair) => pair.key.name === 'OsgpDevices')?.value;
    expect(value).toEqual(devices.slice(0, 73).map((device) => device.deviceIdentification));
    expect((await db.prisma.requestRecord.findUniqueOrThrow({ where: { correlationUid: accepted.correlationUid } })).deviceCount).toBe(1_000);
  });
});
