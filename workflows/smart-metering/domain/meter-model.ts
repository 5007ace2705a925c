// The meter's object model as the smart metering domain knows it (DSMR-style OBIS codes): which COSEM objects
// hold the clock, the energy registers, the profiles, the event logs, the alarm register and the firmware
// identifiers, and the event and alarm code tables (as OSGP's smart metering domain names them).
import type { CosemAttributeRef } from '../../../common/device-commands';
import type { EventLogCategory, PeriodType } from '../../../common/smart-metering';

export const CLOCK = { classId: 8, obis: '0.0.1.0.0.255' } as const;
export const ALARM_REGISTER = { classId: 1, obis: '0.0.97.98.0.255' } as const;
/** Security setup (class 64) of the association the platform uses; its global_key_transfer replaces keys. */
export const SECURITY_SETUP = { classId: 64, obis: '0.0.43.0.0.255' } as const;

/** Electricity energy registers (class 3): value attribute 2, scaler_unit attribute 3. */
export const energyRegisters = [
  { name: 'activeEnergyImport', classId: 3, obis: '1.0.1.8.0.255' },
  { name: 'activeEnergyExport', classId: 3, obis: '1.0.2.8.0.255' },
  { name: 'activeEnergyImportTariffOne', classId: 3, obis: '1.0.1.8.1.255' },
  { name: 'activeEnergyImportTariffTwo', classId: 3, obis: '1.0.1.8.2.255' },
  { name: 'activeEnergyExportTariffOne', classId: 3, obis: '1.0.2.8.1.255' },
  { name: 'activeEnergyExportTariffTwo', classId: 3, obis: '1.0.2.8.2.255' },
] as const;
export type EnergyRegisterName = (typeof energyRegisters)[number]['name'];

/** The gas value of an M-Bus meter on channel 1 (extended register, class 4; capture time attribute 5). */
export const GAS_REGISTER = { name: 'gas', classId: 4, obis: '0.1.24.2.1.255' } as const;

/** Registers a profile may capture, by logical name: the names their values get in periodic reads. */
export const capturedRegisterNames: Record<string, string> = Object.fromEntries([
  ...energyRegisters.map((r) => [r.obis, r.name]),
  [GAS_REGISTER.obis, GAS_REGISTER.name],
]);

/** Profile generics (class 7) of the periodic reads: 15-minute interval, daily and monthly billing values. */
export const periodicProfiles: Record<PeriodType, { classId: 7; obis: string }> = {
  INTERVAL: { classId: 7, obis: '1.0.99.1.0.255' },
  DAILY: { classId: 7, obis: '1.0.99.2.0.255' },
  MONTHLY: { classId: 7, obis: '0.0.98.1.0.255' },
};

/** Event logs (profile generics: clock + event code). */
export const eventLogs: Record<EventLogCategory, { classId: 7; obis: string }> = {
  STANDARD: { classId: 7, obis: '0.0.99.98.0.255' },
  FRAUD_DETECTION: { classId: 7, obis: '0.0.99.98.1.255' },
  COMMUNICATION: { classId: 7, obis: '0.0.99.98.4.255' },
  POWER_QUALITY: { classId: 7, obis: '0.0.99.97.0.255' },
};

/** The event code object a log captures (0.0.96.11.x.255, class 1): its value is the event code. */
export function isEventCodeObject(ref: CosemAttributeRef): boolean {
  return ref.classId === 1 && /^0\.0\.96\.11\.\d+\.255$/.test(ref.obis) && ref.attribute === 2;
}

/** The AMR profile status (0.0.96.10.x.255, class 1) a load profile captures next to its values. */
export function isAmrProfileStatus(ref: CosemAttributeRef): boolean {
  return ref.classId === 1 && /^0\.0\.96\.10\.\d+\.255$/.test(ref.obis) && ref.attribute === 2;
}

/** Event codes of the DSMR event logs, with OSGP's names. */
export const eventTypes: Record<number, string> = {
  1: 'POWER_FAILURE',
  2: 'POWER_RETURNED',
  3: 'CLOCK_UPDATE',
  4: 'CLOCK_ADJUSTED_OLD_TIME',
  5: 'CLOCK_ADJUSTED_NEW_TIME',
  6: 'CLOCK_INVALID',
  7: 'REPLACE_BATTERY',
  8: 'BATTERY_VOLTAGE_LOW',
  9: 'TARIFF_ACTIVATED',
  10: 'ERROR_REGISTER_CLEARED',
  11: 'ALARM_REGISTER_CLEARED',
  12: 'HARDWARE_ERROR_PROGRAM_MEMORY',
  13: 'HARDWARE_ERROR_RAM',
  14: 'HARDWARE_ERROR_NV_MEMORY',
  15: 'WATCHDOG_ERROR',
  16: 'HARDWARE_ERROR_MEASUREMENT_SYSTEM',
  17: 'FIRMWARE_READY_FOR_ACTIVATION',
  18: 'FIRMWARE_ACTIVATED',
  19: 'PASSIVE_TARIFF_UPDATED',
  20: 'SUCCESSFUL_SELFCHECK_AFTER_FIRMWARE_UPDATE',
  40: 'TERMINAL_COVER_REMOVED',
  41: 'TERMINAL_COVER_CLOSED',
  42: 'STRONG_DC_FIELD_DETECTED',
  43: 'NO_STRONG_DC_FIELD_ANYMORE',
  44: 'METER_COVER_REMOVED',
  45: 'METER_COVER_CLOSED',
  46: 'FAILED_LOGIN_ATTEMPT',
  47: 'CONFIGURATION_CHANGE',
  71: 'METROLOGICAL_MAINTENANCE',
  72: 'TECHNICAL_MAINTENANCE',
  73: 'RETRIEVE_METER_READINGS_E',
  74: 'RETRIEVE_METER_READINGS_G',
  75: 'RETRIEVE_INTERVAL_DATA_E',
  76: 'RETRIEVE_INTERVAL_DATA_G',
  255: 'EVENTLOG_CLEARED',
};

export function eventTypeName(code: number): string {
  return eventTypes[code] ?? `UNKNOWN_EVENT_${code}`;
}

/** Bits of the DSMR alarm register (bit 0 = least significant), with OSGP's names. */
export const alarmBits: Record<number, string> = {
  0: 'CLOCK_INVALID',
  1: 'REPLACE_BATTERY',
  2: 'POWER_UP',
  8: 'PROGRAM_MEMORY_ERROR',
  9: 'RAM_ERROR',
  10: 'NV_MEMORY_ERROR',
  11: 'MEASUREMENT_SYSTEM_ERROR',
  12: 'WATCHDOG_ERROR',
  13: 'FRAUD_ATTEMPT',
  16: 'COMMUNICATION_ERROR_M_BUS_CHANNEL_1',
  17: 'COMMUNICATION_ERROR_M_BUS_CHANNEL_2',
  18: 'COMMUNICATION_ERROR_M_BUS_CHANNEL_3',
  19: 'COMMUNICATION_ERROR_M_BUS_CHANNEL_4',
  20: 'FRAUD_ATTEMPT_M_BUS_CHANNEL_1',
  21: 'FRAUD_ATTEMPT_M_BUS_CHANNEL_2',
  22: 'FRAUD_ATTEMPT_M_BUS_CHANNEL_3',
  23: 'FRAUD_ATTEMPT_M_BUS_CHANNEL_4',
  24: 'NEW_M_BUS_DEVICE_DISCOVERED_CHANNEL_1',
  25: 'NEW_M_BUS_DEVICE_DISCOVERED_CHANNEL_2',
  26: 'NEW_M_BUS_DEVICE_DISCOVERED_CHANNEL_3',
  27: 'NEW_M_BUS_DEVICE_DISCOVERED_CHANNEL_4',
};

/** The names of the bits set in an alarm register value; bits without a name as BIT_<n>. */
export function alarmTypesOf(register: number): string[] {
  const names: string[] = [];
  for (let bit = 0; bit < 32; bit++) {
    if (Math.floor(register / 2 ** bit) % 2 === 1) names.push(alarmBits[bit] ?? `BIT_${bit}`);
  }
  return names;
}

/** Firmware identifiers (class 1, attribute 2): the meter's active firmware and its modules'. */
export const firmwareIdentifiers = [
  { firmwareModuleType: 'ACTIVE_FIRMWARE', classId: 1, obis: '1.0.0.2.0.255', optional: false },
  { firmwareModuleType: 'MODULE_ACTIVE_FIRMWARE', classId: 1, obis: '1.1.0.2.0.255', optional: true },
  { firmwareModuleType: 'COMMUNICATION_MODULE_ACTIVE_FIRMWARE', classId: 1, obis: '1.2.0.2.0.255', optional: true },
] as const;
