// The platform's OSLP signing key: read from its file, or created there on first start (mode 0600).
// Devices (and simulators) need the public half to verify what the platform sends them.
import fs from 'node:fs';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import { generateKeyPair, privateKeyFromPem, privateKeyToPem, publicKeyOf, publicKeyToPem } from '../adapters/oslp/envelope';

export interface PlatformKey {
  privateKey: KeyObject;
  publicKeyPem: string;
  file: string;
  created: boolean;
}

export function loadOrCreatePlatformKey(file: string): PlatformKey {
  let created = false;
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, privateKeyToPem(generateKeyPair().privateKey), { mode: 0o600, flag: 'wx' });
    created = true;
  }
  const privateKey = privateKeyFromPem(fs.readFileSync(file, 'utf8'));
  const publicKeyPem = publicKeyToPem(publicKeyOf(privateKey));
  // Publish the public half beside it, for simulators and device provisioning.
  fs.writeFileSync(publicKeyFile(file), publicKeyPem);
  return { privateKey, publicKeyPem, file, created };
}

export function publicKeyFile(privateKeyFile: string): string {
  return privateKeyFile.replace(/\.pem$/, '') + '.pub.pem';
}
