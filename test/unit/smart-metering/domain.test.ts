// The smart metering domain on its own: functional actions become the generic COSEM operations the DLMS
// adapter runs, and the adapter's per-operation results become functional results (scaler and unit applied,
// profile rows as reads, event codes as names). The values below are shaped as the DLMS client returns them.
import type { CosemOperationResult, CosemValue } from '../../../common/device-commands';
import { planAction } from '../../../workflows/smart-metering/domain/actions';
import { CosemDecodeError, applyScaler, dateTimeFromHex, unitName } from '../../../workflows/smart-metering/domain/cosem';
import { alarmTypesOf } from '../../../workflows/smart-metering/domain/meter-model';

const u32 = (value: number): CosemValue => ({ type: 'uint32', value });
const u16 = (value: number): CosemValue => ({ type: 'uint16', value });
const i8 = (value: number): CosemValue => ({ type: 'int8', value });
const enumOf = (value: number): CosemValue => ({ type: 'enum', value });
const struct = (...value: CosemValue[]): CosemValue => ({ type: 'structure', value });
const array = (...value: CosemValue[]): CosemValue => ({ type: 'array', value });
const octets = (hex: string): CosemValue => ({ type: 'octet-string', hex });
const ok = (value?: CosemValue): CosemOperationResult => ({ ok: true, ...(value ? { value } : {}) });
const refused = (dataAccessResult = 'object-undefined'): CosemOperationResult => ({ ok: false, errorCode: 'DATA_ACCESS', message: 'refused', dataAccessResult });
const scalerUnit = (scaler: number, unit: number) => struct(i8(scaler), enumOf(unit));
/** A logical name as the 6 octets a capture object carries. */
const ln = (obis: string) => octets(Buffer.from(obis.split('.').map(Number)).toString('hex'));
const capture = (classId: number, obis: string, attribute: number) => struct(u16(classId), ln(obis), i8(attribute), u16(0));
/** A COSEM date-time (12 bytes) in UTC (deviation 0), as meters put it in octet strings. */
function clockOctets(iso: string): CosemValue {
  const d = new Date(iso);
  const b = Buffer.alloc(12);
  b.writeUInt16BE(d.getUTCFullYear(), 0);
  b[2] = d.getUTCMonth() + 1;
  b[3] = d.getUTCDate();
  b[4] = 0xff;
  b[5] = d.getUTCHours();
  b[6] = d.getUTCMinutes();
  b[7] = d.getUTCSeconds();
  b[8] = 0;
  b.writeInt16BE(0, 9);
  b[11] = 0;
  return octets(b.toString('hex'));
}

describe('getActualMeterReads', () => {
  const plan = planAction({ action: 'getActualMeterReads' });

  test('reads the clock, value and scaler_unit of the six energy registers, and the gas value when there is one', () => {
    const described = plan.operations.map((o) => (o.op === 'get' ? `${o.attribute.classId}/${o.attribute.obis}/${o.attribute.attribute}${o.optional ? '?' : ''}` : o.op));
    expect(described).toEqual([
      '8/0.0.1.0.0.255/2?',
      '3/1.0.1.8.0.255/2',
      '3/1.0.1.8.0.255/3',
      '3/1.0.2.8.0.255/2',
      '3/1.0.2.8.0.255/3',
      '3/1.0.1.8.1.255/2',
      '3/1.0.1.8.1.255/3',
      '3/1.0.1.8.2.255/2',
      '3/1.0.1.8.2.255/3',
      '3/1.0.2.8.1.255/2',
      '3/1.0.2.8.1.255/3',
      '3/1.0.2.8.2.255/2',
      '3/1.0.2.8.2.255/3',
      '4/0.1.24.2.1.255/2?',
      '4/0.1.24.2.1.255/3?',
      '4/0.1.24.2.1.255/5?',
    ]);
  });

  test('applies each register scaler and unit; a meter without gas gets no gas read', () => {
    const results = [
      ok(clockOctets('2026-11-27T10:15:00Z')),
      ok(u32(12345)),
      ok(scalerUnit(-3, 30)), // 12.345 Wh
      ok(u32(500)),
      ok(scalerUnit(1, 30)), // 5000 Wh
      ok(u32(7)),
      ok(scalerUnit(0, 30)),
      ok(u32(8)),
      ok(scalerUnit(0, 30)),
      ok({ type: 'uint64', value: '9' }),
      ok(scalerUnit(3, 30)),
      ok(u32(10)),
      ok(scalerUnit(-1, 31)),
      refused(),
      refused(),
      refused(),
    ];
    expect(plan.decode(results)).toEqual({
      logTime: '2026-11-27T10:15:00.000Z',
      activeEnergyImport: { value: 12.345, unit: 'Wh' },
      activeEnergyExport: { value: 5000, unit: 'Wh' },
      activeEnergyImportTariffOne: { value: 7, unit: 'Wh' },
      activeEnergyImportTariffTwo: { value: 8, unit: 'Wh' },
      activeEnergyExportTariffOne: { value: 9000, unit: 'Wh' },
      activeEnergyExportTariffTwo: { value: 1, unit: 'VAh' },
    });
  });

  test('adds the gas value with its unit and capture time when the meter has one', () => {
    const results = [ok(), ...Array.from({ length: 6 }, () => [ok(u32(1)), ok(scalerUnit(0, 30))]).flat()];
    results.push(ok(u32(123456)), ok(scalerUnit(-3, 13)), ok(clockOctets('2026-11-27T10:00:00Z')));
    expect(plan.decode(results)).toMatchObject({ gas: { value: 123.456, unit: 'm³', captureTime: '2026-11-27T10:00:00.000Z' } });
  });

  test('a register value that is not a number is unexpected meter data', () => {
    const results = [ok(), ok(octets('00')), ok(scalerUnit(0, 30)), ...Array.from({ length: 13 }, () => ok(scalerUnit(0, 30)))];
    expect(() => plan.decode(results)).toThrow(CosemDecodeError);
  });
});

describe('getPeriodicMeterReads', () => {
  const from = '2026-11-01T00:00:00Z';
  const to = '2026-11-02T00:00:00Z';

  test.each([
    ['INTERVAL', '1.0.99.1.0.255'],
    ['DAILY', '1.0.99.2.0.255'],
    ['MONTHLY', '0.0.98.1.0.255'],
  ] as const)('%s reads profile %s: capture objects, capture period, and the buffer by range', (periodType, obis) => {
    const { operations } = planAction({ action: 'getPeriodicMeterReads', periodType, from, to });
    expect(operations.slice(0, 3)).toEqual([
      { op: 'get', attribute: { classId: 7, obis, attribute: 3 } },
      { op: 'get', attribute: { classId: 7, obis, attribute: 4 }, optional: true },
      { op: 'get', attribute: { classId: 7, obis, attribute: 2 }, access: { kind: 'range', from, to } },
    ]);
    // Then the scaler_unit of every register a profile may capture (optional).
    expect(operations.slice(3).every((o) => o.op === 'get' && o.attribute.attribute === 3 && o.optional)).toBe(true);
  });

  test('profile rows become reads: clock column as log time (a missing one follows the capture period), values scaled', () => {
    const plan = planAction({ action: 'getPeriodicMeterReads', periodType: 'INTERVAL', from, to });
    const captureObjects = array(
      capture(8, '0.0.1.0.0.255', 2),
      capture(1, '0.0.96.10.2.255', 2),
      capture(3, '1.0.1.8.0.255', 2),
      capture(3, '1.0.2.8.0.255', 2),
    );
    const buffer = array(
      struct(clockOctets('2026-11-01T00:15:00Z'), { type: 'uint8', value: 0 }, u32(1000), u32(0)),
      // DSMR profiles may leave the clock out of a row that follows the previous one by one capture period.
      struct({ type: 'null' }, { type: 'uint8', value: 8 }, u32(1250), u32(5)),
    );
    const scalers = [ok(scalerUnit(0, 30)), ok(scalerUnit(-1, 30)), ...Array.from({ length: 5 }, () => refused())];
    const decoded = plan.decode([ok(captureObjects), ok(u32(900)), ok(buffer), ...scalers]);
    expect(decoded).toEqual({
      periodType: 'INTERVAL',
      capturePeriodSeconds: 900,
      periodicMeterReads: [
        { logTime: '2026-11-01T00:15:00.000Z', amrProfileStatus: 0, activeEnergyImport: { value: 1000, unit: 'Wh' }, activeEnergyExport: { value: 0, unit: 'Wh' } },
        { logTime: '2026-11-01T00:30:00.000Z', amrProfileStatus: 8, activeEnergyImport: { value: 1250, unit: 'Wh' }, activeEnergyExport: { value: 0.5, unit: 'Wh' } },
      ],
    });
  });

  test('a row with fewer values than capture objects is unexpected meter data', () => {
    const plan = planAction({ action: 'getPeriodicMeterReads', periodType: 'DAILY', from, to });
    const decode = () => plan.decode([ok(array(capture(8, '0.0.1.0.0.255', 2), capture(3, '1.0.1.8.1.255', 2))), ok(u32(86400)), ok(array(struct(u32(1)))), ...Array.from({ length: 7 }, () => refused())]);
    expect(decode).toThrow(/1 values for 2 capture objects/);
  });
});

describe('findEvents', () => {
  test.each([
    ['STANDARD', '0.0.99.98.0.255'],
    ['FRAUD_DETECTION', '0.0.99.98.1.255'],
    ['COMMUNICATION', '0.0.99.98.4.255'],
    ['POWER_QUALITY', '0.0.99.97.0.255'],
  ] as const)('%s reads event log %s by range, without register scalers', (eventLogCategory, obis) => {
    const { operations } = planAction({ action: 'findEvents', eventLogCategory, from: '2026-11-01T00:00:00Z', to: '2026-11-28T00:00:00Z' });
    expect(operations).toHaveLength(3);
    expect(operations[2]).toEqual({
      op: 'get',
      attribute: { classId: 7, obis, attribute: 2 },
      access: { kind: 'range', from: '2026-11-01T00:00:00Z', to: '2026-11-28T00:00:00Z' },
    });
  });

  test('event codes become OSGP event names; unknown codes say so', () => {
    const plan = planAction({ action: 'findEvents', eventLogCategory: 'STANDARD', from: '2026-11-01T00:00:00Z', to: '2026-11-28T00:00:00Z' });
    const columns = array(capture(8, '0.0.1.0.0.255', 2), capture(1, '0.0.96.11.0.255', 2));
    const rows = array(
      struct(clockOctets('2026-11-02T03:04:05Z'), { type: 'uint8', value: 1 }),
      struct(clockOctets('2026-11-02T03:10:00Z'), { type: 'uint8', value: 2 }),
      struct(clockOctets('2026-11-03T00:00:00Z'), { type: 'uint8', value: 11 }),
      struct(clockOctets('2026-11-04T00:00:00Z'), { type: 'uint8', value: 44 }),
      struct(clockOctets('2026-11-05T00:00:00Z'), { type: 'uint8', value: 230 }),
    );
    expect(plan.decode([ok(columns), refused(), ok(rows)])).toEqual({
      eventLogCategory: 'STANDARD',
      events: [
        { timestamp: '2026-11-02T03:04:05.000Z', eventCode: 1, eventType: 'POWER_FAILURE' },
        { timestamp: '2026-11-02T03:10:00.000Z', eventCode: 2, eventType: 'POWER_RETURNED' },
        { timestamp: '2026-11-03T00:00:00.000Z', eventCode: 11, eventType: 'ALARM_REGISTER_CLEARED' },
        { timestamp: '2026-11-04T00:00:00.000Z', eventCode: 44, eventType: 'METER_COVER_REMOVED' },
        { timestamp: '2026-11-05T00:00:00.000Z', eventCode: 230, eventType: 'UNKNOWN_EVENT_230' },
      ],
    });
  });

  test('a log without an event code column is unexpected meter data', () => {
    const plan = planAction({ action: 'findEvents', eventLogCategory: 'STANDARD', from: '2026-11-01T00:00:00Z', to: '2026-11-28T00:00:00Z' });
    expect(() => plan.decode([ok(array(capture(8, '0.0.1.0.0.255', 2))), refused(), ok(array())])).toThrow(/no event code/);
  });
});

describe('alarm register', () => {
  test('readAlarmRegister reads 0.0.97.98.0.255 and names the bits set', () => {
    const plan = planAction({ action: 'readAlarmRegister' });
    expect(plan.operations).toEqual([{ op: 'get', attribute: { classId: 1, obis: '0.0.97.98.0.255', attribute: 2 } }]);
    // bits 0, 2, 13 and 31
    expect(plan.decode([ok(u32(0x80002005))])).toEqual({
      alarmRegister: 0x80002005,
      alarmTypes: ['CLOCK_INVALID', 'POWER_UP', 'FRAUD_ATTEMPT', 'BIT_31'],
    });
    expect(alarmTypesOf(0)).toEqual([]);
  });

  test('clearAlarmRegister writes 0 to it', () => {
    expect(planAction({ action: 'clearAlarmRegister' }).operations).toEqual([
      { op: 'set', attribute: { classId: 1, obis: '0.0.97.98.0.255', attribute: 2 }, value: { type: 'uint32', value: 0 } },
    ]);
  });
});

test('synchronizeTime reads the clock, then sets it to the adapter time at sending, and reports both', () => {
  const plan = planAction({ action: 'synchronizeTime' });
  expect(plan.operations).toEqual([
    { op: 'get', attribute: { classId: 8, obis: '0.0.1.0.0.255', attribute: 2 }, optional: true },
    { op: 'set', attribute: { classId: 8, obis: '0.0.1.0.0.255', attribute: 2 }, value: { type: 'date-time-now' } },
  ]);
  const written: CosemValue = { type: 'date-time', instant: '2026-11-27T10:00:00.000Z', hex: '', deviation: 0, clockStatus: 0 };
  expect(plan.decode([ok(clockOctets('2026-11-27T09:58:30Z')), ok(written)])).toEqual({
    previousMeterTime: '2026-11-27T09:58:30.000Z',
    synchronizedTo: '2026-11-27T10:00:00.000Z',
  });
});

test('getFirmwareVersion reads the firmware identifiers; modules the meter lacks are left out', () => {
  const plan = planAction({ action: 'getFirmwareVersion' });
  expect(plan.operations.map((o) => (o.op === 'get' ? o.attribute.obis : ''))).toEqual(['1.0.0.2.0.255', '1.1.0.2.0.255', '1.2.0.2.0.255']);
  const decoded = plan.decode([ok(octets(Buffer.from('M-1.2.3').toString('hex'))), refused(), ok({ type: 'visible-string', value: 'COMM-4.5' })]);
  expect(decoded).toEqual({
    firmwareVersions: [
      { firmwareModuleType: 'ACTIVE_FIRMWARE', version: 'M-1.2.3' },
      { firmwareModuleType: 'COMMUNICATION_MODULE_ACTIVE_FIRMWARE', version: 'COMM-4.5' },
    ],
  });
});

test('getAssociationLnObjects lists the objects with their access rights by name', () => {
  const plan = planAction({ action: 'getAssociationLnObjects' });
  expect(plan.operations).toEqual([{ op: 'objectList' }]);
  const decoded = plan.decode([
    { ok: true, objects: [{ classId: 8, version: 0, obis: '0.0.1.0.0.255', attributes: [{ id: 1, access: 1 }, { id: 2, access: 3 }], methods: [{ id: 1, access: 1 }] }] },
  ]);
  expect(decoded).toEqual({
    objects: [
      {
        classId: 8,
        version: 0,
        obisCode: '0.0.1.0.0.255',
        attributes: [{ id: 1, access: 'READ_ONLY' }, { id: 2, access: 'READ_AND_WRITE' }],
        methods: [{ id: 1, access: 'ACCESS' }],
      },
    ],
  });
});

test('getSpecificAttributeValue reads the one attribute asked and gives its value plainly and as typed', () => {
  const plan = planAction({ action: 'getSpecificAttributeValue', classId: 3, obisCode: '1.0.1.8.0.255', attribute: 3 });
  expect(plan.operations).toEqual([{ op: 'get', attribute: { classId: 3, obis: '1.0.1.8.0.255', attribute: 3 } }]);
  expect(plan.decode([ok(scalerUnit(-3, 30))])).toEqual({
    classId: 3,
    obisCode: '1.0.1.8.0.255',
    attribute: 3,
    value: [-3, 30],
    cosemValue: scalerUnit(-3, 30),
  });
});

test('replaceKeys is one global key transfer on the security setup, carrying the keys only sealed', () => {
  const plan = planAction({ action: 'replaceKeys', authenticationKeySealed: 'v1.sealed-ak', blockCipherKeySealed: 'v1.sealed-ek' });
  expect(plan.operations).toEqual([
    {
      op: 'globalKeyTransfer',
      securitySetup: '0.0.43.0.0.255',
      keys: [
        { keyType: 'AUTHENTICATION', sealed: 'v1.sealed-ak' },
        { keyType: 'UNICAST_ENCRYPTION', sealed: 'v1.sealed-ek' },
      ],
    },
  ]);
  expect(plan.decode([{ ok: true }])).toEqual({ keysReplaced: ['AUTHENTICATION_KEY', 'ENCRYPTION_KEY'] });
  expect(() => plan.decode([])).toThrow(CosemDecodeError);
});

describe('COSEM values', () => {
  test('scalers apply without binary noise', () => {
    expect(applyScaler(12345, -3)).toBe(12.345);
    expect(applyScaler(1, -1)).toBe(0.1);
    expect(applyScaler(7, 2)).toBe(700);
  });

  test('units by their IEC 62056-6-2 code', () => {
    expect([unitName(27), unitName(30), unitName(13), unitName(255), unitName(200)]).toEqual(['W', 'Wh', 'm³', 'count', 'unit-200']);
  });

  test('a date-time with a deviation is taken as local time that far from UTC; unspecified parts give no instant', () => {
    // 2026-11-27 11:00:00 with deviation -60 (0xFFC4): UTC = local + deviation = 10:00.
    expect(dateTimeFromHex('07EA0B1B050B000000FFC400')).toBe('2026-11-27T10:00:00.000Z');
    expect(dateTimeFromHex('07EA0B1B050B0000008000' + '00')).toBe('2026-11-27T11:00:00.000Z');
    expect(dateTimeFromHex('FFFFFFFFFFFFFFFFFF800000')).toBeNull();
  });
});
