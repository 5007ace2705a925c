// Local dates and wall times in an IANA time zone, to and from UTC instants, with Intl only (available in
// Node and in Temporal's workflow sandbox), so workflows may use it. Daylight-saving rules:
// - a wall time in a gap (spring forward: 02:30 in Europe/Amsterdam on the last Sunday of March) does not
//   exist; it moves forward by the length of the gap (03:30 local);
// - a wall time in an overlap (fall back: 02:30 occurs twice) is taken once, at its first occurrence.

export interface LocalDate {
  year: number;
  /** 1-12 */
  month: number;
  /** 1-31 */
  day: number;
}

export interface LocalDateTime extends LocalDate {
  hour: number;
  minute: number;
  second?: number;
}

export const daysOfWeek = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const;
export type DayOfWeek = (typeof daysOfWeek)[number];

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True for a time zone name Intl knows (IANA names such as Europe/Amsterdam, and UTC). */
export function isValidTimeZone(timeZone: string): boolean {
  // Offsets such as "+01:00" are not IANA zones: they have no daylight-saving rules a schedule could follow.
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(timeZone)) return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock in `timeZone` at an instant (epoch ms). */
export function localDateTimeAt(instantMs: number, timeZone: string): Required<LocalDateTime> {
  const parts = formatterFor(timeZone).formatToParts(new Date(instantMs));
  const value = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
  return {
    year: value('year'),
    month: value('month'),
    day: value('day'),
    hour: value('hour'),
    minute: value('minute'),
    second: value('second'),
  };
}

export function localDateAt(instantMs: number, timeZone: string): LocalDate {
  const { year, month, day } = localDateTimeAt(instantMs, timeZone);
  return { year, month, day };
}

/** The zone's offset from UTC at an instant, in ms (Europe/Amsterdam in summer: +7,200,000). */
export function offsetAt(instantMs: number, timeZone: string): number {
  const local = localDateTimeAt(instantMs, timeZone);
  const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  return asUtc - Math.floor(instantMs / 1000) * 1000;
}

const dayMs = 86_400_000;

/**
 * The instant (epoch ms) a wall time in `timeZone` happens: in a gap, the same wall time moved forward by
 * the gap; in an overlap, its first occurrence.
 */
export function zonedToUtc(local: LocalDateTime, timeZone: string): number {
  const wallAsUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second ?? 0);
  // Offsets in force a day before and a day after: at most one transition lies between them.
  const before = offsetAt(wallAsUtc - dayMs, timeZone);
  const after = offsetAt(wallAsUtc + dayMs, timeZone);
  const candidates = [...new Set([before, after])]
    .map((offset) => wallAsUtc - offset)
    .filter((instant) => sameWallTime(localDateTimeAt(instant, timeZone), local))
    .sort((a, b) => a - b);
  if (candidates.length > 0) return candidates[0];
  // In the gap: with the offset before the transition the instant lands after it, moved forward by the gap.
  return wallAsUtc - before;
}

function sameWallTime(a: Required<LocalDateTime>, b: LocalDateTime): boolean {
  return (
    a.year === b.year &&
    a.month === b.month &&
    a.day === b.day &&
    a.hour === b.hour &&
    a.minute === b.minute &&
    a.second === (b.second ?? 0)
  );
}

/** `2027-03-28` */
export function formatLocalDate({ year, month, day }: LocalDate): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Parses `yyyy-mm-dd` (a real calendar date) or returns undefined. */
export function parseLocalDate(text: string): LocalDate | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  return { year, month, day };
}

/** The calendar date `days` after (or before) `date`. */
export function addDays(date: LocalDate, days: number): LocalDate {
  const shifted = new Date(Date.UTC(date.year, date.month - 1, date.day) + days * dayMs);
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

export function dayOfWeekOf(date: LocalDate): DayOfWeek {
  // getUTCDay: 0 = Sunday.
  const index = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  return daysOfWeek[(index + 6) % 7];
}

/** Parses `hh:mm` (00:00-23:59) into hour and minute, or returns undefined. */
export function parseTimeOfDay(text: string): { hour: number; minute: number } | undefined {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return match ? { hour: Number(match[1]), minute: Number(match[2]) } : undefined;
}

export interface ShiftedWallTime {
  date: LocalDate;
  /** The wall time it runs at instead: the same time moved forward by the gap (03:30 for 02:30). */
  hour: number;
  minute: number;
}

/**
 * The local dates from `from` to `to` (inclusive) on which the wall time hour:minute does not exist in
 * `timeZone` (it falls in a spring-forward gap), each with the wall time it moves forward to.
 */
/** Offsets already looked up by wallTimeGaps (a schedule's entries share a zone and a horizon). */
const noonOffsets = new Map<string, number>();

export function wallTimeGaps(timeZone: string, hour: number, minute: number, from: LocalDate, to: LocalDate): ShiftedWallTime[] {
  const gaps: ShiftedWallTime[] = [];
  const fromMs = Date.UTC(from.year, from.month - 1, from.day);
  const toMs = Date.UTC(to.year, to.month - 1, to.day);
  const noonOffset = (date: LocalDate): number => {
    const instant = Date.UTC(date.year, date.month - 1, date.day, 12);
    const key = `${timeZone}|${instant}`;
    let offset = noonOffsets.get(key);
    if (offset === undefined) {
      if (noonOffsets.size > 100_000) noonOffsets.clear();
      offset = offsetAt(instant, timeZone);
      noonOffsets.set(key, offset);
    }
    return offset;
  };
  // Offsets are sampled a week apart (zones change at most twice a year); a week that changes is searched by day.
  let weekStart = addDays(from, -1);
  let weekOffset = noonOffset(weekStart);
  while (Date.UTC(weekStart.year, weekStart.month - 1, weekStart.day) <= toMs) {
    const next = addDays(weekStart, 7);
    const nextOffset = noonOffset(next);
    if (nextOffset !== weekOffset) {
      for (let d = 0; d <= 7; d++) {
        const date = addDays(weekStart, d);
        const dateMs = Date.UTC(date.year, date.month - 1, date.day);
        if (dateMs < fromMs || dateMs > toMs) continue;
        const shown = localDateTimeAt(zonedToUtc({ ...date, hour, minute }, timeZone), timeZone);
        if (shown.hour !== hour || shown.minute !== minute) gaps.push({ date, hour: shown.hour, minute: shown.minute });
      }
    }
    weekStart = next;
    weekOffset = nextOffset;
  }
  return gaps;
}
