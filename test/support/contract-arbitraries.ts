/**
 * fast-check arbitraries generated from the API's zod contracts: values that are mostly valid (so requests
 * get past validation into the handlers and the database), drawing names of things that exist from pools,
 * and corrupted ones (one value replaced by junk: a wrong type, a NUL character, year 0, an empty or overlong
 * string). Whether a value is valid is not decided here: the contract's own schema says so (the oracle).
 */
import fc from 'fast-check';
import { z } from 'zod';

/** Values of things that exist, by field name (deviceIdentification, groupIdentification, ...). */
export type Pools = Record<string, readonly string[]>;

/** Characters that have broken servers before: NUL, other controls, quotes, non-ASCII, an emoji. */
const awkward = fc.constantFrom('\u0000', '\u0001', '\n', '"', "'", '\\', '%', '/', 'é', 'ß', '💡', ' ');
const anyText = (maxLength: number) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.string({ maxLength }) },
    { weight: 1, arbitrary: fc.string({ unit: fc.oneof(awkward, fc.string({ minLength: 1, maxLength: 1 })), maxLength }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength }) },
  );

const isoInstant = fc
  .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
  .map((date) => date.toISOString());
const awkwardInstants = fc.constantFrom(
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00+01:00',
  '9999-12-31T23:59:59-14:00',
  '2026-02-29T00:00:00Z',
  '2026-12-05T08:00:00+99:99',
  '2026-12-05',
);

/** A value the given string schema should accept, most of the time. */
function stringFor(schema: z.ZodString, key: string, pools: Pools): fc.Arbitrary<string> {
  const checks = schema._def.checks;
  const min = checks.reduce((m, c) => (c.kind === 'min' || c.kind === 'length' ? c.value : m), 0);
  const max = checks.reduce((m, c) => (c.kind === 'max' || c.kind === 'length' ? c.value : m), 80);
  const pool = pools[key];
  const fitting = (text: fc.Arbitrary<string>) => text.filter((s) => s.length >= min && s.length <= max);
  let valid: fc.Arbitrary<string>;
  const regex = checks.find((c): c is Extract<typeof c, { kind: 'regex' }> => c.kind === 'regex');
  const includes = checks.find((c): c is Extract<typeof c, { kind: 'includes' }> => c.kind === 'includes');
  if (checks.some((c) => c.kind === 'datetime')) valid = fc.oneof({ weight: 4, arbitrary: isoInstant }, { weight: 1, arbitrary: awkwardInstants });
  else if (checks.some((c) => c.kind === 'ip')) valid = fc.oneof(fc.ipV4(), fc.ipV6());
  else if (checks.some((c) => c.kind === 'url')) valid = fc.webUrl({ withQueryParameters: true });
  else if (regex && !/\\u0000/.test(regex.regex.source)) valid = fitting(fc.stringMatching(regex.regex));
  else if (includes) valid = anyText(20).map((s) => `-----${includes.value}-----\n${s}`);
  else valid = fitting(anyText(Math.min(max, 300)));
  const withPool = pool && pool.length > 0 ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...pool) }, { weight: 1, arbitrary: valid }) : valid;
  return fc.oneof({ weight: 9, arbitrary: withPool }, { weight: 1, arbitrary: anyText(max + 2) });
}

function numberFor(schema: z.ZodNumber): fc.Arbitrary<number> {
  const checks = schema._def.checks;
  const int = checks.some((c) => c.kind === 'int');
  const min = checks.reduce((m, c) => (c.kind === 'min' ? c.value : m), int ? -1000 : -1e6);
  const max = checks.reduce((m, c) => (c.kind === 'max' ? c.value : m), int ? 100_000 : 1e6);
  return int ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
}

/** An arbitrary for values of `schema`, `key` being the field name (it chooses the pool). */
export function arbitraryFor(schema: z.ZodTypeAny, pools: Pools, key = ''): fc.Arbitrary<unknown> {
  const def = schema._def as { typeName: z.ZodFirstPartyTypeKind };
  switch (def.typeName) {
    case z.ZodFirstPartyTypeKind.ZodString:
      return stringFor(schema as z.ZodString, key, pools);
    case z.ZodFirstPartyTypeKind.ZodNumber:
      return numberFor(schema as z.ZodNumber);
    case z.ZodFirstPartyTypeKind.ZodBoolean:
      return fc.boolean();
    case z.ZodFirstPartyTypeKind.ZodEnum:
      return fc.constantFrom(...(schema as z.ZodEnum<[string, ...string[]]>).options);
    case z.ZodFirstPartyTypeKind.ZodLiteral:
      return fc.constant((schema as z.ZodLiteral<unknown>).value);
    case z.ZodFirstPartyTypeKind.ZodOptional:
      return fc.option(arbitraryFor((schema as z.ZodOptional<z.ZodTypeAny>).unwrap(), pools, key), { nil: undefined, freq: 3 });
    case z.ZodFirstPartyTypeKind.ZodNullable:
      return fc.option(arbitraryFor((schema as z.ZodNullable<z.ZodTypeAny>).unwrap(), pools, key), { nil: null, freq: 6 });
    case z.ZodFirstPartyTypeKind.ZodDefault:
      return fc.option(arbitraryFor((schema as z.ZodDefault<z.ZodTypeAny>).removeDefault(), pools, key), { nil: undefined, freq: 3 });
    case z.ZodFirstPartyTypeKind.ZodEffects:
      return arbitraryFor((schema as z.ZodEffects<z.ZodTypeAny>).innerType(), pools, key);
    case z.ZodFirstPartyTypeKind.ZodArray: {
      const array = schema as z.ZodArray<z.ZodTypeAny>;
      const minLength = array._def.minLength?.value ?? 0;
      const maxLength = Math.min(array._def.maxLength?.value ?? 5, Math.max(minLength, 5));
      return fc.array(arbitraryFor(array.element, pools, key.replace(/s$/, '')), { minLength, maxLength });
    }
    case z.ZodFirstPartyTypeKind.ZodObject: {
      const shape = (schema as z.AnyZodObject).shape as Record<string, z.ZodTypeAny>;
      const fields = Object.fromEntries(Object.entries(shape).map(([name, field]) => [name, arbitraryFor(field, pools, name)]));
      return fc.record(fields).map((value) => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)));
    }
    case z.ZodFirstPartyTypeKind.ZodUnion:
      return fc.oneof(...(schema as z.ZodUnion<[z.ZodTypeAny, ...z.ZodTypeAny[]]>).options.map((o) => arbitraryFor(o, pools, key)));
    case z.ZodFirstPartyTypeKind.ZodDiscriminatedUnion:
      return fc.oneof(...(schema as z.ZodDiscriminatedUnion<string, z.AnyZodObject[]>).options.map((o) => arbitraryFor(o, pools, key)));
    case z.ZodFirstPartyTypeKind.ZodRecord:
      return fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Values that should not pass where a valid one was expected (the oracle decides). */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.constant(''),
  fc.constant('a\u0000b'),
  fc.constant('0000-01-01T00:00:00Z'),
  fc.constant({}),
  fc.constant([]),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.string({ minLength: 256, maxLength: 2100 }),
  anyText(20),
);

type Path = Array<string | number>;

function leafPaths(value: unknown, path: Path = []): Path[] {
  if (Array.isArray(value)) return [path, ...value.flatMap((item, i) => leafPaths(item, [...path, i]))];
  if (value !== null && typeof value === 'object') {
    return [path, ...Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...path, k]))];
  }
  return [path];
}

function replaced(value: unknown, path: Path, by: unknown): unknown {
  if (path.length === 0) return by;
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((item, i) => (i === head ? replaced(item, rest, by) : item));
  const object = value as Record<string, unknown>;
  return { ...object, [head]: replaced(object[head], rest, by) };
}

/** Mostly the generated value as it is; sometimes with one of its parts replaced by junk. */
export function sometimesCorrupted(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 2, arbitrary: valid },
    {
      weight: 1,
      arbitrary: fc.tuple(valid, fc.nat(), junk).map(([value, pick, by]) => {
        const paths = leafPaths(value);
        return replaced(value, paths[pick % paths.length], by);
      }),
    },
  );
}
