/**
 * Smart metering through the platform, against meters built on the Gurux library's own server
 * (test/dlms-meter, started by test/support/dlms-meter.ts): an organisation adds meters with their DLMS
 * settings and keys through the API, runs every smartMetering operation (202, a workflow, the DLMS adapter on
 * `adapter-dlms`, the project's DLMS client) and reads each meter's result from requests.getRequest. Also:
 * wrong keys (a clear NOT_OK after one attempt), a meter that drops the link during a block transfer
 * (retried, correct result), bundles (per-action results; only failed actions sent again) and authorization.
 */
import { randomInt } from 'node:crypto';
import type { MeterActionResult } from '../../common/device-commands';
import type { RequestView } from '../../api/contracts/requests';
import { associate } from '../../adapters/dlms';
import { newOslpDeviceBody } from '../support/devices';
import { dlms } from '../../adapters/dlms/axdr';
import { GURUX_METER_CONTENT as METER, GURUX_METER_MASTER_KEY, GURUX_METER_SYSTEM_TITLE, startGuruxMeter, type GuruxMeter } from '../support/dlms-meter';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { devicesAttribute, operationAttribute } from '../../common/search-attributes';
import { progressQuery } from '../../workflows/common/device-request';
import { invocationCounterReservation } from '../../activities/dlms/device-command';
import { waitForRequest } from '../support/requests';

jest.setTimeout(180_000);

const run = `${Date.now().toString(36)}${randomInt(1, 1e6)}`;
let platform: TestPlatform;
let utility: ReturnType<TestPlatform['client']>;
let otherOrganisation: ReturnType<TestPlatform['client']>;
const meters: Record<'hls' | 'hdlcLls' | 'dropA' | 'dropB', GuruxMeter> = {} as never;
const id = (name: string) => `E-${run}-${name}`;

async function addMeter(name: string, meter: GuruxMeter, overrides: Record<string, unknown> = {}): Promise<void> {
  const s = meter.settings;
  const response = await utility.smartMetering.addDevice({
    body: {
      deviceIdentification: id(name),
      networkAddress: s.host,
      port: s.port,
      transport: s.transport,
      clientAddress: s.clientAddress,
      serverAddress: s.serverAddress,
      authentication: s.authentication,
      ...(s.password ? { password: s.password.toString() } : {}),
      ...(s.keys
        ? {
            authenticationKey: s.keys.authenticationKey.toString('hex'),
            blockCipherKey: s.keys.blockCipherKey.toString('hex'),
            clientSystemTitle: s.clientSystemTitle?.toString('hex'),
          }
        : {}),
      ...overrides,
    },
  });
  expect(response.status).toBe(201);
}

beforeAll(async () => {
  // Generous timeouts: a ten-day interval profile takes dozens of blocks from a meter on a busy test machine;
  // a meter that drops the link or refuses the keys fails at once all the same.
  platform = await startTestPlatform({ dlmsConnectTimeoutMs: 5_000, dlmsResponseTimeoutMs: 15_000, deviceRequestOptions: { attemptTimeoutMs: 30_000 } });
  utility = platform.client(await platform.createOrganisation(`utility-${run}`));
  otherOrganisation = platform.client(await platform.createOrganisation(`other-${run}`));
  const [hls, hdlcLls, dropA, dropB] = await Promise.all([
    startGuruxMeter({ transport: 'WRAPPER', authentication: 'HIGH_GMAC' }),
    startGuruxMeter({ transport: 'HDLC', authentication: 'LOW' }),
    startGuruxMeter({ transport: 'WRAPPER', dropDuringBlockTransfer: true }),
    startGuruxMeter({ transport: 'WRAPPER', dropDuringBlockTransfer: true }),
  ]);
  Object.assign(meters, { hls, hdlcLls, dropA, dropB });
  await addMeter('hls', hls);
  await addMeter('hdlc-lls', hdlcLls);
  await addMeter('drop-a', dropA);
  await addMeter('drop-b', dropB);
  // The HLS meter again, but with keys that are not the meter's.
  await addMeter('wrong-keys', hls, { authenticationKey: '00'.repeat(16), blockCipherKey: '11'.repeat(16) });
});

afterAll(async () => {
  await Promise.all(Object.values(meters).map((m) => m?.stop()));
  await platform?.stop();
});

/**
 * Every interval row but the first, ten days: a read far larger than one PDU (block transfer). The Gurux
 * server's range selection never returns a buffer's first row (found here: from before it, or equal to it,
 * the answer starts at row 1), so the range starts at row 1.
 */
const wholeIntervalProfile = { from: '2026-01-01T00:15:00Z', to: '2026-01-10T23:45:00Z' };
const wholeIntervalRows = METER.interval.rows - 1;

/** The request's one device result, and its per-action results. */
async function finished(correlationUid: string): Promise<{ view: RequestView; device: RequestView['devices'][number]; actions: MeterActionResult[] }> {
  const view = await waitForRequest(utility, correlationUid, { timeoutMs: 90_000 });
  expect(view.devices).toHaveLength(1);
  const device = view.devices[0]!;
  const data = device.data as { kind: string; actions: MeterActionResult[] };
  expect(data.kind).toBe('smartMetering');
  return { view, device, actions: data.actions };
}

function accepted(response: { status: number; body: unknown }): string {
  expect(response.status).toBe(202);
  return (response.body as { correlationUid: string }).correlationUid;
}

/** One OK action's data. */
async function okData<T>(correlationUid: string): Promise<T> {
  const { view, device, actions } = await finished(correlationUid);
  expect({ state: view.state, result: device.result, errorCode: device.errorCode }).toEqual({ state: 'OK', result: 'OK', errorCode: null });
  expect(actions).toHaveLength(1);
  return actions[0]!.data as T;
}

const headers = {};

describe('adding a meter', () => {
  test('keeps its keys sealed: not in the answer, not in plain text in the database', async () => {
    const response = await utility.smartMetering.addDevice({
      body: {
        deviceIdentification: id('added'),
        networkAddress: '127.0.0.1',
        authentication: 'HIGH_GMAC',
        authenticationKey: 'A0A1A2A3A4A5A6A7A8A9AAABACADAEAF',
        blockCipherKey: 'B0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF',
      },
    });
    expect(response.status).toBe(201);
    if (response.status !== 201) return;
    expect(response.body).toMatchObject({ protocol: 'DLMS', port: 4059, dlms: { transport: 'WRAPPER', clientAddress: 1, authentication: 'HIGH_GMAC', hasKeys: true } });
    expect(JSON.stringify(response.body).toUpperCase()).not.toContain('A0A1A2A3');
    const row = await platform.db.prisma.dlmsMeter.findFirstOrThrow({ where: { device: { identification: id('added') } } });
    for (const sealed of [row.authenticationKeySealed, row.blockCipherKeySealed]) {
      expect(sealed).toMatch(/^v1\./);
      expect(sealed!.toUpperCase()).not.toContain('A0A1A2A3');
      expect(sealed!.toUpperCase()).not.toContain('B0B1B2B3');
    }
  });

  test('refuses HLS without keys, naming the field', async () => {
    const response = await utility.smartMetering.addDevice({
      body: { deviceIdentification: id('no-keys'), networkAddress: '127.0.0.1', authentication: 'HIGH_GMAC' },
    });
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body)).toContain('authenticationKey');
  });
});

describe('operations on an HLS (GMAC, suite 0) meter over the wrapper', () => {
  const meter = [id('hls')];

  test('getActualMeterReads: registers with scaler and unit, and the gas value', async () => {
    const correlationUid = accepted(await utility.smartMetering.getActualMeterReads({ body: { deviceIdentifications: meter }, headers }));
    const reads = await okData<Record<string, unknown>>(correlationUid);
    // Traced like lighting: the workflow (id = correlation uid) is findable by operation and meter, and its
    // device command ran on the DLMS adapter's task queue.
    const handle = platform.temporal.workflow.getHandle(correlationUid);
    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(operationAttribute)).toBe('smartMetering.getActualMeterReads');
    expect(description.typedSearchAttributes.get(devicesAttribute)).toEqual(meter);
    expect(await handle.query(progressQuery)).toEqual({ total: 1, done: 1, ok: 1, failed: 0 });
    const history = await handle.fetchHistory();
    const scheduled = (history.events ?? []).flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes] : []));
    expect(scheduled.find((a) => a.activityType?.name === 'executeDeviceCommand')?.taskQueue?.name).toBe('adapter-dlms');
    expect(reads).toMatchObject({
      activeEnergyImport: { value: METER.registers['1.0.1.8.0.255'], unit: 'Wh' },
      activeEnergyExport: { value: METER.registers['1.0.2.8.0.255'], unit: 'Wh' },
      activeEnergyImportTariffOne: { value: METER.registers['1.0.1.8.1.255'], unit: 'Wh' },
      activeEnergyImportTariffTwo: { value: METER.registers['1.0.1.8.2.255'], unit: 'Wh' },
      activeEnergyExportTariffOne: { value: METER.registers['1.0.2.8.1.255'], unit: 'Wh' },
      activeEnergyExportTariffTwo: { value: METER.registers['1.0.2.8.2.255'], unit: 'Wh' },
      gas: { value: 45.678, unit: 'm³' },
    });
    expect(Math.abs(Date.parse(reads.logTime as string) - Date.now())).toBeLessThan(120_000);
    // The invocation counter moved on (reserved before the association) and nothing secret was logged.
    const row = await platform.db.prisma.dlmsMeter.findFirstOrThrow({ where: { device: { identification: id('hls') } } });
    // Advanced past what the association used, and no further: the reserved block is given back afterwards.
    expect(row.invocationCounter).toBeGreaterThan(1n);
    expect(row.invocationCounter).toBeLessThan(BigInt(invocationCounterReservation));
    // The meter's system title, as its AARE announced it.
    expect(row.serverSystemTitle).toBe(GURUX_METER_SYSTEM_TITLE.toString('hex').toUpperCase());
    const logs = await platform.db.prisma.deviceMessageLog.findMany({ where: { deviceIdentification: id('hls') } });
    expect(logs.length).toBeGreaterThan(0);
    const logged = JSON.stringify(logs.map((l) => l.summary)).toUpperCase();
    expect(logged).not.toContain('D0D1D2D3');
    expect(logged).not.toContain('000102030405060708090A0B');
  });

  test('getPeriodicMeterReads INTERVAL: the rows of the range by selective access, as reads', async () => {
    const data = await okData<{ periodicMeterReads: Array<Record<string, { value: number } | string>>; capturePeriodSeconds: number }>(
      accepted(
        await utility.smartMetering.getPeriodicMeterReads({
          body: { deviceIdentifications: meter, periodType: 'INTERVAL', from: '2026-01-02T00:00:00Z', to: '2026-01-02T05:45:00Z' },
          headers,
        }),
      ),
    );
    expect(data.capturePeriodSeconds).toBe(900);
    expect(data.periodicMeterReads).toHaveLength(24);
    data.periodicMeterReads.forEach((read, k) => {
      const i = 96 + k;
      expect(read).toEqual({
        logTime: new Date(METER.interval.start.getTime() + i * 15 * 60_000).toISOString(),
        activeEnergyImport: { value: METER.value(i, 0), unit: 'Wh' },
        activeEnergyExport: { value: METER.value(i, 1), unit: 'Wh' },
      });
    });
  });

  test.each([
    ['DAILY', '2025-03-01T00:00:00Z', '2025-03-31T00:00:00Z', 31, 59, 96],
    ['MONTHLY', '2024-02-01T00:00:00Z', '2024-06-01T00:00:00Z', 5, 1, 2976],
  ] as const)('getPeriodicMeterReads %s: tariff registers per period', async (periodType, from, to, count, first, step) => {
    const data = await okData<{ periodicMeterReads: Array<Record<string, { value: number }>> }>(
      accepted(await utility.smartMetering.getPeriodicMeterReads({ body: { deviceIdentifications: meter, periodType, from, to }, headers })),
    );
    expect(data.periodicMeterReads).toHaveLength(count);
    expect(data.periodicMeterReads[0]).toMatchObject({
      logTime: new Date(from).toISOString(),
      activeEnergyImportTariffOne: { value: METER.value(first * step, 0), unit: 'Wh' },
      activeEnergyImportTariffTwo: { value: METER.value(first * step, 1), unit: 'Wh' },
      activeEnergyExportTariffOne: { value: METER.value(first * step, 2), unit: 'Wh' },
      activeEnergyExportTariffTwo: { value: METER.value(first * step, 3), unit: 'Wh' },
    });
  });

  test('readAlarmRegister names the alarms; clearAlarmRegister clears them', async () => {
    const before = await okData<{ alarmRegister: number; alarmTypes: string[] }>(
      accepted(await utility.smartMetering.readAlarmRegister({ body: { deviceIdentifications: meter }, headers })),
    );
    expect(before).toEqual({ alarmRegister: METER.alarmRegister.initial, alarmTypes: ['CLOCK_INVALID', 'REPLACE_BATTERY'] });
    await okData(accepted(await utility.smartMetering.clearAlarmRegister({ body: { deviceIdentifications: meter }, headers })));
    const after = await okData<{ alarmRegister: number }>(
      accepted(await utility.smartMetering.readAlarmRegister({ body: { deviceIdentifications: meter }, headers })),
    );
    expect(after).toEqual({ alarmRegister: 0, alarmTypes: [] });
  });

  test("synchronizeTime sets a wrong meter clock to the platform's time", async () => {
    // Put the meter's clock a day behind, with the DLMS client directly (on the LLS meter: a second client
    // of the HLS meter would need invocation counters of its own).
    const meter = [id('hdlc-lls')];
    const wrong = new Date(Date.now() - 86_400_000);
    const association = await associate(meters.hdlcLls.settings);
    await association.set({ classId: 8, obis: '0.0.1.0.0.255', attribute: 2 }, dlms.dateTime(wrong));
    await association.release();

    // Time synchronisation: a read of the clock through the platform stores the meter's deviation (a day behind).
    await okData(
      accepted(
        await utility.smartMetering.getSpecificAttributeValue({
          body: { deviceIdentifications: meter, classId: 8, obisCode: '0.0.1.0.0.255', attribute: 2 },
          headers,
        }),
      ),
    );
    const drifted = await platform.db.prisma.device.findUniqueOrThrow({ where: { identification: meter[0] } });
    expect(Math.abs(drifted.clockDeviationMs! + 86_400_000)).toBeLessThan(60_000);
    expect(drifted.lastCommunicationAt).not.toBeNull();

    const data = await okData<{ previousMeterTime: string; synchronizedTo: string }>(
      accepted(await utility.smartMetering.synchronizeTime({ body: { deviceIdentifications: meter }, headers })),
    );
    expect(Math.abs(Date.parse(data.previousMeterTime) - wrong.getTime())).toBeLessThan(60_000);
    expect(Math.abs(Date.parse(data.synchronizedTo) - Date.now())).toBeLessThan(60_000);
    // Written with the platform's time: the deviation is 0 until the clock is read again.
    expect((await platform.db.prisma.device.findUniqueOrThrow({ where: { identification: meter[0] } })).clockDeviationMs).toBe(0);
    const clock = await okData<{ value: string }>(
      accepted(
        await utility.smartMetering.getSpecificAttributeValue({
          body: { deviceIdentifications: meter, classId: 8, obisCode: '0.0.1.0.0.255', attribute: 2 },
          headers,
        }),
      ),
    );
    expect(typeof clock.value).toBe('string');
  });

  test('getFirmwareVersion reads the active firmware and module versions', async () => {
    const data = await okData<{ firmwareVersions: Array<{ firmwareModuleType: string; version: string }> }>(
      accepted(await utility.smartMetering.getFirmwareVersion({ body: { deviceIdentifications: meter }, headers })),
    );
    expect(data.firmwareVersions).toEqual([
      { firmwareModuleType: 'ACTIVE_FIRMWARE', version: METER.firmware['1.0.0.2.0.255'] },
      { firmwareModuleType: 'MODULE_ACTIVE_FIRMWARE', version: METER.firmware['1.1.0.2.0.255'] },
      { firmwareModuleType: 'COMMUNICATION_MODULE_ACTIVE_FIRMWARE', version: METER.firmware['1.2.0.2.0.255'] },
    ]);
  });

  test.each([
    ['STANDARD', 1, ['CLOCK_ADJUSTED_NEW_TIME', 'CLOCK_INVALID', 'REPLACE_BATTERY', 'BATTERY_VOLTAGE_LOW']],
    ['FRAUD_DETECTION', 40, ['METER_COVER_REMOVED', 'METER_COVER_CLOSED', 'FAILED_LOGIN_ATTEMPT', 'CONFIGURATION_CHANGE']],
    ['POWER_QUALITY', 80, ['UNKNOWN_EVENT_84', 'UNKNOWN_EVENT_85', 'UNKNOWN_EVENT_86', 'UNKNOWN_EVENT_87']],
  ] as const)('findEvents %s: the events of a day, with their names', async (eventLogCategory, base, names) => {
    const data = await okData<{ events: Array<{ timestamp: string; eventCode: number; eventType: string }> }>(
      accepted(
        await utility.smartMetering.findEvents({
          body: { deviceIdentifications: meter, eventLogCategory, from: '2026-01-02T00:00:00Z', to: '2026-01-02T23:59:59Z' },
          headers,
        }),
      ),
    );
    // Rows every 6 hours from 2026-01-01: rows 4-7 fall on 2 January, codes base + 4 .. base + 7.
    expect(data.events).toEqual(
      names.map((eventType, k) => ({
        timestamp: new Date(Date.parse('2026-01-02T00:00:00Z') + k * 6 * 3_600_000).toISOString(),
        eventCode: base + 4 + k,
        eventType,
      })),
    );
  });

  test('getAssociationLnObjects lists the objects of the association with their access rights', async () => {
    const data = await okData<{ objects: Array<{ classId: number; obisCode: string; attributes: Array<{ id: number; access: string }> }> }>(
      accepted(await utility.smartMetering.getAssociationLnObjects({ body: { deviceIdentifications: meter }, headers })),
    );
    const byObis = new Map(data.objects.map((o) => [o.obisCode, o]));
    expect(byObis.get('0.0.1.0.0.255')).toMatchObject({ classId: 8 });
    expect(byObis.get('1.0.99.1.0.255')).toMatchObject({ classId: 7 });
    expect(byObis.get('0.0.97.98.0.255')).toMatchObject({ classId: 1 });
    expect(byObis.get('1.0.1.8.0.255')?.attributes.find((a) => a.id === 2)?.access).toMatch(/READ/);
  });

  test('getSpecificAttributeValue reads one attribute: a register scaler_unit', async () => {
    const data = await okData<{ value: unknown; cosemValue: unknown }>(
      accepted(
        await utility.smartMetering.getSpecificAttributeValue({
          body: { deviceIdentifications: meter, classId: 3, obisCode: '1.0.1.8.0.255', attribute: 3 },
          headers,
        }),
      ),
    );
    expect(data.value).toEqual([0, 30]);
  });
});

test('an HDLC meter with LLS (password) answers getActualMeterReads', async () => {
  const reads = await okData<Record<string, { value: number; unit: string }>>(
    accepted(await utility.smartMetering.getActualMeterReads({ body: { deviceIdentifications: [id('hdlc-lls')] }, headers })),
  );
  expect(reads.activeEnergyImport).toEqual({ value: METER.registers['1.0.1.8.0.255'], unit: 'Wh' });
});

test('requests for one meter queue (one association at a time); one request reads several meters', async () => {
  const uids = await Promise.all(
    Array.from({ length: 4 }, async () =>
      accepted(await utility.smartMetering.readAlarmRegister({ body: { deviceIdentifications: [id('hdlc-lls')] }, headers })),
    ),
  );
  for (const uid of uids) expect((await finished(uid)).device.result).toBe('OK');
  // From each association's request (AARQ) to its release: the four never overlap.
  const windows = await Promise.all(
    uids.map(async (correlationUid) => {
      const logs = await platform.db.prisma.deviceMessageLog.findMany({ where: { correlationUid, messageType: { in: ['AARQ', 'RLRQ'] } } });
      const times = logs.map((l) => l.createdAt.getTime());
      return [Math.min(...times), Math.max(...times)] as const;
    }),
  );
  windows.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < windows.length; i++) expect(windows[i]![0]).toBeGreaterThanOrEqual(windows[i - 1]![1]);

  const both = accepted(await utility.smartMetering.getFirmwareVersion({ body: { deviceIdentifications: [id('hls'), id('hdlc-lls')] }, headers }));
  const view = await waitForRequest(utility, both, { timeoutMs: 90_000 });
  expect(view.progress).toEqual({ total: 2, done: 2, ok: 2, failed: 0 });
});

test('wrong keys: NOT_OK with a clear reason after one association attempt, no retry storm', async () => {
  const correlationUid = accepted(await utility.smartMetering.getActualMeterReads({ body: { deviceIdentifications: [id('wrong-keys')] }, headers }));
  const { view, device, actions } = await finished(correlationUid);
  expect(view.state).toBe('NOT_OK');
  expect(device.result).toBe('NOT_OK');
  expect(['AUTHENTICATION_FAILED', 'DECRYPTION_FAILED', 'ASSOCIATION_REJECTED']).toContain(device.errorCode);
  expect(device.attempts).toBe(1);
  expect(actions[0]).toMatchObject({ result: 'NOT_OK', attempts: 1, errorCode: device.errorCode });
  const aarqs = await platform.db.prisma.deviceMessageLog.count({ where: { correlationUid, messageType: 'AARQ' } });
  expect(aarqs).toBe(1);
});

test('a meter that drops the link during a block transfer: retried, and the read is complete', async () => {
  const correlationUid = accepted(
    await utility.smartMetering.getPeriodicMeterReads({
      body: { deviceIdentifications: [id('drop-a')], periodType: 'INTERVAL', ...wholeIntervalProfile },
      headers,
    }),
  );
  const { view, device, actions } = await finished(correlationUid);
  expect(meters.dropA.output.some((line) => line.startsWith('FAULT'))).toBe(true);
  expect({ state: view.state, result: device.result, attempts: device.attempts }).toEqual({ state: 'OK', result: 'OK', attempts: 2 });
  const reads = (actions[0]!.data as { periodicMeterReads: Array<{ logTime: string; activeEnergyImport: { value: number } }> }).periodicMeterReads;
  expect(reads).toHaveLength(wholeIntervalRows);
  expect(reads[0]).toMatchObject({ logTime: wholeIntervalProfile.from.replace('Z', '.000Z'), activeEnergyImport: { value: METER.value(1, 0) } });
  expect(reads[958]).toMatchObject({ logTime: wholeIntervalProfile.to.replace('Z', '.000Z'), activeEnergyImport: { value: METER.value(959, 0) } });
});

describe('bundle', () => {
  test('one failing action: the others OK, the failing one NOT_OK with the meter reason', async () => {
    const correlationUid = accepted(
      await utility.smartMetering.bundle({
        body: {
          deviceIdentifications: [id('hls')],
          actions: [
            { action: 'getFirmwareVersion' },
            { action: 'getSpecificAttributeValue', classId: 3, obisCode: '1.0.99.99.99.255', attribute: 2 },
            { action: 'getActualMeterReads' },
          ],
        },
        headers,
      }),
    );
    const { view, device, actions } = await finished(correlationUid);
    expect(view.state).toBe('NOT_OK');
    expect(device.result).toBe('NOT_OK');
    expect(actions.map((a) => [a.index, a.action, a.result])).toEqual([
      [0, 'getFirmwareVersion', 'OK'],
      [1, 'getSpecificAttributeValue', 'NOT_OK'],
      [2, 'getActualMeterReads', 'OK'],
    ]);
    // The meter refused the object: permanent, so not asked again; the others answered in the one association.
    expect(actions[1]).toMatchObject({ errorCode: 'DATA_ACCESS', attempts: 1 });
    expect(actions[2]!.data).toMatchObject({ activeEnergyImport: { value: METER.registers['1.0.1.8.0.255'] } });
    expect(await platform.db.prisma.deviceMessageLog.count({ where: { correlationUid, messageType: 'AARQ' } })).toBe(1);
  });

  test('a link dropped in the middle: only the failed and unreached actions are sent again', async () => {
    const correlationUid = accepted(
      await utility.smartMetering.bundle({
        body: {
          deviceIdentifications: [id('drop-b')],
          actions: [
            { action: 'getActualMeterReads' },
            { action: 'getPeriodicMeterReads', periodType: 'INTERVAL', ...wholeIntervalProfile },
            { action: 'getFirmwareVersion' },
          ],
        },
        headers,
      }),
    );
    const { view, actions } = await finished(correlationUid);
    expect(view.state).toBe('OK');
    expect(actions.map((a) => [a.action, a.result, a.attempts])).toEqual([
      ['getActualMeterReads', 'OK', 1],
      ['getPeriodicMeterReads', 'OK', 2],
      ['getFirmwareVersion', 'OK', 2],
    ]);
    // What the adapter sent, association by association: the second one carried actions 1 and 2 only.
    const sent = await platform.db.prisma.deviceMessageLog.findMany({
      where: { correlationUid, direction: 'TO_DEVICE', messageType: { in: ['AARQ', 'action'] } },
      orderBy: { id: 'asc' },
    });
    const associations: string[][] = [];
    for (const entry of sent) {
      if (entry.messageType === 'AARQ') associations.push([]);
      else associations[associations.length - 1]!.push(entry.summary.split(':')[0]!);
    }
    expect(associations).toEqual([
      ['action 0', 'action 1'],
      ['action 1', 'action 2'],
    ]);
    expect((actions[1]!.data as { periodicMeterReads: unknown[] }).periodicMeterReads).toHaveLength(wholeIntervalRows);
  });
});

describe('replaceKeys', () => {
  // Its own meter: the keys it ends up with are not the other tests' business.
  let keysMeter: GuruxMeter;
  let lostAnswerMeter: GuruxMeter;
  const newKeys = { authenticationKey: 'A1B2C3D4E5F60718293A4B5C6D7E8F90', blockCipherKey: '0F1E2D3C4B5A69788796A5B4C3D2E1F0' };
  const stored = (name: string) =>
    platform.db.prisma.dlmsMeter.findFirstOrThrow({
      where: { device: { identification: id(name) } },
      select: { authenticationKeySealed: true, blockCipherKeySealed: true },
    });

  beforeAll(async () => {
    [keysMeter, lostAnswerMeter] = await Promise.all([
      startGuruxMeter({ transport: 'WRAPPER', authentication: 'HIGH_GMAC' }),
      startGuruxMeter({ transport: 'WRAPPER', authentication: 'HIGH_GMAC', dropAfterKeyTransfer: true }),
    ]);
    await addMeter('keys', keysMeter, { masterKey: GURUX_METER_MASTER_KEY.toString('hex') });
    await addMeter('keys-lost-answer', lostAnswerMeter, { masterKey: GURUX_METER_MASTER_KEY.toString('hex') });
    // The same meter once more, with a master key that is not the meter's.
    await addMeter('keys-wrong-master', keysMeter, { masterKey: 'EE'.repeat(16) });
  });
  afterAll(() => Promise.all([keysMeter?.stop(), lostAnswerMeter?.stop()]));

  test('needs HLS and a stored master key (400 naming the meter), and REPLACE_KEYS, the owner’s alone (403 even with MANAGEMENT)', async () => {
    const noMaster = await utility.smartMetering.replaceKeys({ body: { deviceIdentification: id('hls'), ...newKeys }, headers });
    expect(noMaster.status).toBe(400);
    expect(noMaster.body).toMatchObject({ error: 'NO_MASTER_KEY', issues: [{ field: 'body.deviceIdentification' }] });
    const lls = await utility.smartMetering.replaceKeys({ body: { deviceIdentification: id('hdlc-lls'), ...newKeys }, headers });
    expect(lls.status).toBe(400);
    expect(lls.body).toMatchObject({ error: 'NO_KEYS_TO_REPLACE', issues: [{ field: 'body.deviceIdentification' }] });

    const stranger = await otherOrganisation.smartMetering.replaceKeys({ body: { deviceIdentification: id('keys'), ...newKeys }, headers });
    expect(stranger.status).toBe(403);
    const granted = await utility.admin.updateDeviceAuthorisations({
      body: { authorisations: [{ deviceIdentification: id('keys'), organisationIdentification: `other-${run}`, functionGroup: 'MANAGEMENT', revoke: false }] },
    });
    expect(granted.status).toBe(200);
    const management = await otherOrganisation.smartMetering.replaceKeys({ body: { deviceIdentification: id('keys'), ...newKeys }, headers });
    expect(management.status).toBe(403);
    expect(JSON.stringify(management.body)).toContain('REPLACE_KEYS');
  });

  test('a wrong master key: a clear permanent failure after one attempt; the meter and the platform keep the old keys', async () => {
    const before = await stored('keys-wrong-master');
    const correlationUid = accepted(await utility.smartMetering.replaceKeys({ body: { deviceIdentification: id('keys-wrong-master'), ...newKeys }, headers }));
    const { view, device, actions } = await finished(correlationUid);
    expect({ state: view.state, result: device.result, errorCode: device.errorCode, attempts: device.attempts }).toEqual({
      state: 'NOT_OK',
      result: 'NOT_OK',
      errorCode: 'KEY_TRANSFER_REFUSED',
      attempts: 1,
    });
    expect(actions[0]!.message).toMatch(/master key/);
    expect(await stored('keys-wrong-master')).toEqual(before);
    expect(keysMeter.output).not.toContain('KEYS_REPLACED');
    // Still associates with the old keys.
    expect((await finished(accepted(await utility.smartMetering.getActualMeterReads({ body: { deviceIdentifications: [id('keys-wrong-master')] }, headers })))).device.result).toBe('OK');
  });

  test('new keys: transferred, stored sealed once the meter took them, used from then on; the old keys no longer work', async () => {
    const before = await stored('keys');
    const correlationUid = accepted(await utility.smartMetering.replaceKeys({ body: { deviceIdentification: id('keys'), ...newKeys }, headers }));
    const { view, actions } = await finished(correlationUid);
    expect(view.state).toBe('OK');
    expect(actions[0]).toMatchObject({ action: 'replaceKeys', result: 'OK', attempts: 1, data: { keysReplaced: ['AUTHENTICATION_KEY', 'ENCRYPTION_KEY'] } });
    expect(keysMeter.output).toContain('KEYS_REPLACED');
    const after = await stored('keys');
    expect(after.authenticationKeySealed).not.toBe(before.authenticationKeySealed);
    expect(after.blockCipherKeySealed).not.toBe(before.blockCipherKeySealed);
    for (const sealed of [after.authenticationKeySealed, after.blockCipherKeySealed]) {
      expect(sealed).toMatch(/^v1\./);
      expect(sealed!.toUpperCase()).not.toContain(newKeys.authenticationKey.slice(0, 8));
      expect(sealed!.toUpperCase()).not.toContain(newKeys.blockCipherKey.slice(0, 8));
    }

    // The platform reads with the new keys...
    const reads = await okData<Record<string, { value: number }>>(
      accepted(await utility.smartMetering.getActualMeterReads({ body: { deviceIdentifications: [id('keys')] }, headers })),
    );
    expect(reads.activeEnergyImport).toMatchObject({ value: METER.registers['1.0.1.8.0.255'] });
    // ...and the meter does not take the old ones any more (the second device still holds them).
    const old = await finished(accepted(await utility.smartMetering.getActualMeterReads({ body: { deviceIdentifications: [id('keys-wrong-master')] }, headers })));
    expect(old.device.result).toBe('NOT_OK');
    expect(['AUTHENTICATION_FAILED', 'DECRYPTION_FAILED']).toContain(old.device.errorCode);
    // Nothing secret in the message log.
    const logs = await platform.db.prisma.deviceMessageLog.findMany({ where: { deviceIdentification: id('keys') } });
    const logged = JSON.stringify(logs.map((l) => l.summary)).toUpperCase();
    expect(logged).toContain('GLOBAL KEY TRANSFER');
    for (const key of [...Object.values(newKeys), GURUX_METER_MASTER_KEY.toString('hex').toUpperCase()]) expect(logged).not.toContain(key.slice(0, 12));
    expect(logged).not.toContain('V1.');
  });

  test('the meter took the keys but its answer was lost: the retry finds the meter holds them, and stores them', async () => {
    const before = await stored('keys-lost-answer');
    const correlationUid = accepted(await utility.smartMetering.replaceKeys({ body: { deviceIdentification: id('keys-lost-answer'), ...newKeys }, headers }));
    const { view, device } = await finished(correlationUid);
    expect(lostAnswerMeter.output).toEqual(expect.arrayContaining(['KEYS_REPLACED', expect.stringMatching(/^FAULT/)]));
    expect({ state: view.state, result: device.result, attempts: device.attempts }).toEqual({ state: 'OK', result: 'OK', attempts: 2 });
    expect((await stored('keys-lost-answer')).authenticationKeySealed).not.toBe(before.authenticationKeySealed);
    const logs = await platform.db.prisma.deviceMessageLog.findMany({ where: { correlationUid }, orderBy: { createdAt: 'asc' } });
    expect(logs.map((l) => l.summary)).toEqual(expect.arrayContaining([expect.stringMatching(/associate with the keys being transferred/)]));
    const reads = await okData<Record<string, { value: number }>>(
      accepted(await utility.smartMetering.getActualMeterReads({ body: { deviceIdentifications: [id('keys-lost-answer')] }, headers })),
    );
    expect(reads.activeEnergyImport).toMatchObject({ value: METER.registers['1.0.1.8.0.255'] });
  });

  test('the same Idempotency-Key with the same keys is the same request', async () => {
    const again = { 'idempotency-key': `replace-${run}` };
    const first = accepted(await utility.smartMetering.replaceKeys({ body: { deviceIdentification: id('keys'), ...newKeys }, headers: again }));
    const second = accepted(await utility.smartMetering.replaceKeys({ body: { deviceIdentification: id('keys'), ...newKeys }, headers: again }));
    expect(second).toBe(first);
    expect((await finished(first)).device.result).toBe('OK');
  });
});

describe('authorization', () => {
  test('a device that is no smart meter is refused before anything starts: 400 naming the field and the device', async () => {
    const light = id('light');
    const added = await utility.core.addDevice({ body: newOslpDeviceBody(light) });
    expect(added.status).toBe(201);
    const refused = await utility.smartMetering.getActualMeterReads({ body: { deviceIdentifications: [id('hls'), light] }, headers });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: 'NOT_A_SMART_METER', issues: [{ field: 'body.deviceIdentifications' }] });
    expect(JSON.stringify(refused.body)).toContain(`${light} (OSLP)`);
    expect(JSON.stringify(refused.body)).not.toContain(`${id('hls')} (`);
  });

  test("another organisation may not read the utility's meters (403), not even in a bundle", async () => {
    const single = await otherOrganisation.smartMetering.getActualMeterReads({ body: { deviceIdentifications: [id('hls')] }, headers });
    expect(single.status).toBe(403);
    const bundle = await otherOrganisation.smartMetering.bundle({
      body: { deviceIdentifications: [id('hls')], actions: [{ action: 'readAlarmRegister' }] },
      headers,
    });
    expect(bundle.status).toBe(403);
  });

  test('a MONITORING organisation may read meter data but not clear the alarm register', async () => {
    const granted = await utility.admin.updateDeviceAuthorisations({
      body: {
        authorisations: [{ deviceIdentification: id('hls'), organisationIdentification: `other-${run}`, functionGroup: 'MONITORING', revoke: false }],
      },
    });
    expect(granted.status).toBe(200);
    const read = await otherOrganisation.smartMetering.readAlarmRegister({ body: { deviceIdentifications: [id('hls')] }, headers });
    expect(read.status).toBe(202);
    const clear = await otherOrganisation.smartMetering.clearAlarmRegister({ body: { deviceIdentifications: [id('hls')] }, headers });
    expect(clear.status).toBe(403);
    expect(JSON.stringify(clear.body)).toContain('CLEAR_ALARM_REGISTER');
  });
});
