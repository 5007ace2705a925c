// A platform verification key as OSLP devices take it: the DER SubjectPublicKeyInfo of an EC P-256 key (the
// curve OSLP signs with), at most 138 octets; callers send its Base64 (OSGP's VerificationKey, 120-138 chars).
import { createPublicKey } from 'node:crypto';
import { DomainError } from '../errors';

const MAX_KEY_OCTETS = 138;

/** The key's canonical Base64 DER; INVALID naming `field` for anything a device could not verify with. */
export function canonicalVerificationKey(base64: string, field: string): string {
  const der = Buffer.from(base64, 'base64');
  let canonical: Buffer;
  let curve: string | undefined;
  try {
    const key = createPublicKey({ key: der, format: 'der', type: 'spki' });
    curve = key.asymmetricKeyDetails?.namedCurve;
    canonical = key.export({ type: 'spki', format: 'der' });
  } catch {
    throw new DomainError('INVALID', 'VALIDATION_FAILED', `${field}: not the Base64 of a DER (SubjectPublicKeyInfo) public key`, field);
  }
  if (curve !== 'prime256v1') {
    throw new DomainError('INVALID', 'VALIDATION_FAILED', `${field}: must be an EC P-256 (prime256v1) public key, as OSLP verifies with`, field);
  }
  if (canonical.length > MAX_KEY_OCTETS) {
    throw new DomainError('INVALID', 'VALIDATION_FAILED', `${field}: at most ${MAX_KEY_OCTETS} octets fit an OSLP message`, field);
  }
  return canonical.toString('base64');
}
