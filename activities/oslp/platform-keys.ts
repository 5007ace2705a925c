// The platform's OSLP signing keys. A device verifies everything the platform sends with the one platform public
// key it holds; setDeviceVerificationKey gives it another, so the platform must then sign for that device with
// the matching private key. The ring holds the platform's current key and any others it was configured with
// (OSLP_PLATFORM_EXTRA_KEY_FILES), each found by its public key (Base64 of the DER SPKI, as the device has it).
import type { KeyObject } from 'node:crypto';
import { publicKeyFromBase64Der, publicKeyOf, publicKeyToBase64Der } from '../../adapters/oslp/envelope';

export class PlatformKeyRing {
  private readonly byPublicKey = new Map<string, KeyObject>();
  readonly defaultPublicKey: string;

  constructor(
    readonly defaultKey: KeyObject,
    others: readonly KeyObject[] = [],
  ) {
    this.defaultPublicKey = publicKeyToBase64Der(publicKeyOf(defaultKey));
    for (const key of [defaultKey, ...others]) this.byPublicKey.set(publicKeyToBase64Der(publicKeyOf(key)), key);
  }

  /** The private key to sign with for a device holding `verificationKey` (null: the platform's own); undefined when the ring lacks it. */
  signingKeyFor(verificationKey: string | null): KeyObject | undefined {
    if (verificationKey === null) return this.defaultKey;
    return this.byPublicKey.get(normalise(verificationKey));
  }

  holds(verificationKey: string): boolean {
    return this.byPublicKey.has(normalise(verificationKey));
  }
}

/** The same key in its canonical Base64 DER, whatever whitespace or padding it came with; the text itself if unreadable. */
function normalise(verificationKey: string): string {
  try {
    return publicKeyToBase64Der(publicKeyFromBase64Der(verificationKey));
  } catch {
    return verificationKey;
  }
}
