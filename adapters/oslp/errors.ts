/**
 * Error types of the OSLP adapter.
 *
 * Two classes so callers (activities, retry policies) can decide by type alone: a transport error is
 * transient and worth retrying; a protocol error means the bytes or the peer are wrong and a retry
 * sends the same thing into the same failure.
 */

export type OslpProtocolErrorCode =
  /** Fewer bytes than the envelope header or its declared payload length. */
  | 'TRUNCATED'
  /** Declared payload longer than the configured maximum. */
  | 'OVERSIZED'
  /** Bytes that are not a valid envelope or protobuf message. */
  | 'MALFORMED'
  /** Signature missing, not DER, or not made by the expected key. */
  | 'BAD_SIGNATURE'
  /** Sequence number more than the window away from the expected one. */
  | 'OUT_OF_SEQUENCE'
  /** Response carries another device uid than the request went to. */
  | 'WRONG_DEVICE'
  /** No device is known for the envelope's device uid. */
  | 'UNKNOWN_DEVICE'
  /** A well-formed Message that holds no message kind this adapter knows. */
  | 'UNSUPPORTED_MESSAGE'
  /** A well-formed response of another kind than the request asked for. */
  | 'UNEXPECTED_RESPONSE'
  /** The caller handed in a value that cannot be put on the wire (wrong uid length, bad key, ...). */
  | 'INVALID_ARGUMENT';

export type OslpTransportErrorCode =
  /** TCP connect was refused or the host is unreachable. */
  | 'CONNECT_FAILED'
  /** TCP connect did not complete in time. */
  | 'CONNECT_TIMEOUT'
  /** Connected and sent, but no complete response frame in time. */
  | 'RESPONSE_TIMEOUT'
  /** Listener side: the peer did not send a complete frame in time. */
  | 'READ_TIMEOUT'
  /** The peer closed or reset the connection before a complete frame arrived. */
  | 'CONNECTION_CLOSED';

export type OslpErrorDetails = Readonly<Record<string, string | number | boolean | null>>;

export class OslpProtocolError extends Error {
  override readonly name = 'OslpProtocolError';
  /** Retrying sends the same bytes to the same peer; it cannot fix a protocol error. */
  readonly retryable = false;

  constructor(
    readonly code: OslpProtocolErrorCode,
    message: string,
    readonly details: OslpErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class OslpTransportError extends Error {
  override readonly name = 'OslpTransportError';
  /** Networks and devices recover; OSGP retries these too. */
  readonly retryable = true;

  constructor(
    readonly code: OslpTransportErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isOslpProtocolError(error: unknown, code?: OslpProtocolErrorCode): error is OslpProtocolError {
  return error instanceof OslpProtocolError && (code === undefined || error.code === code);
}

export function isOslpTransportError(error: unknown, code?: OslpTransportErrorCode): error is OslpTransportError {
  return error instanceof OslpTransportError && (code === undefined || error.code === code);
}
