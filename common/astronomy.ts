// Sunrise and sunset from NOAA's solar position equations (the NOAA Solar Calculator's: Julian centuries,
// the sun's geometric mean longitude and anomaly, equation of centre, apparent longitude, obliquity,
// declination and the equation of time), for the official zenith of 90.833 deg (refraction and the sun's
// radius). Pure and deterministic, so workflows may use it. Accurate to about a minute between the polar
// circles; beyond them, on days the sun does not rise or set, the result says so instead of a time.
import type { LocalDate } from './time-zones';

/** The official zenith for sunrise and sunset, degrees. */
export const officialZenith = 90.833;

export type SunEvent = 'sunrise' | 'sunset';

export type SunTimes =
  | { kind: 'normal'; sunriseMs: number; sunsetMs: number }
  /** The sun stays above the horizon all day (midnight sun). */
  | { kind: 'polarDay' }
  /** The sun stays below the horizon all day. */
  | { kind: 'polarNight' };

const rad = Math.PI / 180;
const deg = 180 / Math.PI;
const dayMs = 86_400_000;

interface SolarPosition {
  /** Degrees. */
  declination: number;
  /** Minutes (apparent solar time minus mean solar time). */
  equationOfTime: number;
}

/** The sun's declination and the equation of time at an instant (epoch ms). */
export function solarPosition(instantMs: number): SolarPosition {
  const julianDay = instantMs / dayMs + 2_440_587.5;
  const t = (julianDay - 2_451_545) / 36_525;
  const meanLongitude = mod360(280.46646 + t * (36_000.76983 + t * 0.0003032));
  const meanAnomaly = 357.52911 + t * (35_999.05029 - 0.0001537 * t);
  const eccentricity = 0.016708634 - t * (0.000042037 + 0.0000001267 * t);
  const m = meanAnomaly * rad;
  const equationOfCentre =
    Math.sin(m) * (1.914602 - t * (0.004817 + 0.000014 * t)) + Math.sin(2 * m) * (0.019993 - 0.000101 * t) + Math.sin(3 * m) * 0.000289;
  const trueLongitude = meanLongitude + equationOfCentre;
  const omega = 125.04 - 1934.136 * t;
  const apparentLongitude = trueLongitude - 0.00569 - 0.00478 * Math.sin(omega * rad);
  const meanObliquity = 23 + (26 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) / 60) / 60;
  const obliquity = meanObliquity + 0.00256 * Math.cos(omega * rad);
  const declination = Math.asin(Math.sin(obliquity * rad) * Math.sin(apparentLongitude * rad)) * deg;

  const y = Math.tan((obliquity / 2) * rad) ** 2;
  const l0 = meanLongitude * rad;
  const equationOfTime =
    4 *
    deg *
    (y * Math.sin(2 * l0) -
      2 * eccentricity * Math.sin(m) +
      4 * eccentricity * y * Math.sin(m) * Math.cos(2 * l0) -
      0.5 * y * y * Math.sin(4 * l0) -
      1.25 * eccentricity * eccentricity * Math.sin(2 * m));
  return { declination, equationOfTime };
}

function mod360(value: number): number {
  return ((value % 360) + 360) % 360;
}

/**
 * The hour angle (degrees) of the sun at the zenith given, or 'above'/'below' when the sun does not reach
 * it that day.
 */
function hourAngle(latitude: number, declination: number, zenith: number): number | 'above' | 'below' {
  const cos =
    Math.cos(zenith * rad) / (Math.cos(latitude * rad) * Math.cos(declination * rad)) - Math.tan(latitude * rad) * Math.tan(declination * rad);
  if (cos > 1) return 'below';
  if (cos < -1) return 'above';
  return Math.acos(cos) * deg;
}

/**
 * Sunrise and sunset (UTC instants, epoch ms) of the solar day around local noon of `date` at a place
 * (latitude north positive, longitude east positive). Each event is refined once at its own time, since
 * the sun's declination moves during the day.
 */
export function sunTimes(date: LocalDate, latitude: number, longitude: number, zenith = officialZenith): SunTimes {
  const midnightUtc = Date.UTC(date.year, date.month - 1, date.day);
  // Local solar noon, approximately; the sun's position there decides polar day or night.
  const noonGuess = midnightUtc + (720 - 4 * longitude) * 60_000;
  const atNoon = hourAngle(latitude, solarPosition(noonGuess).declination, zenith);
  if (atNoon === 'below') return { kind: 'polarNight' };
  if (atNoon === 'above') return { kind: 'polarDay' };

  const eventAt = (event: SunEvent): number | 'above' | 'below' => {
    let estimate = noonGuess + (event === 'sunrise' ? -1 : 1) * atNoon * 4 * 60_000;
    for (let i = 0; i < 2; i++) {
      const position = solarPosition(estimate);
      const angle = hourAngle(latitude, position.declination, zenith);
      if (typeof angle !== 'number') return angle;
      const minutes = 720 - 4 * (longitude + (event === 'sunrise' ? angle : -angle)) - position.equationOfTime;
      estimate = midnightUtc + minutes * 60_000;
    }
    return estimate;
  };
  const sunriseMs = eventAt('sunrise');
  const sunsetMs = eventAt('sunset');
  // Right at the polar circles an event can vanish at its own time although the sun crosses the horizon at noon.
  if (sunriseMs === 'above' || sunsetMs === 'above') return { kind: 'polarDay' };
  if (sunriseMs === 'below' || sunsetMs === 'below') return { kind: 'polarNight' };
  return { kind: 'normal', sunriseMs, sunsetMs };
}

/** One event's instant, or undefined on a polar day or night (the sun neither rises nor sets). */
export function sunEventAt(event: SunEvent, date: LocalDate, latitude: number, longitude: number): number | undefined {
  const times = sunTimes(date, latitude, longitude);
  if (times.kind !== 'normal') return undefined;
  return event === 'sunrise' ? times.sunriseMs : times.sunsetMs;
}
