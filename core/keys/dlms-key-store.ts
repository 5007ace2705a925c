// The platform's DLMS key store: meters' secrets (LLS passwords, HLS authentication, block cipher and master keys) are
// sealed at rest with AES-256-GCM under one platform secret, a 32-byte key file created on first start (mode
// 0600, like the OSLP platform key). The API seals what it is given; only the DLMS adapter opens them. Each
// sealed value is bound to its meter and purpose (GCM additional data), so it cannot be moved to another meter.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** masterKey: the key encrypting key new keys are wrapped with for a global key transfer (never sent itself). */
export type DlmsSecretPurpose = 'password' | 'authenticationKey' | 'blockCipherKey' | 'masterKey';

export interface DlmsKeyStore {
  file: string;
  created: boolean;
  /**
   * deterministic: the nonce is derived from the meter, purpose and secret (synthetic IV), so sealing the same
   * secret again gives the same text (an idempotent request hashes equal); it tells only that two are equal.
   */
  seal(secret: Buffer, deviceIdentification: string, purpose: DlmsSecretPurpose, options?: { deterministic?: boolean }): string;
  open(sealed: string, deviceIdentification: string, purpose: DlmsSecretPurpose): Buffer;
}

export class DlmsKeyStoreError extends Error {
  override readonly name = 'DlmsKeyStoreError';
}

const version = 'v1';

export function loadOrCreateDlmsKeyStore(file: string): DlmsKeyStore {
  let created = false;
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    try {
      fs.writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
      created = true;
    } catch (error) {
      // Another process of the platform created it at the same moment: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new DlmsKeyStoreError(`${file} does not hold a 32-byte key (Base64)`);
  return createDlmsKeyStore(key, file, created);
}

export function createDlmsKeyStore(key: Buffer, file = '(in memory)', created = false): DlmsKeyStore {
  const aad = (deviceIdentification: string, purpose: DlmsSecretPurpose) => Buffer.from(`dlms:${deviceIdentification}:${purpose}`);
  const ivKey = createHmac('sha256', key).update('dlms-keys:synthetic-iv').digest();
  return {
    file,
    created,
    seal(secret, deviceIdentification, purpose, options = {}) {
      const iv = options.deterministic
        ? createHmac('sha256', ivKey).update(aad(deviceIdentification, purpose)).update(Buffer.from([0])).update(secret).digest().subarray(0, 12)
        : randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aad(deviceIdentification, purpose));
      const ciphertext = Buffer.concat([cipher.update(secret), cipher.final()]);
      return [version, iv.toString('base64'), cipher.getAuthTag().toString('base64'), ciphertext.toString('base64')].join('.');
    },
    open(sealed, deviceIdentification, purpose) {
      const [v, iv, tag, ciphertext] = sealed.split('.');
      if (v !== version || !iv || !tag || ciphertext === undefined) throw new DlmsKeyStoreError(`The ${purpose} of ${deviceIdentification} is not sealed in a known format`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
        decipher.setAAD(aad(deviceIdentification, purpose));
        decipher.setAuthTag(Buffer.from(tag, 'base64'));
        return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]);
      } catch {
        throw new DlmsKeyStoreError(`The ${purpose} of ${deviceIdentification} does not open with this platform's DLMS key`);
      }
    },
  };
}
