import { createPublicKey } from 'node:crypto';
import { ApiError } from './errors';

/** OSLP signatures are ECDSA P-256: refuse, at the door, a key the adapter could never verify with. */
export function assertP256PublicKey(pem: string, field: string): void {
  let keyType: string | undefined;
  let curve: string | undefined;
  try {
    const key = createPublicKey(pem);
    keyType = key.asymmetricKeyType;
    curve = key.asymmetricKeyDetails?.namedCurve;
  } catch {
    throw new ApiError(400, 'VALIDATION_FAILED', `${field}: not a readable PEM public key`, field);
  }
  if (keyType !== 'ec' || curve !== 'prime256v1') {
    throw new ApiError(400, 'VALIDATION_FAILED', `${field}: must be an EC P-256 (prime256v1) public key, as OSLP signs with`, field);
  }
}
