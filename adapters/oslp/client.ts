/**
 * Platform-initiated OSLP requests: sign, send, verify and decode one request/response exchange.
 *
 * Sequence numbers: the request carries the platform's stored number + 1; the device answers with
 * the request's number + 1. An answer up to the sequence window away from that (either direction,
 * modulo 65536) is accepted, as OSGP does; anything further is OUT_OF_SEQUENCE. The caller stores
 * the number returned (the device's answer number), e.g. with newestSequenceNumber().
 */
import type { KeyObject } from 'node:crypto';
import { decodeEnvelope, encodeEnvelope, verifyEnvelope, MAX_PAYLOAD_LENGTH, type DecodedOslpEnvelope } from './envelope';
import { OslpProtocolError } from './errors';
import { sendRequest } from './framing';
import {
  OSLP_RESPONSE_KIND,
  decodeMessage,
  encodeMessage,
  isRequestKind,
  messageKind,
  type OslpMessage,
  type OslpResponseKind,
} from './messages';
import { DEFAULT_SEQUENCE_WINDOW, isWithinWindow, nextSequenceNumber } from './sequence';

/** OSGP's defaults: 30 s to connect, 180 s for the device to answer. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
export const DEFAULT_RESPONSE_TIMEOUT_MS = 180_000;

export interface OslpDeviceEndpoint {
  host: string;
  port: number;
  /** 12 bytes. */
  deviceUid: Buffer;
  /** The device's own public key, to verify its answer. */
  publicKey: KeyObject;
  /** The newest sequence number stored for the device; the request goes out with this + 1. */
  sequenceNumber: number;
  /** The platform key this device verifies with, when not the client's own (setDeviceVerificationKey). */
  platformPrivateKey?: KeyObject;
}

export interface OslpRequestOptions {
  connectTimeoutMs?: number;
  responseTimeoutMs?: number;
}

export interface OslpClientOptions extends OslpRequestOptions {
  /** The platform's key; every request is signed with it. */
  platformPrivateKey: KeyObject;
  sequenceWindow?: number;
  maxPayloadLength?: number;
}

export interface OslpExchangeResult {
  response: OslpMessage;
  /** The number the device answered with: store it as the device's newest. */
  sequenceNumber: number;
  /** The number the request went out with. */
  requestSequenceNumber: number;
}

export class OslpClient {
  private readonly sequenceWindow: number;
  private readonly maxPayloadLength: number;
  /**
   * Encoded payloads by message object: a mass switch sends one message object to thousands of devices,
   * and only the envelope (sequence number, uid, signature) differs per device. Messages are not changed
   * after they are handed to request().
   */
  private readonly payloads = new WeakMap<OslpMessage, Buffer>();

  constructor(private readonly options: OslpClientOptions) {
    this.sequenceWindow = options.sequenceWindow ?? DEFAULT_SEQUENCE_WINDOW;
    this.maxPayloadLength = options.maxPayloadLength ?? MAX_PAYLOAD_LENGTH;
  }

  /**
   * Sends one request and returns the verified, decoded answer. Throws OslpTransportError for
   * network trouble (worth a retry) and OslpProtocolError for answers that cannot be trusted or
   * understood: BAD_SIGNATURE, WRONG_DEVICE, OUT_OF_SEQUENCE, MALFORMED, UNEXPECTED_RESPONSE.
   */
  async request(device: OslpDeviceEndpoint, message: OslpMessage, options: OslpRequestOptions = {}): Promise<OslpExchangeResult> {
    const expectedKind = this.expectedResponseKind(message);
    const requestSequenceNumber = nextSequenceNumber(device.sequenceNumber);
    const frame = encodeEnvelope(
      { sequenceNumber: requestSequenceNumber, deviceUid: device.deviceUid, payload: this.payloadOf(message) },
      device.platformPrivateKey ?? this.options.platformPrivateKey,
      this.maxPayloadLength,
    );
    const responseFrame = await sendRequest({
      host: device.host,
      port: device.port,
      frame,
      connectTimeoutMs: options.connectTimeoutMs ?? this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      responseTimeoutMs: options.responseTimeoutMs ?? this.options.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS,
      maxPayloadLength: this.maxPayloadLength,
    });
    const envelope = decodeEnvelope(responseFrame, this.maxPayloadLength);
    this.checkTrusted(envelope, device, requestSequenceNumber);
    const response = decodeMessage(envelope.payload);
    const kind = messageKind(response);
    if (kind !== expectedKind) {
      throw new OslpProtocolError('UNEXPECTED_RESPONSE', `expected ${expectedKind}, device answered ${kind}`);
    }
    return { response, sequenceNumber: envelope.sequenceNumber, requestSequenceNumber };
  }

  private payloadOf(message: OslpMessage): Buffer {
    let payload = this.payloads.get(message);
    if (!payload) {
      payload = encodeMessage(message);
      this.payloads.set(message, payload);
    }
    return payload;
  }

  private expectedResponseKind(message: OslpMessage): OslpResponseKind {
    const kind = messageKind(message);
    if (!isRequestKind(kind)) throw new OslpProtocolError('INVALID_ARGUMENT', `${kind} is not a request`);
    return OSLP_RESPONSE_KIND[kind];
  }

  /** Signature first: nothing in an unverified envelope, its sequence number included, is trusted. */
  private checkTrusted(envelope: DecodedOslpEnvelope, device: OslpDeviceEndpoint, requestSequenceNumber: number): void {
    if (!verifyEnvelope(envelope, device.publicKey)) {
      throw new OslpProtocolError('BAD_SIGNATURE', 'response signature does not verify with the device key');
    }
    if (!envelope.deviceUid.equals(device.deviceUid)) {
      throw new OslpProtocolError('WRONG_DEVICE', 'response comes from another device uid', {
        expected: device.deviceUid.toString('base64'),
        actual: envelope.deviceUid.toString('base64'),
      });
    }
    const expected = nextSequenceNumber(requestSequenceNumber);
    if (!isWithinWindow(expected, envelope.sequenceNumber, this.sequenceWindow)) {
      throw new OslpProtocolError('OUT_OF_SEQUENCE', `device answered ${envelope.sequenceNumber}, expected ${expected}`, {
        expected,
        actual: envelope.sequenceNumber,
        window: this.sequenceWindow,
      });
    }
  }
}
