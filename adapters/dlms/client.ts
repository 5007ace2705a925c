/**
 * associate(): opens the link, runs AARQ/AARE (and HLS pass 3/4), and returns a DlmsAssociation whose
 * requests are serialised (one outstanding request per association, as xDLMS requires).
 */
import * as crypto from 'node:crypto';
import * as apdu from './apdu';
import { decodeDataFrom, obisFromBytes } from './axdr';
import { DlmsError } from './errors';
import { openLink, type DlmsLink } from './link';
import { CIPHERED_TAGS, decryptApdu, encryptApdu, hlsGmac, SC_AUTHENTICATION } from './security';
import type {
  CosemAttribute,
  CosemMethod,
  CosemObjectDescriptor,
  DlmsAssociation,
  DlmsConnectionSettings,
  DlmsData,
  DlmsKeys,
  SelectiveAccess,
} from './types';

/** Client system title used for HLS when the settings name none ("OSG" 00 00 00 00 01). */
export const DEFAULT_CLIENT_SYSTEM_TITLE = Buffer.from([0x4f, 0x53, 0x47, 0x00, 0x00, 0x00, 0x00, 0x01]);
export const ASSOCIATION_LN: CosemAttribute = { classId: 15, obis: '0.0.40.0.0.255', attribute: 2 };
const MAX_BLOCKS = 100_000;

interface Security {
  keys: DlmsKeys;
  dedicatedKey?: Buffer;
  clientSystemTitle: Buffer;
  serverSystemTitle: Buffer;
}

export interface DlmsAssociationInfo {
  /** Negotiated conformance (names of the bits) and the meter's max receive PDU size. */
  conformance: string[];
  maxPduSize: number;
  /** The next invocation counter this client will use (persist it for meters that check it). */
  invocationCounter: number;
}

class Association implements DlmsAssociation {
  private queue: Promise<unknown> = Promise.resolve();
  private invokeId = 1;
  private released = false;
  security?: Security;
  conformance = 0;
  maxPduSize = 0;

  constructor(
    private readonly link: DlmsLink,
    public invocationCounter: number,
  ) {}

  get serverSystemTitle(): Buffer | undefined {
    return this.security ? Buffer.from(this.security.serverSystemTitle) : undefined;
  }

  get info(): DlmsAssociationInfo {
    return { conformance: apdu.conformanceNames(this.conformance), maxPduSize: this.maxPduSize, invocationCounter: this.invocationCounter };
  }

  /** Runs `fn` after every earlier request finished. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private nextInvokeId(): number {
    this.invokeId = (this.invokeId + 1) & 0x0f;
    return this.invokeId;
  }

  /** Sends one xDLMS APDU (ciphered when the association is) and returns the plain response. */
  async exchange(request: Buffer): Promise<Buffer> {
    if (this.released) throw new DlmsError('CONNECTION', 'the association has been released');
    const s = this.security;
    const wire = s ? encryptApdu(request, s.keys, s.clientSystemTitle, this.invocationCounter++, s.dedicatedKey) : request;
    const response = await this.link.request(wire);
    if (response.length === 0) throw new DlmsError('PROTOCOL', 'empty APDU from the meter');
    if (CIPHERED_TAGS.has(response[0]!)) {
      if (!s) throw new DlmsError('PROTOCOL', 'the meter sent a ciphered APDU on an unciphered association');
      return decryptApdu(response, s.keys, s.serverSystemTitle, s.dedicatedKey).apdu;
    }
    if (s && response[0] !== apdu.Tag.EXCEPTION_RESPONSE && response[0] !== apdu.Tag.CONFIRMED_SERVICE_ERROR) {
      throw new DlmsError('PROTOCOL', `the meter answered in clear (0x${response[0]!.toString(16)}) on a ciphered association`);
    }
    return response;
  }

  get(attribute: CosemAttribute, access?: SelectiveAccess): Promise<DlmsData> {
    return this.serial(() => this.getNow(attribute, access));
  }

  private async getNow(attribute: CosemAttribute, access?: SelectiveAccess): Promise<DlmsData> {
    const id = this.nextInvokeId();
    const what = `${attribute.classId}/${attribute.obis}/${attribute.attribute}`;
    let response = checkInvokeId(id, apdu.decodeGetResponse(await this.exchange(apdu.encodeGetRequestNormal(id, attribute, access))));
    if (response.kind === 'normal') {
      if ('error' in response.result) throw dataAccessError(`GET ${what}`, response.result.error);
      return response.result.data;
    }
    const blocks: Buffer[] = [];
    for (let expected = 1; ; expected++) {
      if (response.kind !== 'block') throw new DlmsError('PROTOCOL', `GET ${what}: expected a data block, got a normal response`);
      if ('error' in response.result) throw dataAccessError(`GET ${what} (block ${response.blockNumber})`, response.result.error);
      if (response.blockNumber !== expected) {
        throw new DlmsError('PROTOCOL', `GET ${what}: block ${response.blockNumber} received, expected ${expected}`);
      }
      blocks.push(response.result.raw);
      if (response.lastBlock) break;
      if (expected >= MAX_BLOCKS) throw new DlmsError('PROTOCOL', `GET ${what}: more than ${MAX_BLOCKS} blocks`);
      response = checkInvokeId(id, apdu.decodeGetResponse(await this.exchange(apdu.encodeGetRequestNext(id, response.blockNumber))));
    }
    return decodeDataFrom(Buffer.concat(blocks));
  }

  set(attribute: CosemAttribute, value: DlmsData): Promise<void> {
    return this.serial(async () => {
      const id = this.nextInvokeId();
      const request = apdu.encodeSetRequestNormal(id, attribute, value);
      if (this.maxPduSize && request.length > this.maxPduSize) {
        throw new DlmsError('PROTOCOL', `SET of ${request.length} bytes exceeds the meter's PDU size ${this.maxPduSize} (SET with block transfer is not implemented)`);
      }
      const r = checkInvokeId(id, apdu.decodeSetResponse(await this.exchange(request)));
      if (r.result !== 0) throw dataAccessError(`SET ${attribute.classId}/${attribute.obis}/${attribute.attribute}`, r.result);
    });
  }

  action(method: CosemMethod, parameter?: DlmsData): Promise<DlmsData | undefined> {
    return this.serial(() => this.actionNow(method, parameter));
  }

  private async actionNow(method: CosemMethod, parameter?: DlmsData): Promise<DlmsData | undefined> {
    const id = this.nextInvokeId();
    const r = checkInvokeId(id, apdu.decodeActionResponse(await this.exchange(apdu.encodeActionRequestNormal(id, method, parameter))));
    const what = `ACTION ${method.classId}/${method.obis}/${method.method}`;
    if (r.result !== 0) throw dataAccessError(what, r.result);
    if (r.returned && 'error' in r.returned) throw dataAccessError(what, r.returned.error);
    return r.returned?.data;
  }

  async objectList(): Promise<CosemObjectDescriptor[]> {
    return parseObjectList(await this.get(ASSOCIATION_LN));
  }

  release(): Promise<void> {
    return this.serial(async () => {
      if (this.released) return;
      try {
        if (!this.link.closed) {
          const rlre = await this.link.request(apdu.encodeRlrq());
          if (rlre[0] !== apdu.Tag.RLRE) throw new DlmsError('PROTOCOL', `expected RLRE, got 0x${rlre[0]?.toString(16)}`);
        }
      } catch {
        // Releasing is best effort: the link is closed below either way.
      } finally {
        this.released = true;
        await this.link.close();
      }
    });
  }

  /** Closes the link without RLRQ (after a failed association). */
  async abort(): Promise<void> {
    this.released = true;
    await this.link.close();
  }
}

function checkInvokeId<T extends { invokeId: number }>(expected: number, response: T): T {
  if (response.invokeId !== expected) {
    throw new DlmsError('PROTOCOL', `response for invoke id ${response.invokeId}, expected ${expected}`);
  }
  return response;
}

function dataAccessError(what: string, code: number): DlmsError {
  const name = apdu.dataAccessResultName(code);
  return new DlmsError('DATA_ACCESS', `${what} failed: ${name}`, name);
}

/** The association's object_list (class 15 attribute 2). */
export function parseObjectList(data: DlmsData): CosemObjectDescriptor[] {
  if (data.type !== 'array') throw new DlmsError('PROTOCOL', `object list is ${data.type}, expected array`);
  const num = (d: DlmsData | undefined): number => {
    if (d && (d.type === 'uint8' || d.type === 'uint16' || d.type === 'int8' || d.type === 'enum' || d.type === 'int16')) return d.value;
    if (d && d.type === 'boolean') return d.value ? 1 : 0;
    throw new DlmsError('PROTOCOL', `object list: expected a number, got ${d?.type}`);
  };
  return data.value.map((entry) => {
    if (entry.type !== 'structure' || entry.value.length < 4) throw new DlmsError('PROTOCOL', 'object list entry is not a structure of 4');
    const [classId, version, ln, rights] = entry.value;
    if (ln?.type !== 'octet-string') throw new DlmsError('PROTOCOL', 'object list entry without logical name');
    const accessItems = (d: DlmsData | undefined): { id: number; access: number }[] =>
      d?.type === 'array'
        ? d.value.map((item) => {
            if (item.type !== 'structure') throw new DlmsError('PROTOCOL', 'access item is not a structure');
            return { id: num(item.value[0]), access: num(item.value[1]) };
          })
        : [];
    const r = rights?.type === 'structure' ? rights.value : [];
    return {
      classId: num(classId),
      version: num(version),
      obis: obisFromBytes(ln.value),
      attributes: accessItems(r[0]),
      methods: accessItems(r[1]),
    };
  });
}

function validate(settings: DlmsConnectionSettings): void {
  if (settings.authentication === 'LOW' && !settings.password) {
    throw new DlmsError('ASSOCIATION_REJECTED', 'LLS needs a password in the connection settings');
  }
  if (settings.authentication === 'HIGH_GMAC') {
    const k = settings.keys;
    if (!k || k.authenticationKey.length !== 16 || k.blockCipherKey.length !== 16) {
      throw new DlmsError('ASSOCIATION_REJECTED', 'HLS GMAC needs an authentication key and a block cipher key of 16 bytes each');
    }
    if (settings.clientSystemTitle && settings.clientSystemTitle.length !== 8) {
      throw new DlmsError('ASSOCIATION_REJECTED', 'the client system title must be 8 bytes');
    }
  }
}

/** Opens the transport, associates (AARQ/AARE, HLS pass 3/4 when asked) and returns the association. */
export async function associate(settings: DlmsConnectionSettings): Promise<DlmsAssociation & { readonly info: DlmsAssociationInfo }> {
  validate(settings);
  const link = await openLink(settings);
  const association = new Association(link, settings.invocationCounter ?? 1);
  try {
    await establish(association, link, settings);
    return association;
  } catch (e) {
    await association.abort();
    throw e;
  }
}

async function establish(association: Association, link: DlmsLink, settings: DlmsConnectionSettings): Promise<void> {
  const hls = settings.authentication === 'HIGH_GMAC';
  const keys = settings.keys;
  const clientSystemTitle = settings.clientSystemTitle ?? DEFAULT_CLIENT_SYSTEM_TITLE;
  const ctos = hls ? crypto.randomBytes(16) : undefined;
  const dedicatedKey = hls && settings.ciphering === 'DEDICATED' ? crypto.randomBytes(16) : undefined;
  const initiate = apdu.encodeInitiateRequest(settings.maxPduSize ?? apdu.DEFAULT_MAX_PDU_SIZE, apdu.PROPOSED_CONFORMANCE, dedicatedKey);
  const userInformation = hls && keys ? encryptApdu(initiate, keys, clientSystemTitle, association.invocationCounter++) : initiate;
  const aarq = apdu.encodeAarq({
    ciphered: hls,
    authentication: settings.authentication,
    callingAuthenticationValue: settings.authentication === 'LOW' ? settings.password : ctos,
    clientSystemTitle: hls ? clientSystemTitle : undefined,
    userInformation,
  });
  const answer = await link.request(aarq);
  if (answer[0] === apdu.Tag.EXCEPTION_RESPONSE) {
    const detail = `state-error ${answer[1]}, service-error ${answer[2]}`;
    if (hls) throw new DlmsError('DECRYPTION_FAILED', `the meter could not decipher the association request (${detail}): it holds other keys`);
    throw new DlmsError('ASSOCIATION_REJECTED', `the meter answered the association request with an exception response (${detail})`);
  }
  const aare = apdu.decodeAare(answer);
  const serverSystemTitle = aare.respondingApTitle;

  let initiateResponse: Buffer | undefined = aare.userInformation;
  if (initiateResponse && CIPHERED_TAGS.has(initiateResponse[0]!)) {
    if (!keys || !serverSystemTitle) throw new DlmsError('PROTOCOL', 'ciphered AARE without keys or responding AP title');
    initiateResponse = decryptApdu(initiateResponse, keys, serverSystemTitle).apdu;
  }

  if (aare.result !== 0) {
    const diagnostic = aare.diagnosticSource === 'user' ? apdu.ACSE_USER_DIAGNOSTIC[aare.diagnostic] ?? `diagnostic ${aare.diagnostic}` : `provider diagnostic ${aare.diagnostic}`;
    if (aare.diagnosticSource === 'user' && (aare.diagnostic === 13 || aare.diagnostic === 11 || aare.diagnostic === 12)) {
      throw new DlmsError('AUTHENTICATION_FAILED', `the meter rejected the authentication (${diagnostic})`);
    }
    if (initiateResponse?.[0] === apdu.Tag.CONFIRMED_SERVICE_ERROR) {
      throw new DlmsError('ASSOCIATION_REJECTED', `the meter rejected the association (${diagnostic}; initiate error ${Array.from(initiateResponse.subarray(1)).join(' ')})`);
    }
    throw new DlmsError('ASSOCIATION_REJECTED', `the meter rejected the association (${diagnostic})`);
  }
  if (!initiateResponse) throw new DlmsError('PROTOCOL', 'AARE without an InitiateResponse');
  const ir = apdu.decodeInitiateResponse(initiateResponse);
  association.conformance = ir.conformance;
  association.maxPduSize = ir.maxPduSize;

  if (!hls) return;
  if (!keys || !serverSystemTitle || serverSystemTitle.length !== 8) {
    throw new DlmsError('PROTOCOL', 'HLS association without the meter\'s system title');
  }
  const stoc = aare.respondingAuthenticationValue;
  if (!stoc) throw new DlmsError('PROTOCOL', 'HLS AARE without a StoC challenge');
  association.security = { keys, clientSystemTitle, serverSystemTitle, dedicatedKey };

  // Pass 3: f(StoC) = SC || IC || GMAC(SC || AK || StoC), sent with reply_to_HLS_authentication.
  const ic = association.invocationCounter++;
  const icBytes = Buffer.alloc(4);
  icBytes.writeUInt32BE(ic >>> 0, 0);
  const fStoC = Buffer.concat([Buffer.from([SC_AUTHENTICATION]), icBytes, hlsGmac(keys, clientSystemTitle, ic, stoc)]);
  let reply: DlmsData | undefined;
  try {
    reply = await association.action({ classId: 15, obis: '0.0.40.0.0.255', method: 1 }, { type: 'octet-string', value: fStoC });
  } catch (e) {
    if (e instanceof DlmsError && e.code === 'DATA_ACCESS') {
      throw new DlmsError('AUTHENTICATION_FAILED', `the meter did not accept HLS pass 3 (${e.dataAccessResult})`, undefined, { cause: e });
    }
    throw e;
  }
  // Pass 4: the meter's f(CtoS) with its system title and invocation counter.
  if (!reply || reply.type !== 'octet-string' || reply.value.length !== 17 || reply.value[0] !== SC_AUTHENTICATION) {
    throw new DlmsError('AUTHENTICATION_FAILED', 'the meter did not return a valid f(CtoS) in HLS pass 4');
  }
  const serverIc = reply.value.readUInt32BE(1);
  const expected = hlsGmac(keys, serverSystemTitle, serverIc, ctos!);
  if (!crypto.timingSafeEqual(expected, reply.value.subarray(5))) {
    throw new DlmsError('AUTHENTICATION_FAILED', 'the meter\'s f(CtoS) does not verify: it does not hold the same keys');
  }
}
