// Bench and test set-up, not an installer's path: simulated OSLP devices written straight into the
// database as if they had been added through the API and had registered. Devices for real use are added
// through the API (simulators/oslp/provision.ts does that for the simulators).
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../db/client';
import type { SimulatedDeviceEntry } from '../simulators/oslp/provision';

const SEED_CHUNK = 5_000;

/**
 * Bench set-up, not an installer's path: writes the devices straight into the database as activated OSLP
 * devices that have registered (address, port, uid, key, sequence number 0), owned by `ownerId` (with its OWNER
 * authorization, as core.addDevice gives). Simulated devices accept any first sequence number, so no
 * registration exchange is needed. Returns how many devices were written.
 */
export async function seedRegisteredDevices(prisma: PrismaClient, ownerId: string, devices: readonly SimulatedDeviceEntry[]): Promise<number> {
  let written = 0;
  for (let i = 0; i < devices.length; i += SEED_CHUNK) {
    const chunk = devices.slice(i, i + SEED_CHUNK).map((device) => ({ ...device, id: randomUUID() }));
    const now = new Date();
    const created = await prisma.device.createMany({
      data: chunk.map((device) => ({
        id: device.id,
        identification: device.identification,
        protocol: 'OSLP' as const,
        networkAddress: device.host,
        port: device.port,
        oslpDeviceUid: device.deviceUid,
        publicKey: device.publicKeyPem,
        ownerId,
        activated: true,
        lifecycleStatus: 'IN_USE' as const,
        sequenceNumber: 0,
        registeredAt: now,
      })),
    });
    await prisma.deviceAuthorization.createMany({
      data: chunk.map((device) => ({ deviceId: device.id, organisationId: ownerId, functionGroup: 'OWNER' as const })),
    });
    written += created.count;
  }
  return written;
}
