/** xDLMS/ACSE APDUs against APDUs recorded from the Gurux client and server (see vectors.ts). */
import * as apdu from '../../../adapters/dlms/apdu';
import { asCosemDateTime, decodeDataFrom, dlms, encodeData } from '../../../adapters/dlms/axdr';
import { parseObjectList } from '../../../adapters/dlms/client';
import { DlmsError } from '../../../adapters/dlms';
import { wrapped } from './vectors';

const REGISTER = { classId: 3, obis: '1.0.1.8.0.255', attribute: 2 };
const INTERVAL = { classId: 7, obis: '1.0.99.1.0.255', attribute: 2 };

describe('association', () => {
  it('builds the AARQ of the Gurux client: no security, and LLS', () => {
    const initiate = apdu.encodeInitiateRequest();
    expect(apdu.encodeAarq({ ciphered: false, authentication: 'NONE', userInformation: initiate })).toEqual(wrapped('wrapper.none.aarq'));
  });

  it('reads the Gurux server AARE and InitiateResponse', () => {
    const aare = apdu.decodeAare(wrapped('wrapper.none.aare'));
    expect(aare).toMatchObject({ applicationContext: 1, result: 0, diagnosticSource: 'user', diagnostic: 0 });
    const ir = apdu.decodeInitiateResponse(aare.userInformation!);
    expect(ir).toEqual({ conformance: 0x001e1d, maxPduSize: 1024, dlmsVersion: 6 });
    expect(apdu.conformanceNames(ir.conformance)).toEqual([
      'block-transfer-with-get-or-read', 'block-transfer-with-set-or-write', 'block-transfer-with-action', 'multiple-references',
      'get', 'set', 'selective-access', 'action',
    ]);
  });

  it('builds the RLRQ of the Gurux client and reads the RLRE', () => {
    expect(apdu.encodeRlrq()).toEqual(wrapped('wrapper.release.request'));
    expect(wrapped('wrapper.release.response')[0]).toBe(apdu.Tag.RLRE);
  });

  it('reports a rejected AARE with its diagnostic', () => {
    // AARE: LN context, result 1 (rejected-permanent), acse-service-user diagnostic 13 (authentication-failure).
    const rejected = Buffer.from('6117a109060760857405080101a203020101a305a10302010d', 'hex');
    expect(apdu.decodeAare(rejected)).toMatchObject({ result: 1, diagnosticSource: 'user', diagnostic: 13 });
    expect(() => apdu.decodeAare(Buffer.from('6200', 'hex'))).toThrow(/expected AARE/);
  });
});

describe('GET', () => {
  it('builds GET-Request-Normal and decodes the response', () => {
    expect(apdu.encodeGetRequestNormal(1, REGISTER)).toEqual(wrapped('wrapper.get.register.request'));
    expect(apdu.decodeGetResponse(wrapped('wrapper.get.register.response'))).toEqual({
      kind: 'normal', invokeId: 1, result: { data: dlms.uint32(123456) },
    });
    expect(apdu.decodeGetResponse(wrapped('wrapper.get.scalerUnit.response'))).toMatchObject({
      result: { data: dlms.structure([dlms.int8(0), dlms.enum(30)]) },
    });
  });

  it('decodes a data-access-result', () => {
    expect(apdu.decodeGetResponse(wrapped('wrapper.get.undefined.response'))).toEqual({ kind: 'normal', invokeId: 1, result: { error: 4 } });
    expect(apdu.dataAccessResultName(4)).toBe('object-undefined');
  });

  it('builds selective access by range as the Gurux client does', () => {
    const access = { kind: 'range' as const, from: new Date('2026-01-02T00:00:00Z'), to: new Date('2026-01-02T01:00:00Z') };
    expect(apdu.encodeGetRequestNormal(1, INTERVAL, access).toString('hex')).toBe(wrapped('wrapper.get.range.request').toString('hex'));
    const rows = apdu.decodeGetResponse(wrapped('wrapper.get.range.response'));
    if (rows.kind !== 'normal' || !('data' in rows.result) || rows.result.data.type !== 'array') throw new Error('expected rows');
    // The Gurux server's answer: the rows from 00:00 to 01:00 inclusive.
    expect(rows.result.data.value.map((r) => (r.type === 'structure' ? asCosemDateTime(r.value[0]!)?.date?.toISOString() : undefined))).toEqual([
      '2026-01-02T00:00:00.000Z', '2026-01-02T00:15:00.000Z', '2026-01-02T00:30:00.000Z', '2026-01-02T00:45:00.000Z', '2026-01-02T01:00:00.000Z',
    ]);
  });

  it('decodes data blocks and builds GET-Request-Next as the Gurux client does', () => {
    const first = apdu.decodeGetResponse(wrapped('wrapper.get.buffer.block1'));
    const second = apdu.decodeGetResponse(wrapped('wrapper.get.buffer.block2'));
    expect(first).toMatchObject({ kind: 'block', lastBlock: false, blockNumber: 1 });
    expect(second).toMatchObject({ kind: 'block', lastBlock: false, blockNumber: 2 });
    expect(apdu.encodeGetRequestNext(1, 1)).toEqual(wrapped('wrapper.get.buffer.next'));
    if (first.kind !== 'block' || !('raw' in first.result)) throw new Error('expected raw data');
    // The first block starts the array of 960 rows (0x82 03C0).
    expect(first.result.raw.subarray(0, 4)).toEqual(Buffer.from([0x01, 0x82, 0x03, 0xc0]));
  });
});

describe('SET and ACTION', () => {
  it('builds SET-Request-Normal and reads the result', () => {
    const alarm = { classId: 1, obis: '0.0.97.98.0.255', attribute: 2 };
    expect(apdu.encodeSetRequestNormal(1, alarm, dlms.uint32(0))).toEqual(wrapped('wrapper.set.alarm.request'));
    expect(apdu.decodeSetResponse(wrapped('wrapper.set.alarm.response'))).toEqual({ invokeId: 1, result: 0 });
  });

  it('builds ACTION-Request-Normal and reads the result', () => {
    expect(apdu.encodeActionRequestNormal(1, { classId: 8, obis: '0.0.1.0.0.255', method: 1 }, dlms.int8(0))).toEqual(
      wrapped('wrapper.action.clock.request'),
    );
    expect(apdu.decodeActionResponse(wrapped('wrapper.action.clock.response'))).toEqual({ invokeId: 1, result: 0 });
  });

  it('turns exception responses into protocol errors', () => {
    expect(() => apdu.decodeGetResponse(Buffer.from('d80102', 'hex'))).toThrow(DlmsError);
    expect(() => apdu.decodeSetResponse(Buffer.from('c401c100', 'hex'))).toThrow(/expected SET-Response/);
  });
});

describe('object list', () => {
  it('parses class, version, logical name and access rights', () => {
    const entry = (classId: number, ln: number[]) =>
      dlms.structure([
        dlms.uint16(classId),
        dlms.uint8(0),
        dlms.octetString(Buffer.from(ln)),
        dlms.structure([
          dlms.array([dlms.structure([dlms.int8(1), dlms.enum(1), dlms.null()]), dlms.structure([dlms.int8(2), dlms.enum(3), dlms.null()])]),
          dlms.array([dlms.structure([dlms.int8(1), dlms.boolean(true)])]),
        ]),
      ]);
    const list = parseObjectList(decodeDataFrom(encodeData(dlms.array([entry(3, [1, 0, 1, 8, 0, 255])]))));
    expect(list).toEqual([
      { classId: 3, version: 0, obis: '1.0.1.8.0.255', attributes: [{ id: 1, access: 1 }, { id: 2, access: 3 }], methods: [{ id: 1, access: 1 }] },
    ]);
    expect(() => parseObjectList(dlms.uint8(1))).toThrow(/expected array/);
  });
});
