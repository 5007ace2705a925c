/**
 * OSLP over TCP: one request frame and one response frame per connection, opened by the sender of
 * the request. A frame is the fixed 144-byte envelope header plus the payload length it declares.
 */
import net from 'node:net';
import { ENVELOPE_HEADER_LENGTH, MAX_PAYLOAD_LENGTH, declaredPayloadLength } from './envelope';
import { OslpProtocolError, OslpTransportError, type OslpTransportErrorCode } from './errors';

/**
 * Collects the chunks of exactly one frame. Rejects an oversized frame as soon as its header is in,
 * so a peer cannot make us buffer a payload we would refuse anyway.
 */
export class OslpFrameAccumulator {
  private readonly chunks: Buffer[] = [];
  private received = 0;

  constructor(private readonly maxPayloadLength: number = MAX_PAYLOAD_LENGTH) {}

  get bufferedLength(): number {
    return this.received;
  }

  /** Adds a chunk; returns the complete frame once all of it is in, else null. */
  push(chunk: Buffer): Buffer | null {
    this.chunks.push(chunk);
    this.received += chunk.length;
    const frameLength = this.expectedFrameLength();
    if (frameLength === null || this.received < frameLength) return null;
    if (this.received > frameLength) {
      throw new OslpProtocolError('MALFORMED', `${this.received - frameLength} bytes follow the frame; one frame per connection`);
    }
    return Buffer.concat(this.chunks, this.received);
  }

  private expectedFrameLength(): number | null {
    if (this.received < ENVELOPE_HEADER_LENGTH) return null;
    const payloadLength = declaredPayloadLength(Buffer.concat(this.chunks, this.received));
    if (payloadLength === null) return null;
    if (payloadLength > this.maxPayloadLength) {
      throw new OslpProtocolError('OVERSIZED', `declared payload of ${payloadLength} bytes exceeds ${this.maxPayloadLength}`);
    }
    return ENVELOPE_HEADER_LENGTH + payloadLength;
  }
}

export interface ReadFrameOptions {
  timeoutMs: number;
  /** RESPONSE_TIMEOUT when waiting for an answer, READ_TIMEOUT when a listener waits for a request. */
  timeoutCode: Extract<OslpTransportErrorCode, 'RESPONSE_TIMEOUT' | 'READ_TIMEOUT'>;
  maxPayloadLength?: number;
}

/**
 * Reads exactly one frame from a connected socket. Rejects with OslpTransportError (timeout, closed
 * early) or OslpProtocolError (OVERSIZED, MALFORMED). Does not close the socket: the caller owns it.
 */
export function readFrame(socket: net.Socket, options: ReadFrameOptions): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const accumulator = new OslpFrameAccumulator(options.maxPayloadLength);
    const timer = setTimeout(
      () => finish(new OslpTransportError(options.timeoutCode, `no complete frame within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );

    function finish(outcome: Buffer | Error): void {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onClosed);
      socket.off('close', onClosed);
      socket.off('error', onError);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    }
    function onData(chunk: Buffer): void {
      try {
        const frame = accumulator.push(chunk);
        if (frame) finish(frame);
      } catch (error) {
        finish(error as Error);
      }
    }
    function onClosed(): void {
      finish(
        new OslpTransportError(
          'CONNECTION_CLOSED',
          `connection closed after ${accumulator.bufferedLength} bytes, before a complete frame`,
        ),
      );
    }
    function onError(error: Error): void {
      finish(new OslpTransportError('CONNECTION_CLOSED', `connection failed while reading: ${error.message}`, { cause: error }));
    }

    socket.on('data', onData);
    socket.once('end', onClosed);
    socket.once('close', onClosed);
    socket.once('error', onError);
  });
}

export interface SendRequestOptions {
  host: string;
  port: number;
  /** A complete, signed frame (see encodeEnvelope). */
  frame: Buffer;
  connectTimeoutMs: number;
  responseTimeoutMs: number;
  maxPayloadLength?: number;
}

function connect(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise<net.Socket>((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new OslpTransportError('CONNECT_TIMEOUT', `no connection to ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onConnectError);
      resolve(socket);
    });
    function onConnectError(error: NodeJS.ErrnoException): void {
      clearTimeout(timer);
      socket.destroy();
      reject(new OslpTransportError('CONNECT_FAILED', `cannot connect to ${host}:${port}: ${error.code ?? error.message}`, { cause: error }));
    }
    socket.once('error', onConnectError);
  });
}

function ignoreLateSocketError(): void {}

/** Opens a connection, writes one frame, reads one response frame and closes the connection. */
export async function sendRequest(options: SendRequestOptions): Promise<Buffer> {
  const socket = await connect(options.host, options.port, options.connectTimeoutMs);
  socket.setNoDelay(true);
  // readFrame reports errors while it reads; this keeps a late one (a reset racing our own close)
  // from becoming an unhandled 'error' event that would end the process.
  socket.on('error', ignoreLateSocketError);
  // A write error surfaces as a socket 'error' that readFrame turns into CONNECTION_CLOSED.
  const response = readFrame(socket, {
    timeoutMs: options.responseTimeoutMs,
    timeoutCode: 'RESPONSE_TIMEOUT',
    maxPayloadLength: options.maxPayloadLength,
  });
  socket.write(options.frame);
  try {
    return await response;
  } finally {
    socket.destroy();
  }
}
