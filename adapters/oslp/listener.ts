/**
 * TCP listener for device-initiated OSLP messages (registration, events).
 *
 * Per connection: read one frame (bounded in time and size), find the device by the envelope's uid,
 * verify the device's signature, decode, let the handler decide the answer, sign it with the
 * platform key, write it and close. Anything that fails on the way is dropped without an answer
 * (an answer would tell a forger what we accept), reported to `onRejected` and logged in a rate-limited
 * sample (see refusal-log.ts); the listener keeps serving other connections.
 */
import net from 'node:net';
import type { KeyObject } from 'node:crypto';
import { decodeEnvelope, encodeEnvelope, verifyEnvelope, MAX_PAYLOAD_LENGTH, type DecodedOslpEnvelope } from './envelope';
import { OslpProtocolError, OslpTransportError } from './errors';
import { readFrame } from './framing';
import { decodeMessage, encodeMessage, messageKind, type OslpMessage, type OslpMessageKind } from './messages';
import { RefusalSample } from './refusal-log';
import { plainIpAddress } from './registration';

export interface OslpLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentOslpLogger: OslpLogger = { info() {}, warn() {}, error() {} };

export interface OslpKnownDevice {
  deviceIdentification: string;
  publicKey: KeyObject;
  /** The platform key this device verifies with, when not the listener's own (setDeviceVerificationKey). */
  platformPrivateKey?: KeyObject;
}

export interface OslpInboundContext {
  deviceIdentification: string;
  deviceUid: Buffer;
  /** The sequence number the device sent. */
  sequenceNumber: number;
  kind: OslpMessageKind;
  /** ip:port the frame came from, for logs. */
  remoteAddress: string;
  /** The IP address alone (IPv4-mapped IPv6 as plain IPv4): where a device without an address of its own is reached. */
  remoteIp: string;
}

export interface OslpInboundReply {
  message: OslpMessage;
  /** Number to answer with; defaults to the request's own number, as OSLP answers device requests. */
  sequenceNumber?: number;
}

export type OslpRejectionCode =
  | 'TRUNCATED'
  | 'READ_TIMEOUT'
  | 'OVERSIZED'
  | 'MALFORMED'
  | 'UNKNOWN_DEVICE'
  | 'BAD_SIGNATURE'
  | 'UNSUPPORTED_MESSAGE'
  | 'HANDLER_FAILED';

export interface OslpRejection {
  code: OslpRejectionCode;
  message: string;
  /** Base64, when the envelope got far enough to name one. */
  deviceUid?: string;
  deviceIdentification?: string;
}

/**
 * `D`: what findDevice found, handed to handle() as it is, so a handler that read the device's whole state
 * with its key needs no second look-up per frame.
 */
export interface OslpListenerHandler<D extends OslpKnownDevice = OslpKnownDevice> {
  findDevice(deviceUid: Buffer): Promise<D | null> | D | null;
  /** Returns the answer, or null to close without answering. */
  handle(context: OslpInboundContext, message: OslpMessage, device: D): Promise<OslpInboundReply | null> | OslpInboundReply | null;
  onRejected?(rejection: OslpRejection, remoteAddress: string): void;
}

export interface OslpListenerOptions<D extends OslpKnownDevice = OslpKnownDevice> {
  /** Default 0.0.0.0; OSLP's port is 12122, 0 picks a free one. */
  host?: string;
  port: number;
  platformPrivateKey: KeyObject;
  handler: OslpListenerHandler<D>;
  logger?: OslpLogger;
  /** How long a device may take to send its whole frame. Default 30 s. */
  readTimeoutMs?: number;
  maxPayloadLength?: number;
  /** Connections beyond this many open ones are closed on accept; default unlimited. */
  maxConnections?: number;
  /** How many refused frames are logged; default 10 lines per 10 s (each refusal still reaches onRejected). */
  refusalSample?: RefusalSample;
}

export interface OslpListener {
  host: string;
  port: number;
  close(): Promise<void>;
}

export const DEFAULT_LISTENER_READ_TIMEOUT_MS = 30_000;

/** A refusal on the way through one connection; carries what to report. */
class Refusal extends Error {
  constructor(readonly rejection: OslpRejection) {
    super(rejection.message);
  }
}

function refusalFromReadError(error: unknown): Refusal {
  if (error instanceof OslpTransportError) {
    const code = error.code === 'READ_TIMEOUT' ? 'READ_TIMEOUT' : 'TRUNCATED';
    return new Refusal({ code, message: error.message });
  }
  if (error instanceof OslpProtocolError && (error.code === 'OVERSIZED' || error.code === 'TRUNCATED')) {
    return new Refusal({ code: error.code, message: error.message });
  }
  return new Refusal({ code: 'MALFORMED', message: (error as Error).message });
}

class ConnectionHandler<D extends OslpKnownDevice> {
  private readonly readTimeoutMs: number;
  private readonly maxPayloadLength: number;
  private readonly logger: OslpLogger;
  private readonly refusalSample: RefusalSample;

  constructor(private readonly options: OslpListenerOptions<D>) {
    this.readTimeoutMs = options.readTimeoutMs ?? DEFAULT_LISTENER_READ_TIMEOUT_MS;
    this.maxPayloadLength = options.maxPayloadLength ?? MAX_PAYLOAD_LENGTH;
    this.logger = options.logger ?? silentOslpLogger;
    this.refusalSample = options.refusalSample ?? new RefusalSample();
  }

  async serve(socket: net.Socket): Promise<void> {
    const remoteIp = plainIpAddress(socket.remoteAddress ?? '?');
    const remoteAddress = `${remoteIp}:${socket.remotePort ?? '?'}`;
    try {
      const answer = await this.answerFor(socket, remoteAddress, remoteIp);
      if (answer) socket.end(answer);
      else socket.destroy();
    } catch (error) {
      socket.destroy();
      this.reject(error instanceof Refusal ? error.rejection : unexpected(error), remoteAddress);
    }
  }

  private async answerFor(socket: net.Socket, remoteAddress: string, remoteIp: string): Promise<Buffer | null> {
    const envelope = await this.readEnvelope(socket);
    const deviceUid = envelope.deviceUid.toString('base64');
    const device = await this.options.handler.findDevice(Buffer.from(envelope.deviceUid));
    if (!device) throw new Refusal({ code: 'UNKNOWN_DEVICE', message: 'no device with this uid', deviceUid });
    const known = { deviceUid, deviceIdentification: device.deviceIdentification };
    if (!verifyEnvelope(envelope, device.publicKey)) {
      throw new Refusal({ code: 'BAD_SIGNATURE', message: 'signature does not verify with the device key', ...known });
    }
    const message = this.decode(envelope, known);
    const context: OslpInboundContext = {
      deviceIdentification: device.deviceIdentification,
      deviceUid: Buffer.from(envelope.deviceUid),
      sequenceNumber: envelope.sequenceNumber,
      kind: messageKind(message),
      remoteAddress,
      remoteIp,
    };
    const reply = await this.callHandler(context, message, device, known);
    if (!reply) {
      this.logger.info('OSLP request handled without answer', { ...known, kind: context.kind });
      return null;
    }
    return encodeEnvelope(
      {
        sequenceNumber: reply.sequenceNumber ?? envelope.sequenceNumber,
        deviceUid: envelope.deviceUid,
        payload: encodeMessage(reply.message),
      },
      device.platformPrivateKey ?? this.options.platformPrivateKey,
      this.maxPayloadLength,
    );
  }

  private async readEnvelope(socket: net.Socket): Promise<DecodedOslpEnvelope> {
    try {
      const frame = await readFrame(socket, {
        timeoutMs: this.readTimeoutMs,
        timeoutCode: 'READ_TIMEOUT',
        maxPayloadLength: this.maxPayloadLength,
      });
      return decodeEnvelope(frame, this.maxPayloadLength);
    } catch (error) {
      throw refusalFromReadError(error);
    }
  }

  private decode(envelope: DecodedOslpEnvelope, known: { deviceUid: string; deviceIdentification: string }): OslpMessage {
    try {
      return decodeMessage(envelope.payload);
    } catch (error) {
      const code = error instanceof OslpProtocolError && error.code === 'UNSUPPORTED_MESSAGE' ? 'UNSUPPORTED_MESSAGE' : 'MALFORMED';
      throw new Refusal({ code, message: (error as Error).message, ...known });
    }
  }

  private async callHandler(
    context: OslpInboundContext,
    message: OslpMessage,
    device: D,
    known: { deviceUid: string; deviceIdentification: string },
  ): Promise<OslpInboundReply | null> {
    try {
      return await this.options.handler.handle(context, message, device);
    } catch (error) {
      throw new Refusal({ code: 'HANDLER_FAILED', message: (error as Error).message, ...known });
    }
  }

  private reject(rejection: OslpRejection, remoteAddress: string): void {
    const sample = this.refusalSample.take();
    if (sample.log) {
      // `reason`, not `message`: the log line's own message field says what the line is about.
      const { message: reason, ...named } = rejection;
      this.logger.warn('OSLP frame refused', { ...named, reason, remoteAddress, refusalsNotLoggedBefore: sample.leftOut });
    }
    try {
      this.options.handler.onRejected?.(rejection, remoteAddress);
    } catch (error) {
      this.logger.error('onRejected threw', { error: (error as Error).message });
    }
  }
}

function unexpected(error: unknown): OslpRejection {
  return { code: 'HANDLER_FAILED', message: `unexpected: ${(error as Error).message}` };
}

export async function startOslpListener<D extends OslpKnownDevice>(options: OslpListenerOptions<D>): Promise<OslpListener> {
  const connections = new ConnectionHandler(options);
  const openSockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    openSockets.add(socket);
    socket.on('close', () => openSockets.delete(socket));
    socket.on('error', () => {}); // reported by readFrame while reading; later resets need no report
    socket.setNoDelay(true);
    void connections.serve(socket);
  });
  if (options.maxConnections !== undefined) server.maxConnections = options.maxConnections;
  const host = options.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as net.AddressInfo;
  (options.logger ?? silentOslpLogger).info('OSLP listener started', { host, port: address.port });
  return {
    host,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of openSockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
