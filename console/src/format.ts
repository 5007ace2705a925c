import type { DeviceState } from '../../common/device-states';

export const stateColours: Record<DeviceState, string> = {
  ON: '#f2b705',
  OFF: '#34495e',
  FAILED: '#d62839',
  COMMUNICATION_LOST: '#8e44ad',
  IN_MAINTENANCE: '#1b998b',
  UNKNOWN: '#a0a7b1',
};

export const stateLabels: Record<DeviceState, string> = {
  ON: 'on',
  OFF: 'off',
  FAILED: 'failed',
  COMMUNICATION_LOST: 'communication lost',
  IN_MAINTENANCE: 'in maintenance',
  UNKNOWN: 'unknown',
};

export function when(iso: string | null | undefined, timeZone?: string): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  // dateStyle/timeStyle cannot be combined with timeZoneName: spell the fields out.
  return date.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    ...(timeZone ? { timeZone, timeZoneName: 'short' } : {}),
  });
}

export function lights(values: Array<{ index: number; on: boolean; dimValue?: number }> | null | undefined): string {
  if (!values || values.length === 0) return '—';
  return values
    .map((v) => `${v.index === 0 ? 'all' : `#${v.index}`} ${v.on ? `on${v.dimValue !== undefined ? ` ${v.dimValue} %` : ''}` : 'off'}`)
    .join(', ');
}

export function percent(done: number, total: number): number {
  if (total <= 0) return 0;
  return Math.min(100, Math.floor((done / total) * 100));
}
