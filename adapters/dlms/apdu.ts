/**
 * xDLMS / ACSE APDUs with logical-name referencing: AARQ/AARE, RLRQ/RLRE, GET (normal, next, with
 * datablock), SET, ACTION, and the error APDUs. Pure functions from values to bytes and back.
 */
import { decodeData, encodeCosemDateTime, encodeData, encodeLength, obisToBytes, Reader } from './axdr';
import { DlmsError } from './errors';
import type { CosemAttribute, CosemMethod, DlmsAuthentication, DlmsData, SelectiveAccess } from './types';

export const Tag = {
  AARQ: 0x60,
  AARE: 0x61,
  RLRQ: 0x62,
  RLRE: 0x63,
  INITIATE_REQUEST: 0x01,
  INITIATE_RESPONSE: 0x08,
  CONFIRMED_SERVICE_ERROR: 0x0e,
  GET_REQUEST: 0xc0,
  SET_REQUEST: 0xc1,
  ACTION_REQUEST: 0xc3,
  GET_RESPONSE: 0xc4,
  SET_RESPONSE: 0xc5,
  ACTION_RESPONSE: 0xc7,
  EXCEPTION_RESPONSE: 0xd8,
} as const;

/** Application context names (2.16.756.5.8.1.x): LN without / with ciphering. */
const CONTEXT_PREFIX = [0x60, 0x85, 0x74, 0x05, 0x08];
export const APPLICATION_CONTEXT = { LN: 1, LN_CIPHERED: 3 } as const;
/** Mechanism names (2.16.756.5.8.2.x). */
export const MECHANISM: Readonly<Record<DlmsAuthentication, number>> = { NONE: 0, LOW: 1, HIGH_GMAC: 5 };

/**
 * Proposed conformance (24-bit string, bit 0 first): block-transfer-with-get (11), -with-set (12),
 * -with-action (13), multiple-references (14), get (19), set (20), selective-access (21), action (23)
 * plus attribute0-with-get (10) and priority-mgmt (9) and event-notification (22).
 */
export const PROPOSED_CONFORMANCE = 0x007e1f;
export const DEFAULT_MAX_PDU_SIZE = 0xffff;

export const CONFORMANCE_BITS: readonly string[] = [
  'reserved-zero', 'general-protection', 'general-block-transfer', 'read', 'write', 'unconfirmed-write',
  'delta-value-encoding', 'reserved-seven', 'attribute0-supported-with-set', 'priority-mgmt-supported',
  'attribute0-supported-with-get', 'block-transfer-with-get-or-read', 'block-transfer-with-set-or-write',
  'block-transfer-with-action', 'multiple-references', 'information-report', 'data-notification', 'access',
  'parameterized-access', 'get', 'set', 'selective-access', 'event-notification', 'action',
];

export function conformanceNames(bits: number): string[] {
  return CONFORMANCE_BITS.filter((_, i) => (bits >> (23 - i)) & 1);
}

const tlv = (tag: number, value: Buffer): Buffer => Buffer.concat([Buffer.from([tag]), encodeLength(value.length), value]);

/** xDLMS InitiateRequest (plain), with the dedicated key for ded-ciphering when given. */
export function encodeInitiateRequest(maxPduSize = DEFAULT_MAX_PDU_SIZE, conformance = PROPOSED_CONFORMANCE, dedicatedKey?: Buffer): Buffer {
  return Buffer.from([
    Tag.INITIATE_REQUEST,
    ...(dedicatedKey ? [0x01, dedicatedKey.length, ...dedicatedKey] : [0x00]), // dedicated-key
    0x00, // response-allowed: default (TRUE)
    0x00, // proposed-quality-of-service absent
    0x06, // proposed-dlms-version-number
    0x5f, 0x1f, 0x04, 0x00, // [APPLICATION 31] conformance: 4 bytes, 0 unused bits
    (conformance >> 16) & 0xff, (conformance >> 8) & 0xff, conformance & 0xff,
    (maxPduSize >> 8) & 0xff, maxPduSize & 0xff,
  ]);
}

export interface AarqOptions {
  ciphered: boolean;
  authentication: DlmsAuthentication;
  /** LLS password or HLS CtoS challenge. */
  callingAuthenticationValue?: Buffer;
  /** Calling AP title (client system title), sent when ciphered. */
  clientSystemTitle?: Buffer;
  /** Plain InitiateRequest, or its glo-ciphered form. */
  userInformation: Buffer;
}

export function encodeAarq(o: AarqOptions): Buffer {
  const parts: Buffer[] = [
    tlv(0xa1, tlv(0x06, Buffer.from([...CONTEXT_PREFIX, 0x01, o.ciphered ? APPLICATION_CONTEXT.LN_CIPHERED : APPLICATION_CONTEXT.LN]))),
  ];
  if (o.clientSystemTitle) parts.push(tlv(0xa6, tlv(0x04, o.clientSystemTitle)));
  if (o.authentication !== 'NONE') {
    parts.push(Buffer.from([0x8a, 0x02, 0x07, 0x80])); // sender-acse-requirements: authentication
    parts.push(tlv(0x8b, Buffer.from([...CONTEXT_PREFIX, 0x02, MECHANISM[o.authentication]])));
    parts.push(tlv(0xac, tlv(0x80, o.callingAuthenticationValue ?? Buffer.alloc(0))));
  }
  parts.push(tlv(0xbe, tlv(0x04, o.userInformation)));
  return tlv(Tag.AARQ, Buffer.concat(parts));
}

export interface Aare {
  applicationContext?: number;
  result: number;
  /** 'user' (acse-service-user) or 'provider' (acse-service-provider). */
  diagnosticSource: 'user' | 'provider';
  diagnostic: number;
  respondingApTitle?: Buffer;
  mechanism?: number;
  /** HLS StoC challenge. */
  respondingAuthenticationValue?: Buffer;
  userInformation?: Buffer;
}

/** Result-source-diagnostic values of acse-service-user that concern authentication. */
export const ACSE_USER_DIAGNOSTIC: Readonly<Record<number, string>> = {
  0: 'null',
  1: 'no-reason-given',
  2: 'application-context-name-not-supported',
  11: 'authentication-mechanism-name-not-recognised',
  12: 'authentication-mechanism-name-required',
  13: 'authentication-failure',
  14: 'authentication-required',
};

export function decodeAare(apdu: Buffer): Aare {
  const r = new Reader(apdu);
  if (r.u8() !== Tag.AARE) throw new DlmsError('PROTOCOL', `expected AARE (0x61), got 0x${apdu[0]?.toString(16)}`);
  const body = new Reader(r.bytes(r.length()));
  const aare: Aare = { result: -1, diagnosticSource: 'user', diagnostic: -1 };
  while (body.remaining > 0) {
    const tag = body.u8();
    const value = new Reader(body.bytes(body.length()));
    switch (tag) {
      case 0xa1: {
        value.u8(); // 06
        const oid = value.bytes(value.length());
        aare.applicationContext = oid[oid.length - 1];
        break;
      }
      case 0xa2: // result: 02 01 x
        value.u8();
        value.length();
        aare.result = value.u8();
        break;
      case 0xa3: {
        const choice = value.u8(); // a1 user / a2 provider
        value.length();
        value.u8(); // 02
        value.length();
        aare.diagnosticSource = choice === 0xa2 ? 'provider' : 'user';
        aare.diagnostic = value.u8();
        break;
      }
      case 0xa4: // responding-AP-title: 04 len title
        value.u8();
        aare.respondingApTitle = value.bytes(value.length());
        break;
      case 0x89: {
        const oid = value.rest();
        aare.mechanism = oid[oid.length - 1];
        break;
      }
      case 0xaa: // responding-authentication-value: 80 len value
        value.u8();
        aare.respondingAuthenticationValue = value.bytes(value.length());
        break;
      case 0xbe: // user-information: 04 len xDLMS APDU
        value.u8();
        aare.userInformation = value.bytes(value.length());
        break;
      default:
        break; // responder-acse-requirements (88) and others
    }
  }
  if (aare.result < 0) throw new DlmsError('PROTOCOL', 'AARE without association result');
  return aare;
}

export interface InitiateResponse {
  conformance: number;
  maxPduSize: number;
  dlmsVersion: number;
}

export function decodeInitiateResponse(apdu: Buffer): InitiateResponse {
  const r = new Reader(apdu);
  const tag = r.u8();
  if (tag === Tag.CONFIRMED_SERVICE_ERROR) {
    throw new DlmsError('ASSOCIATION_REJECTED', `the meter answered the initiate request with a confirmed service error (${Array.from(r.rest()).join(' ')})`);
  }
  if (tag !== Tag.INITIATE_RESPONSE) throw new DlmsError('PROTOCOL', `expected InitiateResponse (0x08), got 0x${tag.toString(16)}`);
  if (r.u8() !== 0) r.u8(); // negotiated-quality-of-service
  const dlmsVersion = r.u8();
  if (r.u8() !== 0x5f || r.u8() !== 0x1f) throw new DlmsError('PROTOCOL', 'InitiateResponse without conformance block');
  r.u8(); // length 4
  r.u8(); // unused bits
  const conformance = (r.u8() << 16) | (r.u8() << 8) | r.u8();
  return { conformance, maxPduSize: r.u16(), dlmsVersion };
}

/** RLRQ with reason normal. */
export function encodeRlrq(): Buffer {
  return Buffer.from([Tag.RLRQ, 0x03, 0x80, 0x01, 0x00]);
}

// ---------------------------------------------------------------------------------------------------------
// GET / SET / ACTION
// ---------------------------------------------------------------------------------------------------------
/** invoke-id-and-priority: high priority, confirmed, invoke id 0..15. */
export const invokeIdAndPriority = (invokeId: number): number => 0xc0 | (invokeId & 0x0f);

function attributeDescriptor(a: CosemAttribute | CosemMethod, id: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(a.classId, 0);
  return Buffer.concat([b, obisToBytes(a.obis), Buffer.from([id])]);
}

const CLOCK_TIME: CosemAttribute = { classId: 8, obis: '0.0.1.0.0.255', attribute: 2 };

function captureObjectDefinition(a: CosemAttribute): DlmsData {
  return {
    type: 'structure',
    value: [
      { type: 'uint16', value: a.classId },
      { type: 'octet-string', value: obisToBytes(a.obis) },
      { type: 'int8', value: a.attribute },
      { type: 'uint16', value: 0 },
    ],
  };
}

/** Selective access by range (selector 1): restricting object, from, to, selected values. */
export function encodeRangeDescriptor(access: SelectiveAccess): Buffer {
  // Second resolution: hundredths "not specified" (0xFF), as the Gurux client sends them.
  const rangeTime = (d: Date): Buffer => {
    const b = encodeCosemDateTime(d);
    b[8] = 0xff;
    return b;
  };
  const value: DlmsData = {
    type: 'structure',
    value: [
      captureObjectDefinition(access.restrictingObject ?? CLOCK_TIME),
      { type: 'octet-string', value: rangeTime(access.from) },
      { type: 'octet-string', value: rangeTime(access.to) },
      { type: 'array', value: (access.columns ?? []).map(captureObjectDefinition) },
    ],
  };
  return Buffer.concat([Buffer.from([0x01, 0x01]), encodeData(value)]); // access-selection present, selector 1
}

export function encodeGetRequestNormal(invokeId: number, a: CosemAttribute, access?: SelectiveAccess): Buffer {
  return Buffer.concat([
    Buffer.from([Tag.GET_REQUEST, 0x01, invokeIdAndPriority(invokeId)]),
    attributeDescriptor(a, a.attribute),
    access ? encodeRangeDescriptor(access) : Buffer.from([0x00]),
  ]);
}

export function encodeGetRequestNext(invokeId: number, blockNumber: number): Buffer {
  const b = Buffer.alloc(7);
  b[0] = Tag.GET_REQUEST;
  b[1] = 0x02;
  b[2] = invokeIdAndPriority(invokeId);
  b.writeUInt32BE(blockNumber, 3);
  return b;
}

export function encodeSetRequestNormal(invokeId: number, a: CosemAttribute, value: DlmsData): Buffer {
  return Buffer.concat([
    Buffer.from([Tag.SET_REQUEST, 0x01, invokeIdAndPriority(invokeId)]),
    attributeDescriptor(a, a.attribute),
    Buffer.from([0x00]), // no access selection
    encodeData(value),
  ]);
}

export function encodeActionRequestNormal(invokeId: number, m: CosemMethod, parameter?: DlmsData): Buffer {
  return Buffer.concat([
    Buffer.from([Tag.ACTION_REQUEST, 0x01, invokeIdAndPriority(invokeId)]),
    attributeDescriptor(m, m.method),
    parameter ? Buffer.concat([Buffer.from([0x01]), encodeData(parameter)]) : Buffer.from([0x00]),
  ]);
}

export const DATA_ACCESS_RESULT: Readonly<Record<number, string>> = {
  0: 'success',
  1: 'hardware-fault',
  2: 'temporary-failure',
  3: 'read-write-denied',
  4: 'object-undefined',
  9: 'object-class-inconsistent',
  11: 'object-unavailable',
  12: 'type-unmatched',
  13: 'scope-of-access-violated',
  14: 'data-block-unavailable',
  15: 'long-get-aborted',
  16: 'no-long-get-in-progress',
  17: 'long-set-aborted',
  18: 'no-long-set-in-progress',
  19: 'data-block-number-invalid',
  250: 'other-reason',
};
export const dataAccessResultName = (code: number): string => DATA_ACCESS_RESULT[code] ?? `result-${code}`;

export type GetResponse =
  | { kind: 'normal'; invokeId: number; result: { data: DlmsData } | { error: number } }
  | { kind: 'block'; invokeId: number; lastBlock: boolean; blockNumber: number; result: { raw: Buffer } | { error: number } };

/** Rejects the error APDUs a meter may send instead of the expected response. */
function checkErrorApdu(apdu: Buffer): void {
  if (apdu[0] === Tag.EXCEPTION_RESPONSE) {
    throw new DlmsError('PROTOCOL', `the meter sent an exception response (state-error ${apdu[1]}, service-error ${apdu[2]})`);
  }
  if (apdu[0] === Tag.CONFIRMED_SERVICE_ERROR) {
    throw new DlmsError('PROTOCOL', `the meter sent a confirmed service error (${Array.from(apdu.subarray(1)).join(' ')})`);
  }
}

export function decodeGetResponse(apdu: Buffer): GetResponse {
  checkErrorApdu(apdu);
  const r = new Reader(apdu);
  if (r.u8() !== Tag.GET_RESPONSE) throw new DlmsError('PROTOCOL', `expected GET-Response (0xC4), got 0x${apdu[0]?.toString(16)}`);
  const type = r.u8();
  const invokeId = r.u8() & 0x0f;
  if (type === 0x01) {
    const choice = r.u8();
    return { kind: 'normal', invokeId, result: choice === 0 ? { data: decodeData(r) } : { error: r.u8() } };
  }
  if (type === 0x02) {
    const lastBlock = r.u8() !== 0;
    const blockNumber = r.u32();
    const choice = r.u8();
    return { kind: 'block', invokeId, lastBlock, blockNumber, result: choice === 0 ? { raw: r.bytes(r.length()) } : { error: r.u8() } };
  }
  throw new DlmsError('PROTOCOL', `unsupported GET-Response type ${type}`);
}

export function decodeSetResponse(apdu: Buffer): { invokeId: number; result: number } {
  checkErrorApdu(apdu);
  const r = new Reader(apdu);
  if (r.u8() !== Tag.SET_RESPONSE) throw new DlmsError('PROTOCOL', `expected SET-Response (0xC5), got 0x${apdu[0]?.toString(16)}`);
  const type = r.u8();
  if (type !== 0x01) throw new DlmsError('PROTOCOL', `unsupported SET-Response type ${type}`);
  return { invokeId: r.u8() & 0x0f, result: r.u8() };
}

export function decodeActionResponse(apdu: Buffer): { invokeId: number; result: number; returned?: { data: DlmsData } | { error: number } } {
  checkErrorApdu(apdu);
  const r = new Reader(apdu);
  if (r.u8() !== Tag.ACTION_RESPONSE) throw new DlmsError('PROTOCOL', `expected ACTION-Response (0xC7), got 0x${apdu[0]?.toString(16)}`);
  const type = r.u8();
  if (type !== 0x01) throw new DlmsError('PROTOCOL', `unsupported ACTION-Response type ${type}`);
  const invokeId = r.u8() & 0x0f;
  const result = r.u8();
  if (r.remaining === 0 || r.u8() === 0) return { invokeId, result };
  const choice = r.u8();
  return { invokeId, result, returned: choice === 0 ? { data: decodeData(r) } : { error: r.u8() } };
}
