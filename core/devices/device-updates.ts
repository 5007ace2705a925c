// Changing many devices' data at once (core.updateDevices): each device passes the same gate as a single
// updateDevice (UPDATE_DEVICE, not necessarily operational), and a refused device is that device's result,
// never the whole call's.
import type { PrismaClient } from '../../db/client';
import { checkEachDevice } from '../authorization/device-gate';
import type { AuthenticatedOrganisation } from '../organisations';

/** The fields updateDevice changes; left out stays as it is, null clears. */
export interface DeviceChange {
  deviceIdentification: string;
  alias?: string | null;
  networkAddress?: string | null;
  port?: number;
  latitude?: number | null;
  longitude?: number | null;
  activated?: boolean;
}

export type UpdateDeviceResult =
  | { deviceIdentification: string; result: 'UPDATED' }
  | { deviceIdentification: string; result: 'REFUSED'; code: string; message: string };

/** Updates per transaction: a long list is not one transaction holding its locks for the whole call. */
const updateChunk = 500;

export async function updateDevices(
  prisma: PrismaClient,
  caller: AuthenticatedOrganisation,
  changes: readonly DeviceChange[],
): Promise<UpdateDeviceResult[]> {
  const checked = await checkEachDevice(prisma, caller, changes.map((c) => c.deviceIdentification), 'UPDATE_DEVICE', { operational: false });
  const allowed = changes.filter((_, i) => !('refusal' in checked[i]));
  for (let start = 0; start < allowed.length; start += updateChunk) {
    await prisma.$transaction(
      allowed.slice(start, start + updateChunk).map(({ deviceIdentification, ...data }) =>
        prisma.device.update({ where: { identification: deviceIdentification }, data, select: { id: true } }),
      ),
    );
  }
  return checked.map((entry): UpdateDeviceResult =>
    'refusal' in entry
      ? { deviceIdentification: entry.deviceIdentification, result: 'REFUSED', code: entry.refusal.code, message: entry.refusal.message }
      : { deviceIdentification: entry.deviceIdentification, result: 'UPDATED' },
  );
}
