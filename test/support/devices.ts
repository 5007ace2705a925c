// A street light as a test adds it through core.addDevice: a fresh device uid and a fresh P-256 key pair,
// so no two tests' devices can collide. The private key is left out: these devices are never simulated.
import { randomBytes } from 'node:crypto';
import { generateKeyPair, publicKeyToPem } from '../../adapters/oslp/envelope';

export function newOslpDeviceBody(deviceIdentification: string) {
  return {
    deviceIdentification,
    protocol: 'OSLP' as const,
    deviceUid: randomBytes(12).toString('base64'),
    publicKey: publicKeyToPem(generateKeyPair().publicKey),
  };
}
