// Download tokens: a device fetches its firmware image at a URL that carries a token made for it alone. The
// token is signed (HMAC-SHA256 with the platform's firmware secret), names the device and the firmware, and
// expires; the platform keeps no state for it, so the API process that serves the image need not be the
// worker process that made the URL, as long as both read the same secret.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface DownloadGrant {
  deviceIdentification: string;
  firmwareId: string;
  /** Epoch ms. */
  expiresAtMs: number;
}

export type TokenCheck =
  | { ok: true; deviceIdentification: string }
  | { ok: false; reason: 'MALFORMED' | 'BAD_SIGNATURE' | 'EXPIRED'; deviceIdentification?: string };

function signature(secret: Buffer, deviceB64: string, firmwareId: string, expiresAtSeconds: number): string {
  return createHmac('sha256', secret).update(`${deviceB64}.${firmwareId}.${expiresAtSeconds}`).digest('base64url');
}

/** `<device (base64url)>.<expiry (Unix seconds)>.<signature>`: URL-safe, about 110 characters. */
export function createDownloadToken(secret: Buffer, grant: DownloadGrant): string {
  const deviceB64 = Buffer.from(grant.deviceIdentification, 'utf8').toString('base64url');
  const expiresAtSeconds = Math.ceil(grant.expiresAtMs / 1000);
  return `${deviceB64}.${expiresAtSeconds}.${signature(secret, deviceB64, grant.firmwareId, expiresAtSeconds)}`;
}

/** Whether `token` grants the download of `firmwareId` at `nowMs`, and to which device. */
export function checkDownloadToken(secret: Buffer, token: string, firmwareId: string, nowMs: number): TokenCheck {
  const parts = token.split('.');
  if (parts.length !== 3 || !/^\d{1,12}$/.test(parts[1]) || parts[0] === '') return { ok: false, reason: 'MALFORMED' };
  const [deviceB64, expiry, given] = parts;
  const deviceIdentification = Buffer.from(deviceB64, 'base64url').toString('utf8');
  const expected = Buffer.from(signature(secret, deviceB64, firmwareId, Number(expiry)));
  const actual = Buffer.from(given);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    // Signed for another firmware, or not by us: the caller cannot tell which, the log can.
    return { ok: false, reason: 'BAD_SIGNATURE', deviceIdentification };
  }
  if (Number(expiry) * 1000 < nowMs) return { ok: false, reason: 'EXPIRED', deviceIdentification };
  return { ok: true, deviceIdentification };
}

/** The firmware token secret: read from its file, or created there on first use (mode 0600). */
export function loadOrCreateTokenSecret(file: string): Buffer {
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    try {
      fs.writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      // Another process of the platform created it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  const secret = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'hex');
  if (secret.length < 16) throw new Error(`${file}: the firmware token secret must be at least 16 bytes of hex`);
  return secret;
}
