import type { DlmsErrorCode } from './types';

/** Codes a retry can help with: the link dropped or the meter did not answer in time. */
const TRANSIENT: ReadonlySet<DlmsErrorCode> = new Set<DlmsErrorCode>(['CONNECTION', 'TIMEOUT']);

/**
 * The one error type of the DLMS client. `permanent` is what retry policies look at: wrong keys or
 * passwords, rejected associations, refused data access (except temporary-failure) and malformed APDUs
 * fail the same way again; a dropped link or a silent meter may not.
 * Messages never contain keys or passwords.
 */
export class DlmsError extends Error {
  override readonly name = 'DlmsError';
  readonly permanent: boolean;

  constructor(
    readonly code: DlmsErrorCode,
    message: string,
    /** Data-Access-Result name (e.g. 'object-undefined') for DATA_ACCESS errors. */
    readonly dataAccessResult?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    // A meter answering "temporary-failure" may well answer the same request later.
    this.permanent = !TRANSIENT.has(code) && !(code === 'DATA_ACCESS' && dataAccessResult === 'temporary-failure');
  }
}
