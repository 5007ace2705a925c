// Tariff switching's domain rules, pure: a tariff relay is on for the high tariff, a TARIFF_REVERSED relay
// the other way round. The device only knows relay states; the platform knows which relay is reversed.
import type {
  DeviceResponse,
  RelayConfiguration,
  ScheduleEntry,
  ScheduleWeekDay,
  TariffValue,
} from '../../common/device-commands';

export interface TariffScheduleEntry {
  weekDay: ScheduleWeekDay;
  startDay?: string;
  endDay?: string;
  /** HH:MM, device local time. */
  time: string;
  tariffValues: TariffValue[];
}

function isReversed(relays: readonly RelayConfiguration[] | undefined, index: number): boolean {
  return relays?.some((relay) => relay.index === index && relay.relayType === 'TARIFF_REVERSED') ?? false;
}

/** The relay state that gives `high` on this relay of this device. */
export function relayStateFor(relays: readonly RelayConfiguration[] | undefined, value: TariffValue): boolean {
  return isReversed(relays, value.index) ? !value.high : value.high;
}

/** A tariff schedule as the device's relay schedule (scheduleType TARIFF), inverted where a relay is reversed. */
export function toDeviceTariffSchedule(entries: readonly TariffScheduleEntry[], relays: readonly RelayConfiguration[] | undefined): ScheduleEntry[] {
  return entries.map((entry) => ({
    weekDay: entry.weekDay,
    ...(entry.startDay !== undefined ? { startDay: entry.startDay } : {}),
    ...(entry.endDay !== undefined ? { endDay: entry.endDay } : {}),
    actionTime: 'ABSOLUTETIME',
    time: entry.time,
    lightValues: entry.tariffValues.map((value) => ({ index: value.index, on: relayStateFor(relays, value) })),
  }));
}

/**
 * A device status as tariff values: one per tariff relay (TARIFF or TARIFF_REVERSED) the device reported,
 * high when the relay is on, or off for a reversed one. Other answers pass unchanged.
 */
export function toTariffStatus(response: DeviceResponse, relays: readonly RelayConfiguration[] | undefined): DeviceResponse {
  if (response.kind !== 'getStatus') return response;
  const tariffRelays = (relays ?? []).filter((relay) => relay.relayType !== 'LIGHT');
  const tariffValues: TariffValue[] = [];
  for (const relay of [...tariffRelays].sort((a, b) => a.index - b.index)) {
    const value = response.status.lightValues.find((v) => v.index === relay.index);
    if (!value) continue;
    tariffValues.push({ index: relay.index, high: relay.relayType === 'TARIFF_REVERSED' ? !value.on : value.on });
  }
  return { kind: 'getTariffStatus', tariffValues };
}
