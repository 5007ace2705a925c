import { createPublicKey, sign } from 'node:crypto';
import { generateKeyPair, publicKeyFromPem, publicKeyToPem, verifyEnvelope } from '../../../adapters/oslp/envelope';
import { PublicKeyCache } from '../../../activities/oslp/device-exchange';

describe('device public keys from PEM', () => {
  it('a P-256 key read through the fast path verifies what its private half signed, like the general parser', () => {
    const keys = generateKeyPair();
    const pem = publicKeyToPem(keys.publicKey);
    const signedPart = Buffer.from('sequence, uid, length and payload');
    const signature = Buffer.alloc(128);
    sign('sha256', signedPart, { key: keys.privateKey, dsaEncoding: 'der' }).copy(signature);
    const fast = publicKeyFromPem(pem);
    expect(fast.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(fast.export({ type: 'spki', format: 'der' })).toEqual(createPublicKey(pem).export({ type: 'spki', format: 'der' }));
    expect(verifyEnvelope({ signature, signedPart }, fast)).toBe(true);
    expect(verifyEnvelope({ signature, signedPart }, publicKeyFromPem(publicKeyToPem(generateKeyPair().publicKey)))).toBe(false);
  });

  it('a point that is not on the curve is refused as INVALID_ARGUMENT', () => {
    const der = generateKeyPair().publicKey.export({ type: 'spki', format: 'der' });
    der[der.length - 1] ^= 0x01; // y no longer matches x
    const pem = `-----BEGIN PUBLIC KEY-----\n${der.toString('base64')}\n-----END PUBLIC KEY-----\n`;
    expect(() => publicKeyFromPem(pem)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('PublicKeyCache', () => {
  const pems = Array.from({ length: 3 }, () => publicKeyToPem(generateKeyPair().publicKey));

  it('parses a key once and hands out the same key object after', () => {
    const cache = new PublicKeyCache(10);
    const first = cache.get(pems[0]);
    expect(cache.get(pems[0])).toBe(first);
    expect(cache.size).toBe(1);
  });

  it('keeps at most maxEntries keys, dropping the least recently used', () => {
    const cache = new PublicKeyCache(2);
    const a = cache.get(pems[0]);
    const b = cache.get(pems[1]);
    expect(cache.get(pems[0])).toBe(a); // a is now the most recently used
    cache.get(pems[2]); // drops b
    expect(cache.size).toBe(2);
    expect(cache.get(pems[0])).toBe(a);
    expect(cache.get(pems[1])).not.toBe(b);
  });

  it('refuses a PEM that is no key, and caches nothing for it', () => {
    const cache = new PublicKeyCache(2);
    expect(() => cache.get('-----BEGIN PUBLIC KEY-----\nxx\n-----END PUBLIC KEY-----')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(cache.size).toBe(0);
  });
});
