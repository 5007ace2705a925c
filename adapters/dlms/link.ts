/**
 * The link under the xDLMS APDUs: a TCP socket carrying IEC 62056-47 wrapper frames or HDLC frames.
 * `request` sends one APDU and resolves with the next APDU the meter sends (HDLC segments reassembled).
 */
import * as net from 'node:net';
import { DlmsError } from './errors';
import * as hdlc from './hdlc';
import { encodeWrapper, takeWrapperFrame, type WrapperFrame } from './wrapper';
import type { DlmsConnectionSettings } from './types';

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_RESPONSE_TIMEOUT_MS = 10_000;
/** HDLC lower (physical) server address when the settings name none. */
export const DEFAULT_HDLC_LOWER_ADDRESS = 1;

export interface DlmsLink {
  request(apdu: Buffer): Promise<Buffer>;
  /** HDLC: DISC/UA. Then the socket is closed. Never throws. */
  close(): Promise<void>;
  readonly closed: boolean;
}

type Take<F> = (buffer: Buffer) => { frame: F; rest: Buffer } | undefined;

/** A socket with a receive buffer and one pending reader at a time. */
class FrameSocket<F> {
  private buffer: Buffer = Buffer.alloc(0);
  private waiter?: { resolve: (f: F) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };
  private failure?: DlmsError;
  closed = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly take: Take<F>,
    private readonly timeoutMs: number,
  ) {
    socket.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.pump();
    });
    socket.on('error', (e) => this.fail(new DlmsError('CONNECTION', `meter connection failed: ${e.message}`, undefined, { cause: e })));
    socket.on('close', () => this.fail(new DlmsError('CONNECTION', 'meter closed the connection')));
  }

  private fail(e: DlmsError): void {
    this.closed = true;
    this.failure ??= e;
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      clearTimeout(w.timer);
      w.reject(this.failure);
    }
  }

  private pump(): void {
    const w = this.waiter;
    if (!w) return;
    let taken: { frame: F; rest: Buffer } | undefined;
    try {
      taken = this.take(this.buffer);
    } catch (e) {
      this.waiter = undefined;
      clearTimeout(w.timer);
      w.reject(e as Error);
      return;
    }
    if (!taken) return;
    this.buffer = taken.rest;
    this.waiter = undefined;
    clearTimeout(w.timer);
    w.resolve(taken.frame);
  }

  write(b: Buffer): void {
    if (this.closed) throw this.failure ?? new DlmsError('CONNECTION', 'meter connection is closed');
    this.socket.write(b);
  }

  next(): Promise<F> {
    if (this.failure && this.buffer.length === 0) return Promise.reject(this.failure);
    return new Promise<F>((resolve, reject) => {
      const timer = setTimeout(() => {
        // A late answer would be taken for the next request's: the link is unusable after a timeout.
        this.fail(new DlmsError('TIMEOUT', `no answer from the meter within ${this.timeoutMs} ms`));
        this.socket.destroy();
      }, this.timeoutMs);
      this.waiter = { resolve, reject, timer };
      this.pump();
      if (this.waiter && this.failure) this.fail(this.failure);
    });
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }
}

function connect(settings: DlmsConnectionSettings): Promise<net.Socket> {
  const timeout = settings.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ host: settings.host, port: settings.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new DlmsError('TIMEOUT', `could not connect to ${settings.host}:${settings.port} within ${timeout} ms`));
    }, timeout);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', (e) => {
      clearTimeout(timer);
      reject(new DlmsError('CONNECTION', `could not connect to ${settings.host}:${settings.port}: ${e.message}`, undefined, { cause: e }));
    });
  });
}

class WrapperLink implements DlmsLink {
  constructor(
    private readonly io: FrameSocket<WrapperFrame>,
    private readonly client: number,
    private readonly server: number,
  ) {}

  get closed(): boolean {
    return this.io.closed;
  }

  async request(apdu: Buffer): Promise<Buffer> {
    this.io.write(encodeWrapper({ source: this.client, destination: this.server, apdu }));
    const frame = await this.io.next();
    if (frame.source !== this.server || frame.destination !== this.client) {
      throw new DlmsError('PROTOCOL', `wrapper frame from wPort ${frame.source} to ${frame.destination}, expected ${this.server} to ${this.client}`);
    }
    return frame.apdu;
  }

  async close(): Promise<void> {
    this.io.destroy();
  }
}

class HdlcLink implements DlmsLink {
  private ns = 0;
  private nr = 0;
  /** Largest information field the meter accepts / sends (from its UA). */
  private maxInfoToMeter = hdlc.DEFAULT_MAX_INFO;

  constructor(
    private readonly io: FrameSocket<hdlc.DecodedHdlcFrame>,
    private readonly serverAddress: Buffer,
    private readonly clientAddress: Buffer,
  ) {}

  get closed(): boolean {
    return this.io.closed;
  }

  private send(control: number, info: Buffer = Buffer.alloc(0), segmented = false): void {
    this.io.write(hdlc.encodeFrame({ destination: this.serverAddress, source: this.clientAddress, control, segmented, info }));
  }

  private async receive(): Promise<hdlc.DecodedHdlcFrame> {
    const f = await this.io.next();
    if (!f.destination.equals(this.clientAddress) || !f.source.equals(this.serverAddress)) {
      throw new DlmsError('PROTOCOL', `HDLC frame for address ${f.destinationAddress} from ${f.sourceAddress} is not for this association`);
    }
    if (f.control === hdlc.Control.FRMR) throw new DlmsError('PROTOCOL', 'the meter rejected an HDLC frame (FRMR)');
    return f;
  }

  async open(): Promise<void> {
    this.send(hdlc.Control.SNRM);
    const ua = await this.receive();
    if (ua.control === hdlc.Control.DM) throw new DlmsError('ASSOCIATION_REJECTED', 'the meter refused the HDLC connection (DM)');
    if (ua.control !== hdlc.Control.UA) throw new DlmsError('PROTOCOL', `expected UA after SNRM, got control 0x${ua.control.toString(16)}`);
    const p = hdlc.parseLinkParameters(ua.info);
    // The UA's "max info field length receive" is what the meter can take from us.
    this.maxInfoToMeter = p.maxInfoRx;
    this.ns = 0;
    this.nr = 0;
  }

  async request(apdu: Buffer): Promise<Buffer> {
    const info = Buffer.concat([hdlc.LLC_REQUEST, apdu]);
    for (let offset = 0; offset < info.length; offset += this.maxInfoToMeter) {
      const chunk = info.subarray(offset, offset + this.maxInfoToMeter);
      const last = offset + this.maxInfoToMeter >= info.length;
      this.send(hdlc.iControl(this.ns, this.nr), chunk, !last);
      this.ns = (this.ns + 1) & 7;
      if (!last) {
        const rr = await this.receive();
        if (!hdlc.isRR(rr.control)) throw new DlmsError('PROTOCOL', `expected RR for a segment, got control 0x${rr.control.toString(16)}`);
      }
    }
    const parts: Buffer[] = [];
    for (;;) {
      const f = await this.receive();
      if (!hdlc.isIFrame(f.control)) {
        if (f.control === hdlc.Control.DM) throw new DlmsError('CONNECTION', 'the meter is in disconnected mode (DM)');
        if (hdlc.isRR(f.control)) continue;
        throw new DlmsError('PROTOCOL', `expected an I-frame, got control 0x${f.control.toString(16)}`);
      }
      this.nr = (hdlc.frameNs(f.control) + 1) & 7;
      parts.push(f.info);
      if (!f.segmented) break;
      this.send(hdlc.rrControl(this.nr));
    }
    const whole = Buffer.concat(parts);
    if (!whole.subarray(0, 3).equals(hdlc.LLC_RESPONSE)) throw new DlmsError('PROTOCOL', 'HDLC information does not start with the LLC response header');
    return whole.subarray(3);
  }

  async close(): Promise<void> {
    try {
      if (!this.io.closed) {
        this.send(hdlc.Control.DISC);
        await this.receive(); // UA or DM
      }
    } catch {
      // the link is going away either way
    } finally {
      this.io.destroy();
    }
  }
}

export async function openLink(settings: DlmsConnectionSettings): Promise<DlmsLink> {
  const socket = await connect(settings);
  const timeout = settings.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS;
  if (settings.transport === 'WRAPPER') {
    return new WrapperLink(new FrameSocket(socket, takeWrapperFrame, timeout), settings.clientAddress, settings.serverAddress);
  }
  const link = new HdlcLink(
    new FrameSocket(socket, hdlc.takeFrame, timeout),
    hdlc.encodeServerAddress(settings.serverAddress, settings.hdlcLowerServerAddress ?? DEFAULT_HDLC_LOWER_ADDRESS),
    hdlc.encodeClientAddress(settings.clientAddress),
  );
  try {
    await link.open();
  } catch (e) {
    await link.close();
    throw e;
  }
  return link;
}
