// What a device is doing as far as the platform knows (beyond OSGP): derived from the device record and the
// newest device result that says something about its lights (setLight, getStatus) or that failed. The
// operator console colours its map by it; nothing here talks to a device.
import type { PrismaClient } from '../../db/client';
import type { LightValue } from '../../common/device-commands';
import type { DeviceState } from '../../common/device-states';

/** Error codes that mean the platform could not reach the device (or heard nothing back), not that it refused. */
const communicationErrorCodes: ReadonlySet<string> = new Set([
  'CONNECT_FAILED',
  'CONNECT_TIMEOUT',
  'RESPONSE_TIMEOUT',
  'CONNECTION_CLOSED',
  'READ_TIMEOUT',
  'CONNECTION',
  'TIMEOUT',
  'NO_RESULT',
  'MAX_SCHEDULE_TIME_EXCEEDED',
]);

/** The newest device result that tells something about a device's state. */
export interface LatestDeviceResult {
  deviceIdentification: string;
  result: 'OK' | 'NOT_OK';
  errorCode: string | null;
  data: unknown;
  finishedAt: Date;
}

export interface DeviceStateView {
  state: DeviceState;
  /** When the result the state comes from was recorded; null when no result says anything. */
  since: string | null;
  /** The lights as last set or read (OK results only). */
  lightValues: LightValue[] | null;
  /** For FAILED and COMMUNICATION_LOST: the error code of that result. */
  errorCode: string | null;
}

/** The light values a setLight or getStatus response carries, if any. */
function lightValuesOf(data: unknown): LightValue[] | null {
  if (typeof data !== 'object' || data === null) return null;
  const response = data as { kind?: unknown; lightValues?: unknown; status?: { lightValues?: unknown } };
  const values = response.kind === 'setLight' ? response.lightValues : response.kind === 'getStatus' ? response.status?.lightValues : undefined;
  return Array.isArray(values) ? (values as LightValue[]) : null;
}

/**
 * A device's state: maintenance first (it refuses commands), then status monitoring's verdict (a device that
 * stays silent is lost whatever its last result said), then what its newest telling result says.
 */
export function deviceStateOf(
  device: { inMaintenance: boolean; communicationState?: string; communicationStateChangedAt?: Date | null },
  latest: LatestDeviceResult | undefined,
): DeviceStateView {
  const since = latest?.finishedAt.toISOString() ?? null;
  const lightValues = latest?.result === 'OK' ? lightValuesOf(latest.data) : null;
  const errorCode = latest?.result === 'NOT_OK' ? latest.errorCode : null;
  if (device.inMaintenance) return { state: 'IN_MAINTENANCE', since, lightValues, errorCode };
  if (device.communicationState === 'COMMUNICATION_LOST') {
    return { state: 'COMMUNICATION_LOST', since: device.communicationStateChangedAt?.toISOString() ?? since, lightValues: null, errorCode };
  }
  if (!latest) return { state: 'UNKNOWN', since: null, lightValues: null, errorCode: null };
  if (latest.result === 'NOT_OK') {
    const state = latest.errorCode !== null && communicationErrorCodes.has(latest.errorCode) ? 'COMMUNICATION_LOST' : 'FAILED';
    return { state, since, lightValues: null, errorCode };
  }
  if (lightValues === null) return { state: 'UNKNOWN', since, lightValues: null, errorCode: null };
  return { state: lightValues.some((value) => value.on) ? 'ON' : 'OFF', since, lightValues, errorCode: null };
}

/**
 * Per device, the newest result that failed or carries light values (OK results of other commands, such as
 * a reboot, say nothing about the lights). One query for a page of devices.
 */
export async function latestDeviceResults(prisma: PrismaClient, deviceIdentifications: string[]): Promise<Map<string, LatestDeviceResult>> {
  if (deviceIdentifications.length === 0) return new Map();
  const rows = await prisma.$queryRaw<LatestDeviceResult[]>`
    SELECT DISTINCT ON ("deviceIdentification") "deviceIdentification", "result"::text AS "result", "errorCode", "data", "finishedAt"
    FROM "DeviceResult"
    WHERE "deviceIdentification" = ANY(${deviceIdentifications}::text[])
      AND ("result" = 'NOT_OK' OR "data"->>'kind' IN ('setLight', 'getStatus'))
    ORDER BY "deviceIdentification", "finishedAt" DESC`;
  return new Map(rows.map((row) => [row.deviceIdentification, row]));
}
