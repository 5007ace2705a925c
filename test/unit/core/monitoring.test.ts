// Status monitoring and time synchronisation: which device counts as silent, lost or back, how clock
// deviations are measured (DLMS clock reads and writes, OSLP event times), and the schedule the core worker makes.
import {
  beyondMaxDeviation,
  clockDeviationMs,
  isBack,
  silentBefore,
  staysSilent,
} from '../../../core/monitoring/communication';
import { deviceMonitoringScheduleOptions, deviceMonitoringSettingsFrom, deviceMonitoringScheduleId } from '../../../core/monitoring/schedule';
import { meterClockDeviation } from '../../../activities/dlms/device-command';
import { clockDeviationFromEvents } from '../../../activities/oslp/inbound-store';
import { loadConfig } from '../../../common/config';
import type { CosemOperation, CosemOperationResult } from '../../../common/device-commands';

const at = (iso: string) => new Date(iso);

describe('silence', () => {
  test('a device is silent when last heard from before now minus the threshold', () => {
    expect(silentBefore(at('2026-12-05T12:00:00Z'), 10 * 60_000)).toEqual(at('2026-12-05T11:50:00Z'));
  });

  test('an asked device stays silent unless heard from at or after the start of the check', () => {
    const started = at('2026-12-05T12:00:00Z');
    expect(staysSilent(null, started)).toBe(true);
    expect(staysSilent(at('2026-12-05T11:59:59.999Z'), started)).toBe(true);
    expect(staysSilent(started, started)).toBe(false);
    expect(staysSilent(at('2026-12-05T12:00:01Z'), started)).toBe(false);
  });

  test('a lost device is back once heard from after it was lost; an OK one is never "back"', () => {
    const lostAt = at('2026-12-05T12:00:00Z');
    expect(isBack({ communicationState: 'COMMUNICATION_LOST', lastCommunicationAt: at('2026-12-05T12:00:01Z'), communicationStateChangedAt: lostAt })).toBe(true);
    expect(isBack({ communicationState: 'COMMUNICATION_LOST', lastCommunicationAt: at('2026-12-05T11:00:00Z'), communicationStateChangedAt: lostAt })).toBe(false);
    expect(isBack({ communicationState: 'COMMUNICATION_LOST', lastCommunicationAt: lostAt, communicationStateChangedAt: lostAt })).toBe(false);
    expect(isBack({ communicationState: 'COMMUNICATION_LOST', lastCommunicationAt: null, communicationStateChangedAt: lostAt })).toBe(false);
    expect(isBack({ communicationState: 'OK', lastCommunicationAt: at('2026-12-05T12:00:01Z'), communicationStateChangedAt: lostAt })).toBe(false);
  });
});

describe('clock deviation', () => {
  test('is the device clock minus the platform clock, and beyond the maximum either way', () => {
    expect(clockDeviationMs(at('2026-12-05T12:00:05Z'), at('2026-12-05T12:00:00Z'))).toBe(5_000);
    expect(clockDeviationMs(at('2026-12-05T11:59:00Z'), at('2026-12-05T12:00:00Z'))).toBe(-60_000);
    expect(beyondMaxDeviation(-60_000, 30_000)).toBe(true);
    expect(beyondMaxDeviation(30_000, 30_000)).toBe(false);
    expect(beyondMaxDeviation(null, 30_000)).toBe(false);
  });

  const clock = { classId: 8, obis: '0.0.1.0.0.255', attribute: 2 };
  const read: CosemOperation = { op: 'get', attribute: clock, optional: true };
  const write: CosemOperation = { op: 'set', attribute: clock, value: { type: 'date-time-now' } };
  const meterTime = (instant: string | null): CosemOperationResult => ({ ok: true, value: { type: 'date-time', instant, hex: '', deviation: null, clockStatus: null } });

  test('DLMS: a clock read gives the deviation, a write of the platform time makes it 0, other objects none', () => {
    const now = at('2026-12-05T12:00:00Z');
    expect(meterClockDeviation([read], [meterTime('2026-12-05T11:58:30Z')], now)).toBe(-90_000);
    // synchronizeTime reads, then writes: the clock is right afterwards.
    expect(meterClockDeviation([read, write], [meterTime('2026-12-05T11:58:30Z'), { ok: true }], now)).toBe(0);
    expect(meterClockDeviation([read], [{ ok: false, errorCode: 'DATA_ACCESS', message: 'x' }], now)).toBeUndefined();
    expect(meterClockDeviation([read], [meterTime(null)], now)).toBeUndefined();
    // Most meters send the clock as a 12-byte octet-string: 2026-12-05 11:59:00 UTC, deviation 0.
    const octets = { ok: true as const, value: { type: 'octet-string' as const, hex: '07EA0C0506' + '0B3B0000' + '000000' } };
    expect(meterClockDeviation([read], [octets], now)).toBe(-60_000);
    expect(meterClockDeviation([read], [{ ok: true, value: { type: 'octet-string', hex: '0102' } }], now)).toBeUndefined();
    expect(meterClockDeviation([{ op: 'get', attribute: { classId: 3, obis: '1.0.1.8.0.255', attribute: 2 } }], [{ ok: true, value: { type: 'uint32', value: 5 } }], now)).toBeUndefined();
    expect(meterClockDeviation([read], undefined, now)).toBeUndefined();
  });

  test('OSLP: the newest event time against its arrival; none without a valid timestamp', () => {
    const received = at('2026-12-05T12:00:00Z');
    expect(clockDeviationFromEvents([{ deviceTimestamp: at('2026-12-05T11:59:50Z') }, { deviceTimestamp: at('2026-12-05T12:00:03Z') }], received)).toBe(3_000);
    expect(clockDeviationFromEvents([{ deviceTimestamp: null }], received)).toBeNull();
    expect(clockDeviationFromEvents([], received)).toBeNull();
  });
});

describe('the monitoring schedule', () => {
  test('defaults: every 10 minutes (as OSGP), silent after 24 h, clocks within a minute', () => {
    const settings = deviceMonitoringSettingsFrom(loadConfig({}));
    expect(settings.intervalMs).toBe(600_000);
    expect(settings.input).toMatchObject({ silentAfterMs: 86_400_000, maxClockDeviationMs: 60_000, maxDevices: 20_000 });
    // Long enough for the slower protocol's connect and answer timeouts.
    expect(settings.input.attemptTimeoutMs).toBeGreaterThan(40_000);
  });

  test('settings come from the environment, and bad values are refused naming the variable', () => {
    const settings = deviceMonitoringSettingsFrom(loadConfig({ DEVICE_MONITORING_INTERVAL_MS: '30000', DEVICE_SILENT_AFTER_MS: '120000', MAX_CLOCK_DEVIATION_MS: '5000' }));
    expect(settings).toMatchObject({ intervalMs: 30_000, input: { silentAfterMs: 120_000, maxClockDeviationMs: 5_000 } });
    expect(() => loadConfig({ DEVICE_MONITORING_INTERVAL_MS: '0' })).toThrow(/DEVICE_MONITORING_INTERVAL_MS/);
  });

  test('one platform schedule, an interval, no overlapping runs', () => {
    const options = deviceMonitoringScheduleOptions({ intervalMs: 600_000, input: { silentAfterMs: 1, maxClockDeviationMs: 1, attemptTimeoutMs: 1 } });
    expect(options.scheduleId).toBe(deviceMonitoringScheduleId);
    expect(options.spec.intervals).toEqual([{ every: 600_000 }]);
    expect(options.policies?.overlap).toBe('SKIP');
    expect(options.action).toMatchObject({ type: 'startWorkflow', workflowType: 'deviceMonitoringWorkflow', taskQueue: 'core' });
  });
});
