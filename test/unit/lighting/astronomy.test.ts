/**
 * Sunrise and sunset (common/astronomy.ts, NOAA's equations) against published almanac values, within one
 * minute. The almanac values are rounded to the minute; the test allows |computed - published| <= 60 s.
 *
 * Sources:
 * - [AIP-NL] Netherlands AIP (LVNL), GEN 2.7 "Sunrise/Sunset", uniform daylight periods 2019, as published at
 *   https://www.brwdrone.nl/aip/eAIP/EH-GEN-2.7-en-GB.html : times in UTC for 52°00'N 005°00'E, the period
 *   running "from 15 minutes before sunrise until 15 minutes after sunset". Rows used (from / to):
 *   1 Jan 0733/1554, 21 Mar 0526/1809, 24 Mar 0519/1814, 21 Jun 0305/2019. So sunrise/sunset (UTC):
 *   1 Jan 07:48/15:39, 21 Mar 05:41/17:54, 24 Mar 05:34/17:59, 21 Jun 03:20/20:04.
 * - [USNO-2002] U.S. Naval Observatory data for 20 March 2002 (equinox), quoted at
 *   http://stevekluge.com/astronomy/equinoxsunrise.html : Cape May, NJ (W74.9, N38.9), Eastern Standard
 *   Time: sunrise 6:04 a.m., sunset 6:12 p.m.
 * - [USNO-2009] "Sky Watch: Summer Solstice to Bring More Daylight", The Washington Post, 31 May 2009,
 *   http://www.washingtonpost.com/wp-dyn/content/article/2009/05/30/AR2009053001937.html , "according to the
 *   observatory" (USNO): Washington's earliest sunrises June 10-17 at 5:42 a.m., latest sunsets June 27-28
 *   at 8:38 p.m. (Eastern Daylight Time). Washington taken at N38.895, W77.037.
 */
import { sunTimes, type SunTimes } from '../../../common/astronomy';
import { localDateTimeAt, parseLocalDate, zonedToUtc } from '../../../common/time-zones';

const minute = 60_000;

function normal(times: SunTimes): { sunriseMs: number; sunsetMs: number } {
  if (times.kind !== 'normal') throw new Error(`expected a sunrise and a sunset, got ${times.kind}`);
  return times;
}

function utc(date: string, time: string): number {
  return Date.parse(`${date}T${time}:00Z`);
}

/** A published local wall time (hh:mm) in a zone, as a UTC instant. */
function local(date: string, time: string, zone: string): number {
  const d = parseLocalDate(date)!;
  const [hour, min] = time.split(':').map(Number);
  return zonedToUtc({ ...d, hour, minute: min }, zone);
}

describe('sunrise and sunset within a minute of published almanacs', () => {
  const netherlands = { latitude: 52, longitude: 5 };
  test.each([
    // [AIP-NL] UTC; 21 Mar equinox, 24 Mar the last Sunday before the change to summer time (31 Mar 2019), 21 Jun solstice.
    ['2019-01-01', '07:48', '15:39'],
    ['2019-03-21', '05:41', '17:54'],
    ['2019-03-24', '05:34', '17:59'],
    ['2019-06-21', '03:20', '20:04'],
  ])('52N 5E (Netherlands AIP) on %s: sunrise %s, sunset %s UTC', (date, sunrise, sunset) => {
    const times = normal(sunTimes(parseLocalDate(date)!, netherlands.latitude, netherlands.longitude));
    expect(Math.abs(times.sunriseMs - utc(date, sunrise))).toBeLessThanOrEqual(minute);
    expect(Math.abs(times.sunsetMs - utc(date, sunset))).toBeLessThanOrEqual(minute);
  });

  test('Cape May, NJ on 2002-03-20 (USNO): sunrise 6:04, sunset 18:12 EST', () => {
    const times = normal(sunTimes(parseLocalDate('2002-03-20')!, 38.9, -74.9));
    expect(Math.abs(times.sunriseMs - local('2002-03-20', '06:04', 'America/New_York'))).toBeLessThanOrEqual(minute);
    expect(Math.abs(times.sunsetMs - local('2002-03-20', '18:12', 'America/New_York'))).toBeLessThanOrEqual(minute);
  });

  test.each(['2009-06-10', '2009-06-17'])('Washington on %s (USNO, around the solstice): sunrise 5:42 EDT', (date) => {
    const times = normal(sunTimes(parseLocalDate(date)!, 38.895, -77.037));
    expect(Math.abs(times.sunriseMs - local(date, '05:42', 'America/New_York'))).toBeLessThanOrEqual(minute);
  });

  test.each(['2009-06-27', '2009-06-28'])('Washington on %s (USNO): sunset 20:38 EDT, after midnight UTC', (date) => {
    const times = normal(sunTimes(parseLocalDate(date)!, 38.895, -77.037));
    expect(Math.abs(times.sunsetMs - local(date, '20:38', 'America/New_York'))).toBeLessThanOrEqual(minute);
    // The sunset of the local date is on the next UTC date: the solar day, not the UTC date, decides.
    expect(new Date(times.sunsetMs).getUTCDate()).toBe(Number(date.slice(8)) + 1);
    expect(localDateTimeAt(times.sunsetMs, 'America/New_York').day).toBe(Number(date.slice(8)));
  });
});

describe('polar day and night', () => {
  test('Tromsø has midnight sun at the June solstice and no sunrise at the December one', () => {
    expect(sunTimes({ year: 2027, month: 6, day: 21 }, 69.65, 18.96)).toEqual({ kind: 'polarDay' });
    expect(sunTimes({ year: 2027, month: 12, day: 21 }, 69.65, 18.96)).toEqual({ kind: 'polarNight' });
  });

  test('southern hemisphere the other way round (McMurdo)', () => {
    expect(sunTimes({ year: 2027, month: 12, day: 21 }, -77.85, 166.67)).toEqual({ kind: 'polarDay' });
    expect(sunTimes({ year: 2027, month: 6, day: 21 }, -77.85, 166.67)).toEqual({ kind: 'polarNight' });
  });

  test('Tromsø in March has both events, sunrise before sunset', () => {
    const times = normal(sunTimes({ year: 2027, month: 3, day: 20 }, 69.65, 18.96));
    expect(times.sunsetMs - times.sunriseMs).toBeGreaterThan(11 * 3_600_000);
    expect(times.sunsetMs - times.sunriseMs).toBeLessThan(13 * 3_600_000);
  });
});
