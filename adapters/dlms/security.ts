/**
 * Security suite 0 (AES-GCM-128) for xDLMS: authenticated encryption of APDUs (glo-ciphering) and the
 * GMAC of HLS mechanism 5. IV = system title (8 bytes) || invocation counter (4 bytes); tags are 12 bytes;
 * the additional authenticated data is SC || AK (|| challenge for HLS, || plaintext for authentication only).
 */
import * as crypto from 'node:crypto';
import { encodeLength, Reader } from './axdr';
import { DlmsError } from './errors';
import type { DlmsData, DlmsKeys } from './types';

export const TAG_LENGTH = 12;
/** Security control byte: suite 0, authentication (0x10) and/or encryption (0x20). */
export const SC_AUTHENTICATION = 0x10;
export const SC_ENCRYPTION = 0x20;
export const SC_AUTHENTICATED_ENCRYPTION = 0x30;

/** Plain xDLMS tag -> its global-ciphering counterpart (and back). */
export const GLO_TAG: Readonly<Record<number, number>> = {
  0x01: 0x21, // initiate request
  0x08: 0x28, // initiate response
  0xc0: 0xc8, // get request
  0xc1: 0xc9, // set request
  0xc3: 0xcb, // action request
  0xc4: 0xcc, // get response
  0xc5: 0xcd, // set response
  0xc7: 0xcf, // action response
};
/** Plain xDLMS tag -> its dedicated-ciphering counterpart (services only; the AARQ is always glo-). */
export const DED_TAG: Readonly<Record<number, number>> = {
  0xc0: 0xd0, // get request
  0xc1: 0xd1, // set request
  0xc3: 0xd3, // action request
  0xc4: 0xd4, // get response
  0xc5: 0xd5, // set response
  0xc7: 0xd7, // action response
};
const DED_TAGS: ReadonlySet<number> = new Set(Object.values(DED_TAG));
export const CIPHERED_TAGS: ReadonlySet<number> = new Set([...Object.values(GLO_TAG), ...DED_TAGS]);

function checkKeys(keys: DlmsKeys, systemTitle: Buffer): void {
  if (keys.blockCipherKey.length !== 16 || keys.authenticationKey.length !== 16) {
    throw new DlmsError('PROTOCOL', 'security suite 0 keys must be 16 bytes each');
  }
  if (systemTitle.length !== 8) throw new DlmsError('PROTOCOL', `system title must be 8 bytes, got ${systemTitle.length}`);
}

function iv(systemTitle: Buffer, invocationCounter: number): Buffer {
  const b = Buffer.alloc(12);
  systemTitle.copy(b, 0);
  b.writeUInt32BE(invocationCounter >>> 0, 8);
  return b;
}

/** GMAC tag (12 bytes) of HLS pass 3/4: AAD = 0x10 || AK || challenge, no plaintext. */
export function hlsGmac(keys: DlmsKeys, systemTitle: Buffer, invocationCounter: number, challenge: Buffer): Buffer {
  checkKeys(keys, systemTitle);
  const c = crypto.createCipheriv('aes-128-gcm', keys.blockCipherKey, iv(systemTitle, invocationCounter), { authTagLength: TAG_LENGTH });
  c.setAAD(Buffer.concat([Buffer.from([SC_AUTHENTICATION]), keys.authenticationKey, challenge]));
  c.final();
  return c.getAuthTag();
}

/**
 * tag || length || SC || IC || ciphertext || T, with SC 0x30 (authenticated encryption): glo-ciphered
 * with the block cipher key, or ded-ciphered with `dedicatedKey` when one is given.
 */
export function encryptApdu(apdu: Buffer, keys: DlmsKeys, systemTitle: Buffer, invocationCounter: number, dedicatedKey?: Buffer): Buffer {
  checkKeys(keys, systemTitle);
  const plainTag = apdu[0]!;
  const tag = (dedicatedKey ? DED_TAG : GLO_TAG)[plainTag];
  if (tag === undefined) throw new DlmsError('PROTOCOL', `no ${dedicatedKey ? 'ded' : 'glo'}-ciphering tag for APDU tag 0x${plainTag.toString(16)}`);
  const key = dedicatedKey ?? keys.blockCipherKey;
  if (key.length !== 16) throw new DlmsError('PROTOCOL', 'the dedicated key must be 16 bytes');
  const sc = SC_AUTHENTICATED_ENCRYPTION;
  const c = crypto.createCipheriv('aes-128-gcm', key, iv(systemTitle, invocationCounter), { authTagLength: TAG_LENGTH });
  c.setAAD(Buffer.concat([Buffer.from([sc]), keys.authenticationKey]));
  const ciphertext = Buffer.concat([c.update(apdu), c.final()]);
  const icBytes = Buffer.alloc(4);
  icBytes.writeUInt32BE(invocationCounter >>> 0, 0);
  const body = Buffer.concat([Buffer.from([sc]), icBytes, ciphertext, c.getAuthTag()]);
  return Buffer.concat([Buffer.from([tag]), encodeLength(body.length), body]);
}

export interface DecryptedApdu {
  apdu: Buffer;
  securityControl: number;
  invocationCounter: number;
}

/** Reverses encryptApdu for the peer's system title; a bad tag is DECRYPTION_FAILED (wrong keys). */
export function decryptApdu(ciphered: Buffer, keys: DlmsKeys, systemTitle: Buffer, dedicatedKey?: Buffer): DecryptedApdu {
  checkKeys(keys, systemTitle);
  const r = new Reader(ciphered);
  const tag = r.u8();
  if (!CIPHERED_TAGS.has(tag)) throw new DlmsError('PROTOCOL', `0x${tag.toString(16)} is not a ciphered APDU`);
  const ded = DED_TAGS.has(tag);
  if (ded && !dedicatedKey) throw new DlmsError('PROTOCOL', 'ded-ciphered APDU on an association without a dedicated key');
  const key = ded ? dedicatedKey! : keys.blockCipherKey;
  const body = r.bytes(r.length());
  const b = new Reader(body);
  const sc = b.u8();
  if ((sc & 0x0f) !== 0) throw new DlmsError('PROTOCOL', `security suite ${sc & 0x0f} is not supported (suite 0 only)`);
  const invocationCounter = b.u32();
  const authenticated = (sc & SC_AUTHENTICATION) !== 0;
  const encrypted = (sc & SC_ENCRYPTION) !== 0;
  const payload = b.rest();
  if (authenticated && payload.length < TAG_LENGTH) throw new DlmsError('PROTOCOL', 'ciphered APDU shorter than its tag');
  const text = authenticated ? payload.subarray(0, payload.length - TAG_LENGTH) : payload;
  const authTag = authenticated ? payload.subarray(payload.length - TAG_LENGTH) : undefined;
  if (!encrypted && !authenticated) return { apdu: Buffer.from(text), securityControl: sc, invocationCounter };
  const d = crypto.createDecipheriv('aes-128-gcm', key, iv(systemTitle, invocationCounter), { authTagLength: TAG_LENGTH });
  if (authenticated) {
    d.setAuthTag(authTag!);
    d.setAAD(Buffer.concat([Buffer.from([sc]), keys.authenticationKey, encrypted ? Buffer.alloc(0) : text]));
  }
  try {
    const plain = encrypted ? Buffer.concat([d.update(text), d.final()]) : (d.final(), Buffer.from(text));
    return { apdu: plain, securityControl: sc, invocationCounter };
  } catch (e) {
    throw new DlmsError('DECRYPTION_FAILED', 'the meter\'s APDU does not authenticate with the configured keys', undefined, { cause: e });
  }
}

/** Security setup (class 64) key_id of global_key_transfer (IEC 62056-6-2): which global key a wrapped key replaces. */
export const GLOBAL_KEY_ID = { UNICAST_ENCRYPTION: 0, BROADCAST_ENCRYPTION: 1, AUTHENTICATION: 2, KEK: 3 } as const;
export type GlobalKeyType = keyof typeof GLOBAL_KEY_ID;

/** AES key wrap (RFC 3394, default IV A6..A6) of `key` under the key encrypting (master) key `kek`. */
export function wrapKey(kek: Buffer, key: Buffer): Buffer {
  if (kek.length !== 16) throw new DlmsError('PROTOCOL', 'the master key (KEK) must be 16 bytes');
  if (key.length < 16 || key.length % 8 !== 0) throw new DlmsError('PROTOCOL', 'a wrapped key must be a multiple of 8 bytes, at least 16');
  const c = crypto.createCipheriv('id-aes128-wrap', kek, Buffer.alloc(8, 0xa6));
  return Buffer.concat([c.update(key), c.final()]);
}

/** Reverses wrapKey; a key wrapped under another KEK fails its integrity check (DECRYPTION_FAILED). */
export function unwrapKey(kek: Buffer, wrapped: Buffer): Buffer {
  if (kek.length !== 16) throw new DlmsError('PROTOCOL', 'the master key (KEK) must be 16 bytes');
  try {
    const d = crypto.createDecipheriv('id-aes128-wrap', kek, Buffer.alloc(8, 0xa6));
    return Buffer.concat([d.update(wrapped), d.final()]);
  } catch (e) {
    throw new DlmsError('DECRYPTION_FAILED', 'the wrapped key does not unwrap with this master key', undefined, { cause: e });
  }
}

/**
 * The parameter of the security setup's global_key_transfer (method 2): array of structure
 * { key_id: enum, key_wrapped: octet-string }, each key wrapped under the master key.
 */
export function globalKeyTransferParameter(kek: Buffer, keys: ReadonlyArray<{ type: GlobalKeyType; key: Buffer }>): DlmsData {
  if (keys.length === 0) throw new DlmsError('PROTOCOL', 'global_key_transfer needs at least one key');
  return {
    type: 'array',
    value: keys.map(({ type, key }) => ({
      type: 'structure',
      value: [
        { type: 'enum', value: GLOBAL_KEY_ID[type] },
        { type: 'octet-string', value: wrapKey(kek, key) },
      ],
    })),
  };
}
