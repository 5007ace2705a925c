// The smart metering domain: each functional action (OSGP's smart metering operations) becomes a list of
// generic COSEM operations for the DLMS adapter, and the adapter's per-operation results become the action's
// functional result (meter reads with scaler and unit applied, profile rows as reads, event codes as names).
// Pure and deterministic: it runs inside workflows.
import type { CosemOperation, CosemOperationResult, CosemValue } from '../../../common/device-commands';
import {
  CosemDecodeError,
  attributeAccessModes,
  decodeBufferRows,
  decodeCaptureObjects,
  decodeScalerUnit,
  instantOf,
  methodAccessModes,
  numberOf,
  plainValue,
  quantity,
  sameObject,
  textOf,
  type CaptureObject,
  type Quantity,
  type ScalerUnit,
} from './cosem';
import { ALARM_REGISTER, CLOCK, SECURITY_SETUP, GAS_REGISTER, alarmTypesOf, capturedRegisterNames, energyRegisters, eventLogs, eventTypeName, firmwareIdentifiers, isAmrProfileStatus, isEventCodeObject, periodicProfiles } from './meter-model';
import { type EventLogCategory, type PeriodType } from '../../../common/smart-metering';

export const smartMeteringActionNames = [
  'getActualMeterReads',
  'getPeriodicMeterReads',
  'readAlarmRegister',
  'clearAlarmRegister',
  'synchronizeTime',
  'getFirmwareVersion',
  'findEvents',
  'getAssociationLnObjects',
  'getSpecificAttributeValue',
  'replaceKeys',
] as const;
export type SmartMeteringActionName = (typeof smartMeteringActionNames)[number];

/** A functional smart metering action, as the API accepts it (alone, or as one action of a bundle). */
export type SmartMeteringAction =
  | { action: 'getActualMeterReads' }
  /** from/to: ISO 8601 instants; the profile rows captured in that range. */
  | { action: 'getPeriodicMeterReads'; periodType: PeriodType; from: string; to: string }
  | { action: 'readAlarmRegister' }
  | { action: 'clearAlarmRegister' }
  | { action: 'synchronizeTime' }
  | { action: 'getFirmwareVersion' }
  | { action: 'findEvents'; eventLogCategory: EventLogCategory; from: string; to: string }
  | { action: 'getAssociationLnObjects' }
  | { action: 'getSpecificAttributeValue'; classId: number; obisCode: string; attribute: number }
  /**
   * New HLS keys, sealed by the platform's DLMS key store for the meter (never plain in a workflow): the
   * adapter transfers them wrapped under the meter's master key and stores them once the meter took them.
   */
  | { action: 'replaceKeys'; authenticationKeySealed: string; blockCipherKeySealed: string };

/** How one action is carried out: the operations to send, and how to read their results. */
export interface ActionPlan {
  operations: CosemOperation[];
  decode(results: CosemOperationResult[]): unknown;
}

const get = (classId: number, obis: string, attribute: number, optional = false): CosemOperation => ({
  op: 'get',
  attribute: { classId, obis, attribute },
  ...(optional ? { optional } : {}),
});

/** The value an operation produced; a failed optional operation gives undefined. */
function valueAt(results: CosemOperationResult[], index: number): CosemValue | undefined {
  const result = results[index];
  if (!result) throw new CosemDecodeError(`no result for operation ${index}`);
  return result.ok ? result.value : undefined;
}

export function planAction(action: SmartMeteringAction): ActionPlan {
  switch (action.action) {
    case 'getActualMeterReads':
      return planActualMeterReads();
    case 'getPeriodicMeterReads':
      return planProfileRead(periodicProfiles[action.periodType], action, true, (profile) => periodicReadsOf(action.periodType, profile));
    case 'readAlarmRegister':
      return {
        operations: [get(ALARM_REGISTER.classId, ALARM_REGISTER.obis, 2)],
        decode: (results) => {
          const alarmRegister = numberOf(valueAt(results, 0), 'alarm register');
          return { alarmRegister, alarmTypes: alarmTypesOf(alarmRegister) };
        },
      };
    case 'clearAlarmRegister':
      return {
        operations: [
          {
            op: 'set',
            attribute: { classId: ALARM_REGISTER.classId, obis: ALARM_REGISTER.obis, attribute: 2 },
            value: { type: 'uint32', value: 0 },
          },
        ],
        decode: () => ({ cleared: true }),
      };
    case 'synchronizeTime':
      return {
        operations: [
          get(CLOCK.classId, CLOCK.obis, 2, true),
          { op: 'set', attribute: { classId: CLOCK.classId, obis: CLOCK.obis, attribute: 2 }, value: { type: 'date-time-now' } },
        ],
        decode: (results) => ({
          previousMeterTime: instantOf(valueAt(results, 0)),
          synchronizedTo: instantOf(valueAt(results, 1)),
        }),
      };
    case 'getFirmwareVersion':
      return {
        operations: firmwareIdentifiers.map((f) => get(f.classId, f.obis, 2, f.optional)),
        decode: (results) => ({
          firmwareVersions: firmwareIdentifiers.flatMap((f, i) => {
            const value = valueAt(results, i);
            return value ? [{ firmwareModuleType: f.firmwareModuleType, version: textOf(value, f.obis) }] : [];
          }),
        }),
      };
    case 'findEvents':
      return planProfileRead(eventLogs[action.eventLogCategory], action, false, (profile) => ({
        eventLogCategory: action.eventLogCategory,
        events: eventsOf(profile),
      }));
    case 'getAssociationLnObjects':
      return {
        operations: [{ op: 'objectList' }],
        decode: (results) => {
          const result = results[0];
          if (!result?.ok || !result.objects) throw new CosemDecodeError('no object list');
          return {
            objects: result.objects.map((o) => ({
              classId: o.classId,
              version: o.version,
              obisCode: o.obis,
              attributes: o.attributes.map((a) => ({ id: a.id, access: attributeAccessModes[a.access] ?? `ACCESS_${a.access}` })),
              methods: o.methods.map((m) => ({ id: m.id, access: methodAccessModes[m.access] ?? `ACCESS_${m.access}` })),
            })),
          };
        },
      };
    case 'getSpecificAttributeValue':
      return {
        operations: [get(action.classId, action.obisCode, action.attribute)],
        decode: (results) => {
          const value = valueAt(results, 0) ?? { type: 'null' };
          return { classId: action.classId, obisCode: action.obisCode, attribute: action.attribute, value: plainValue(value), cosemValue: value };
        },
      };
    case 'replaceKeys':
      return {
        operations: [
          {
            op: 'globalKeyTransfer',
            securitySetup: SECURITY_SETUP.obis,
            keys: [
              { keyType: 'AUTHENTICATION', sealed: action.authenticationKeySealed },
              { keyType: 'UNICAST_ENCRYPTION', sealed: action.blockCipherKeySealed },
            ],
          },
        ],
        decode: (results) => {
          if (!results[0]?.ok) throw new CosemDecodeError('no result for the key transfer');
          return { keysReplaced: ['AUTHENTICATION_KEY', 'ENCRYPTION_KEY'] };
        },
      };
  }
}

function planActualMeterReads(): ActionPlan {
  const operations: CosemOperation[] = [get(CLOCK.classId, CLOCK.obis, 2, true)];
  for (const register of energyRegisters) {
    operations.push(get(register.classId, register.obis, 2), get(register.classId, register.obis, 3));
  }
  // Not every meter has a gas meter on its M-Bus: optional.
  operations.push(
    get(GAS_REGISTER.classId, GAS_REGISTER.obis, 2, true),
    get(GAS_REGISTER.classId, GAS_REGISTER.obis, 3, true),
    get(GAS_REGISTER.classId, GAS_REGISTER.obis, 5, true),
  );
  return {
    operations,
    decode(results) {
      const reads: Record<string, unknown> = { logTime: instantOf(valueAt(results, 0)) };
      energyRegisters.forEach((register, i) => {
        const scalerUnit = decodeScalerUnit(valueAt(results, 2 + i * 2), `${register.obis} scaler_unit`);
        reads[register.name] = quantity(valueAt(results, 1 + i * 2), scalerUnit, register.obis);
      });
      const gasAt = 1 + energyRegisters.length * 2;
      const gasValue = valueAt(results, gasAt);
      const gasScaler = valueAt(results, gasAt + 1);
      if (gasValue && gasScaler) {
        reads.gas = {
          ...quantity(gasValue, decodeScalerUnit(gasScaler, `${GAS_REGISTER.obis} scaler_unit`), GAS_REGISTER.obis),
          captureTime: instantOf(valueAt(results, gasAt + 2)),
        };
      }
      return reads;
    },
  };
}

/** A profile generic read as its capture objects, its capture period and the rows of a time range. */
export interface ProfileContents {
  columns: CaptureObject[];
  capturePeriodSeconds: number;
  rows: CosemValue[][];
  /** scaler_unit of the registers the profile may capture, by logical name. */
  scalerUnits: Map<string, ScalerUnit>;
}

/** The registers whose scaler_unit a profile read fetches as well (optional: a meter may lack some). */
const scaledRegisters = [...energyRegisters, GAS_REGISTER];

function planProfileRead(
  profile: { classId: 7; obis: string },
  range: { from: string; to: string },
  withScalers: boolean,
  interpret: (contents: ProfileContents) => unknown,
): ActionPlan {
  const { from, to } = range;
  const operations: CosemOperation[] = [
    get(profile.classId, profile.obis, 3),
    get(profile.classId, profile.obis, 4, true),
    { op: 'get', attribute: { classId: profile.classId, obis: profile.obis, attribute: 2 }, access: { kind: 'range', from, to } },
  ];
  if (withScalers) for (const register of scaledRegisters) operations.push(get(register.classId, register.obis, 3, true));
  return {
    operations,
    decode(results) {
      const columns = decodeCaptureObjects(valueAt(results, 0));
      const period = valueAt(results, 1);
      const scalerUnits = new Map<string, ScalerUnit>();
      if (withScalers) {
        scaledRegisters.forEach((register, i) => {
          const value = valueAt(results, 3 + i);
          if (value) scalerUnits.set(register.obis, decodeScalerUnit(value, `${register.obis} scaler_unit`));
        });
      }
      return interpret({
        columns,
        capturePeriodSeconds: period ? numberOf(period, 'capture_period') : 0,
        rows: decodeBufferRows(valueAt(results, 2), columns.length),
        scalerUnits,
      });
    },
  };
}

/**
 * Profile rows as reads: the clock column gives each row's time (a row without one follows the previous row
 * by the capture period, as compressed DSMR profiles do); register values get their scaler and unit.
 */
export function periodicReadsOf(periodType: PeriodType, profile: ProfileContents) {
  const clockColumn = profile.columns.findIndex((c) => sameObject(c, CLOCK) && c.attribute === 2);
  let previous: number | undefined;
  const reads = profile.rows.map((row, rowIndex) => {
    const read: Record<string, unknown> = {};
    let logTime = clockColumn >= 0 ? instantOf(row[clockColumn]) : null;
    if (logTime === null && previous !== undefined && profile.capturePeriodSeconds > 0) {
      logTime = new Date(previous + profile.capturePeriodSeconds * 1000).toISOString();
    }
    if (logTime !== null) previous = Date.parse(logTime);
    read.logTime = logTime;
    profile.columns.forEach((column, i) => {
      if (i === clockColumn) return;
      const cell = row[i];
      if (isAmrProfileStatus(column)) {
        read.amrProfileStatus = numberOf(cell, `row ${rowIndex} AMR profile status`);
        return;
      }
      const name = capturedRegisterNames[column.obis] ?? `${column.classId}/${column.obis}/${column.attribute}`;
      const scalerUnit = profile.scalerUnits.get(column.obis);
      if (column.attribute === 2 && scalerUnit && cell.type !== 'null') {
        read[name] = quantity(cell, scalerUnit, `row ${rowIndex} ${column.obis}`) satisfies Quantity;
      } else {
        read[name] = plainValue(cell);
      }
    });
    return read;
  });
  return { periodType, capturePeriodSeconds: profile.capturePeriodSeconds, periodicMeterReads: reads };
}

/** Event log rows as events: the clock column's time, the event code and its name; other columns by name. */
export function eventsOf(profile: ProfileContents) {
  const clockColumn = profile.columns.findIndex((c) => sameObject(c, CLOCK) && c.attribute === 2);
  const codeColumn = profile.columns.findIndex(isEventCodeObject);
  if (codeColumn < 0) throw new CosemDecodeError('the event log captures no event code (0.0.96.11.x.255)');
  return profile.rows.map((row, rowIndex) => {
    const eventCode = numberOf(row[codeColumn], `event ${rowIndex} code`);
    const event: Record<string, unknown> = {
      timestamp: clockColumn >= 0 ? instantOf(row[clockColumn]) : null,
      eventCode,
      eventType: eventTypeName(eventCode),
    };
    profile.columns.forEach((column, i) => {
      if (i !== clockColumn && i !== codeColumn) event[`${column.classId}/${column.obis}/${column.attribute}`] = plainValue(row[i]);
    });
    return event;
  });
}
