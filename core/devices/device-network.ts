// A device's network data kept by the platform only (no device contact): its CDMA mast segment and batch
// (core.updateDeviceCdmaSettings, OSGP's UPDATE_DEVICE_CDMA_SETTINGS) and its mobile network information
// (admin.setCommunicationNetworkInformation: IP address, BTS id, cell id). Both are the owner's (or ADMIN's).
import type { PrismaClient } from '../../db/client';
import { authorizeDevices } from '../authorization/device-gate';
import type { AuthenticatedOrganisation } from '../organisations';

export interface CdmaSettings {
  deviceIdentification: string;
  mastSegment: string | null;
  batchNumber: number | null;
}

/** undefined leaves a setting as it is; null removes it. */
export async function updateDeviceCdmaSettings(
  prisma: PrismaClient,
  caller: AuthenticatedOrganisation,
  deviceIdentification: string,
  change: { mastSegment?: string | null; batchNumber?: number | null },
): Promise<CdmaSettings> {
  await authorizeDevices(prisma, caller, [deviceIdentification], 'UPDATE_DEVICE_CDMA_SETTINGS', { operational: false });
  const device = await prisma.device.update({
    where: { identification: deviceIdentification },
    data: { cdmaMastSegment: change.mastSegment, cdmaBatchNumber: change.batchNumber },
    select: { identification: true, cdmaMastSegment: true, cdmaBatchNumber: true },
  });
  return { deviceIdentification: device.identification, mastSegment: device.cdmaMastSegment, batchNumber: device.cdmaBatchNumber };
}

export interface CommunicationNetworkInformation {
  deviceIdentification: string;
  ipAddress: string | null;
  btsId: number | null;
  cellId: number | null;
}

/** What is given replaces what was known; the IP address is where the platform reaches the device. */
export async function setCommunicationNetworkInformation(
  prisma: PrismaClient,
  caller: AuthenticatedOrganisation,
  deviceIdentification: string,
  change: { ipAddress?: string; btsId?: number; cellId?: number },
): Promise<CommunicationNetworkInformation> {
  await authorizeDevices(prisma, caller, [deviceIdentification], 'SET_COMMUNICATION_NETWORK_INFORMATION', { operational: false });
  const device = await prisma.device.update({
    where: { identification: deviceIdentification },
    data: { networkAddress: change.ipAddress, btsId: change.btsId, cellId: change.cellId },
    select: { identification: true, networkAddress: true, btsId: true, cellId: true },
  });
  return { deviceIdentification: device.identification, ipAddress: device.networkAddress, btsId: device.btsId, cellId: device.cellId };
}
