/**
 * Standing fuzz suite of the DLMS client's decoders (issue 10): malformed wrapper and HDLC frames, APDUs,
 * A-XDR data and ciphered APDUs, random and mutated from valid ones. A decoder either returns or throws a
 * DlmsError; any other exception (a RangeError from a Buffer read, a stack overflow) would end an
 * association with an error the adapter cannot classify, or worse. Seeded: see test/support/fuzz.ts.
 */
import fc from 'fast-check';
import { decodeAare, decodeActionResponse, decodeGetResponse, decodeInitiateResponse, decodeSetResponse } from '../../../adapters/dlms/apdu';
import { decodeCosemDateTime, decodeDataFrom, encodeData } from '../../../adapters/dlms/axdr';
import { parseObjectList } from '../../../adapters/dlms/client';
import { DlmsError } from '../../../adapters/dlms/errors';
import { encodeFrame, parseLinkParameters, takeFrame } from '../../../adapters/dlms/hdlc';
import { decryptApdu, encryptApdu } from '../../../adapters/dlms/security';
import type { DlmsData } from '../../../adapters/dlms/types';
import { encodeWrapper, takeWrapperFrame } from '../../../adapters/dlms/wrapper';
import { fuzzCases, fuzzSeed } from '../../support/fuzz';

const seed = fuzzSeed('DLMS decoders');
const runs = fuzzCases(3_000);
const keys = { authenticationKey: Buffer.alloc(16, 0x11), blockCipherKey: Buffer.alloc(16, 0x22) };
const systemTitle = Buffer.from('4d4d4d0000bc614e', 'hex');

/** A-XDR data of every kind the decoder knows, nested. */
const dlmsData: fc.Arbitrary<DlmsData> = fc.letrec<{ data: DlmsData }>((tie) => ({
  data: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant<DlmsData>({ type: 'null' }),
    fc.boolean().map<DlmsData>((value) => ({ type: 'boolean', value })),
    fc.integer({ min: 0, max: 255 }).map<DlmsData>((value) => ({ type: 'uint8', value })),
    fc.integer({ min: 0, max: 0xffff }).map<DlmsData>((value) => ({ type: 'uint16', value })),
    fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map<DlmsData>((value) => ({ type: 'int32', value })),
    fc.uint8Array({ maxLength: 20 }).map<DlmsData>((value) => ({ type: 'octet-string', value: Buffer.from(value) })),
    fc.array(tie('data'), { maxLength: 4 }).map<DlmsData>((value) => ({ type: 'array', value })),
    fc.array(tie('data'), { maxLength: 4 }).map<DlmsData>((value) => ({ type: 'structure', value })),
  ),
})).data;

const bytes = (maxLength = 300) => fc.uint8Array({ maxLength }).map((array) => Buffer.from(array));

/** A valid sample with a few bytes changed, cut short, or with bytes added. */
function mutated(valid: fc.Arbitrary<Buffer>): fc.Arbitrary<Buffer> {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  );
  return fc.tuple(valid, fc.array(edit, { minLength: 1, maxLength: 4 })).map(([sample, edits]) => {
    let b = Buffer.from(sample);
    for (const e of edits) {
      const at = b.length === 0 ? 0 : e.at % b.length;
      if (e.kind === 'set' && b.length > 0) b[at] = e.value;
      else if (e.kind === 'cut') b = b.subarray(0, at);
      else if (e.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from([e.value]), b.subarray(at)]);
    }
    return b;
  });
}

const anyOf = (valid: fc.Arbitrary<Buffer>) => fc.oneof(bytes(), mutated(valid));
const encodedData = dlmsData.map((data) => encodeData(data));
const getResponse = encodedData.map((data) => Buffer.concat([Buffer.from([0xc4, 0x01, 0xc1, 0x00]), data]));
const getResponseBlock = bytes(60).map((raw) =>
  Buffer.concat([Buffer.from([0xc4, 0x02, 0xc1, 0x01, 0, 0, 0, 1, 0x00, raw.length]), raw]),
);
const actionResponse = encodedData.map((data) => Buffer.concat([Buffer.from([0xc7, 0x01, 0xc1, 0x00, 0x01, 0x00]), data]));
const aare = fc.constant(
  Buffer.from('6129a109060760857405080101a203020100a305a103020100be10040e0800065f1f040000181d00800007', 'hex'),
);
const initiateResponse = fc.constant(Buffer.from('0800065f1f040000181d00800007', 'hex'));
const hdlcFrame = fc
  .record({ control: fc.integer({ min: 0, max: 255 }), segmented: fc.boolean(), info: bytes(120) })
  .map((f) => encodeFrame({ destination: Buffer.from([0x03]), source: Buffer.from([0x00, 0x02, 0x23]), ...f }));
const linkParameters = fc.constant(Buffer.from('818012050180060180070400000001080400000001', 'hex'));
const wrapperFrame = bytes(100).map((apdu) => encodeWrapper({ source: 1, destination: 16, apdu }));
const ciphered = fc
  .tuple(getResponse, fc.integer({ min: 0, max: 2 ** 32 - 1 }))
  .map(([apdu, counter]) => encryptApdu(apdu, keys, systemTitle, counter));
/** Arrays of one element inside each other, `depth` deep, around a null: two bytes a level. */
const nestedArrays = (depth: number) => Buffer.concat([Buffer.alloc(depth * 2).fill(Buffer.from([0x01, 0x01])), Buffer.from([0x00])]);

/** The property every decoder keeps: a result, or a DlmsError; never another exception. */
function returnsOrThrowsDlmsError(decode: (input: Buffer) => unknown): (input: Buffer) => void {
  return (input) => {
    try {
      decode(input);
    } catch (error) {
      if (!(error instanceof DlmsError)) throw new Error(`${(error as Error).name}: ${(error as Error).message} for ${input.toString('hex')}`);
    }
  };
}

const cases: Array<[string, fc.Arbitrary<Buffer>, (input: Buffer) => unknown]> = [
  ['wrapper frames', anyOf(wrapperFrame), takeWrapperFrame],
  ['HDLC frames', anyOf(hdlcFrame), takeFrame],
  ['HDLC link parameters', anyOf(linkParameters), parseLinkParameters],
  ['AARE', anyOf(aare), decodeAare],
  ['InitiateResponse', anyOf(initiateResponse), decodeInitiateResponse],
  ['GET-Response normal', anyOf(getResponse), decodeGetResponse],
  ['GET-Response with a block', anyOf(getResponseBlock), decodeGetResponse],
  ['SET-Response', anyOf(fc.constant(Buffer.from('c501c100', 'hex'))), decodeSetResponse],
  ['ACTION-Response', anyOf(actionResponse), decodeActionResponse],
  ['A-XDR data', anyOf(encodedData), decodeDataFrom],
  ['deeply nested A-XDR data', fc.integer({ min: 1, max: 60_000 }).map(nestedArrays), decodeDataFrom],
  ['COSEM date-time', anyOf(fc.constant(Buffer.from('07ea0c0506120000ff800000', 'hex'))), decodeCosemDateTime],
  ['ciphered APDUs', anyOf(ciphered), (input) => decryptApdu(input, keys, systemTitle)],
  ['object lists', anyOf(encodedData), (input) => parseObjectList(decodeDataFrom(input))],
];

describe('DLMS decoders against malformed input', () => {
  test.each(cases)('%s: a result or a DlmsError, nothing else', (_name, input, decode) => {
    fc.assert(fc.property(input, returnsOrThrowsDlmsError(decode)), { seed, numRuns: runs });
  });

  test('HDLC: a frame taken always consumes input, so a reading loop ends', () => {
    fc.assert(
      fc.property(anyOf(hdlcFrame), (input) => {
        try {
          const taken = takeFrame(input);
          if (taken) expect(taken.rest.length).toBeLessThan(input.length);
        } catch (error) {
          if (!(error instanceof DlmsError)) throw error;
        }
      }),
      { seed, numRuns: runs },
    );
  });

  test('A-XDR: data nested deeper than any meter sends is a DlmsError, not a stack overflow', () => {
    expect(() => decodeDataFrom(nestedArrays(100_000))).toThrow(DlmsError);
    expect(decodeDataFrom(nestedArrays(10))).toMatchObject({ type: 'array' });
  });
});
