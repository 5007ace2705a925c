/**
 * HDLC (IEC 62056-46) frames as DLMS uses them over TCP: frame format type 3, HDLC addresses, HCS/FCS
 * (CRC-16/X.25), the control field of I, RR, SNRM, UA, DISC, DM and FRMR frames, and the LLC header.
 */
import { DlmsError } from './errors';

export const FLAG = 0x7e;
/** LLC header of a request (client -> server) and of a response. */
export const LLC_REQUEST = Buffer.from([0xe6, 0xe6, 0x00]);
export const LLC_RESPONSE = Buffer.from([0xe6, 0xe7, 0x00]);

export const Control = { SNRM: 0x93, UA: 0x73, DISC: 0x53, DM: 0x1f, FRMR: 0x97 } as const;

/** Default maximum information field length (both directions) before negotiation. */
export const DEFAULT_MAX_INFO = 128;

// CRC-16/X.25: polynomial 0x1021 reflected (0x8408), initial 0xFFFF, final XOR 0xFFFF, sent low byte first.
const CRC_TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x8408 : c >>> 1;
    t[i] = c;
  }
  return t;
})();

export function crc16x25(data: Buffer): number {
  let crc = 0xffff;
  for (const b of data) crc = (crc >>> 8) ^ CRC_TABLE[(crc ^ b) & 0xff]!;
  return (crc ^ 0xffff) & 0xffff;
}

/** HDLC address: 7 bits per byte, lowest bit set on the last byte. Server addresses: upper (logical) + lower (physical). */
export function encodeClientAddress(sap: number): Buffer {
  if (sap < 0 || sap > 0x7f) throw new DlmsError('PROTOCOL', `HDLC client address ${sap} out of range 0..127`);
  return Buffer.from([(sap << 1) | 1]);
}

export function encodeServerAddress(upper: number, lower: number | undefined): Buffer {
  if (lower === undefined) {
    if (upper > 0x7f) throw new DlmsError('PROTOCOL', `HDLC server address ${upper} out of range 0..127`);
    return Buffer.from([(upper << 1) | 1]);
  }
  if (upper <= 0x7f && lower <= 0x7f) return Buffer.from([upper << 1, (lower << 1) | 1]);
  if (upper > 0x3fff || lower > 0x3fff) throw new DlmsError('PROTOCOL', 'HDLC server address out of range 0..16383');
  return Buffer.from([(upper >> 7) << 1, (upper & 0x7f) << 1, (lower >> 7) << 1, ((lower & 0x7f) << 1) | 1]);
}

/** Reads an address field at `offset`: its value (7 bits per byte) and length. */
export function decodeAddress(b: Buffer, offset: number): { value: number; length: number } {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    const byte = b[offset + i];
    if (byte === undefined) throw new DlmsError('PROTOCOL', 'truncated HDLC address');
    value = (value << 7) | (byte >> 1);
    if (byte & 1) return { value, length: i + 1 };
  }
  throw new DlmsError('PROTOCOL', 'HDLC address longer than 4 bytes');
}

export interface HdlcFrame {
  destination: Buffer;
  source: Buffer;
  control: number;
  /** Segmentation bit: more segments of this information follow. */
  segmented: boolean;
  info: Buffer;
}

export function encodeFrame(f: HdlcFrame): Buffer {
  const headerLength = 2 + f.destination.length + f.source.length + 1;
  const hasInfo = f.info.length > 0;
  const length = headerLength + (hasInfo ? 2 + f.info.length : 0) + 2;
  if (length > 0x7ff) throw new DlmsError('PROTOCOL', `HDLC frame of ${length} bytes exceeds 2047`);
  const header = Buffer.concat([
    Buffer.from([0xa0 | (f.segmented ? 0x08 : 0) | ((length >> 8) & 0x07), length & 0xff]),
    f.destination,
    f.source,
    Buffer.from([f.control]),
  ]);
  const parts: Buffer[] = [Buffer.from([FLAG]), header];
  const crc = (b: Buffer): Buffer => {
    const c = crc16x25(b);
    return Buffer.from([c & 0xff, c >> 8]);
  };
  if (hasInfo) {
    const hcs = crc(header);
    parts.push(hcs, f.info, crc(Buffer.concat([header, hcs, f.info])));
  } else {
    parts.push(crc(header));
  }
  parts.push(Buffer.from([FLAG]));
  return Buffer.concat(parts);
}

export interface DecodedHdlcFrame extends HdlcFrame {
  destinationAddress: number;
  sourceAddress: number;
}

/**
 * Takes one complete frame from `buffer` (bytes before the opening flag are skipped): the frame and the
 * bytes after it, or undefined while incomplete. Checks format type, HCS and FCS.
 */
export function takeFrame(buffer: Buffer): { frame: DecodedHdlcFrame; rest: Buffer } | undefined {
  let start = buffer.indexOf(FLAG);
  while (start >= 0 && start + 1 < buffer.length && buffer[start + 1] === FLAG) start++; // shared flags
  if (start < 0 || buffer.length < start + 3) return undefined;
  const format = buffer[start + 1]!;
  if ((format & 0xf0) !== 0xa0) throw new DlmsError('PROTOCOL', `HDLC frame format 0x${format.toString(16)} is not type 3`);
  const length = ((format & 0x07) << 8) | buffer[start + 2]!;
  if (buffer.length < start + length + 2) return undefined;
  const body = buffer.subarray(start + 1, start + 1 + length);
  if (buffer[start + 1 + length] !== FLAG) throw new DlmsError('PROTOCOL', 'HDLC frame does not end with a flag');
  const dst = decodeAddress(body, 2);
  const src = decodeAddress(body, 2 + dst.length);
  const controlAt = 2 + dst.length + src.length;
  const control = body[controlAt]!;
  const fcs = body.readUInt16LE(length - 2);
  if (crc16x25(body.subarray(0, length - 2)) !== fcs) throw new DlmsError('PROTOCOL', 'HDLC frame check sequence mismatch');
  let info = Buffer.alloc(0);
  if (length > controlAt + 3) {
    const hcs = body.readUInt16LE(controlAt + 1);
    if (crc16x25(body.subarray(0, controlAt + 1)) !== hcs) throw new DlmsError('PROTOCOL', 'HDLC header check sequence mismatch');
    info = Buffer.from(body.subarray(controlAt + 3, length - 2));
  }
  return {
    frame: {
      destination: Buffer.from(body.subarray(2, 2 + dst.length)),
      source: Buffer.from(body.subarray(2 + dst.length, controlAt)),
      destinationAddress: dst.value,
      sourceAddress: src.value,
      control,
      segmented: (format & 0x08) !== 0,
      info,
    },
    rest: Buffer.from(buffer.subarray(start + length + 2)),
  };
}

export const isIFrame = (control: number): boolean => (control & 0x01) === 0;
export const isRR = (control: number): boolean => (control & 0x0f) === 0x01;
export const iControl = (ns: number, nr: number): number => ((nr & 7) << 5) | 0x10 | ((ns & 7) << 1);
export const rrControl = (nr: number): number => ((nr & 7) << 5) | 0x11;
export const frameNs = (control: number): number => (control >> 1) & 7;
export const frameNr = (control: number): number => (control >> 5) & 7;

/** The negotiated parameters of a UA (or SNRM) information field: 81 80 len {05 maxTx, 06 maxRx, 07 winTx, 08 winRx}. */
export function parseLinkParameters(info: Buffer): { maxInfoTx: number; maxInfoRx: number; windowTx: number; windowRx: number } {
  const p = { maxInfoTx: DEFAULT_MAX_INFO, maxInfoRx: DEFAULT_MAX_INFO, windowTx: 1, windowRx: 1 };
  if (info.length < 3 || info[0] !== 0x81 || info[1] !== 0x80) return p;
  let i = 3;
  const end = Math.min(info.length, 3 + info[2]!);
  while (i + 2 <= end) {
    const id = info[i]!;
    const len = info[i + 1]!;
    let v = 0;
    for (let k = 0; k < len; k++) v = v * 256 + (info[i + 2 + k] ?? 0);
    if (id === 0x05) p.maxInfoTx = v;
    else if (id === 0x06) p.maxInfoRx = v;
    else if (id === 0x07) p.windowTx = v;
    else if (id === 0x08) p.windowRx = v;
    i += 2 + len;
  }
  return p;
}
