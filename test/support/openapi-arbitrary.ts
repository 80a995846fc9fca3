/**
 * fast-check arbitraries from OpenAPI 3.0 schemas, for the subset the service's document uses:
 * $ref, allOf, oneOf, nullable, enum, type string (format date-time and uuid, pattern,
 * minLength, maxLength), integer and number (minimum, maximum), boolean, array (items,
 * minItems, maxItems) and object (properties, required). `validValue` makes values the schema
 * accepts; `invalidValue` makes values it refuses (wrong type, broken constraint, missing or
 * unknown key, at any depth). Rules a schema cannot state (a phone number valid for its
 * country, one date later than another) are the caller's: `overrides` by property name.
 */
import fc from 'fast-check';
import type { OpenApiDocument, SchemaObject } from './openapi.js';

export interface SchemaArbitraries {
  doc: OpenApiDocument;
  /** Valid values of the properties (or parameters) of these names, instead of the schema's. */
  overrides?: Record<string, fc.Arbitrary<unknown>>;
  /** Longest array and string generated where the schema allows more (default 3 and 40). */
  maxItems?: number;
  maxLength?: number;
}

/** The schema with its $ref followed and an allOf merged into one object schema. */
export function resolveSchema(doc: OpenApiDocument, schema: SchemaObject): SchemaObject {
  if (typeof schema.$ref === 'string') return resolveSchema(doc, doc.components.schemas[schema.$ref.split('/').pop() as string]);
  if (!Array.isArray(schema.allOf)) return schema;
  const { allOf, ...own } = schema;
  const parts = (allOf as SchemaObject[]).map((part) => resolveSchema(doc, part));
  return {
    ...Object.assign({}, ...parts),
    ...own,
    properties: Object.assign({}, ...parts.map((p) => p.properties ?? {}), own.properties ?? {}),
    required: [...new Set(parts.flatMap((p) => p.required ?? []).concat(own.required ?? []))],
  };
}

const typeOf = (s: SchemaObject): string | undefined => s.type ?? (s.properties ? 'object' : s.items ? 'array' : undefined);

const LATEST_MS = Date.UTC(9999, 11, 30);
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * RFC 3339 date-times from an hour from now to the end of year 9999, written in every way the
 * format allows: Z or z or an offset, t or T, 0 to 9 fraction digits (the first 3 are the
 * milliseconds the instant has).
 */
export function futureDateTime(): fc.Arbitrary<string> {
  return fc
    .record({
      ms: fc.integer({ min: Date.now() + 3_600_000, max: LATEST_MS }),
      offsetMinutes: fc.oneof(fc.constant(0), fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 })),
      zulu: fc.boolean(),
      lower: fc.boolean(),
      extraDigits: fc.integer({ min: -3, max: 6 }),
    })
    .map(({ ms, offsetMinutes, zulu, lower, extraDigits }) => {
      const useZ = zulu || offsetMinutes === 0;
      const local = new Date(ms + (useZ ? 0 : offsetMinutes) * 60_000);
      const date = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
      const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
      const millis = pad(local.getUTCMilliseconds(), 3);
      const fraction = extraDigits < -2 ? (millis === '000' ? '' : `.${millis}`) : `.${millis}${'7'.repeat(Math.max(0, extraDigits))}`;
      const sign = offsetMinutes < 0 ? '-' : '+';
      const zone = useZ ? 'Z' : `${sign}${pad(Math.floor(Math.abs(offsetMinutes) / 60))}:${pad(Math.abs(offsetMinutes) % 60)}`;
      const text = `${date}T${time}${fraction}${zone}`;
      return lower ? text.replace('T', 't').replace('Z', 'z') : text;
    });
}

/** The instant of a date-time made by futureDateTime (or any RFC 3339 one), in ms. */
export function instantOf(text: string): number {
  const m = /^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:[Zz]|([+-])(\d\d):(\d\d))$/.exec(text);
  if (!m) return Number.NaN;
  const date = new Date(0);
  date.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  date.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0);
  const offset = m[8] ? (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10])) : 0;
  return date.getTime() - offset * 60_000;
}

/** Text that holds a visible character and no NUL (what a minLength of 1 means in this API). */
const visible = (s: string) => s.trim().length > 0 && !s.includes('\u0000');

export function validValue(ctx: SchemaArbitraries, schema: SchemaObject, name?: string): fc.Arbitrary<unknown> {
  if (name !== undefined && ctx.overrides?.[name]) return ctx.overrides[name];
  const s = resolveSchema(ctx.doc, schema);
  const value = validOfType(ctx, s);
  return s.nullable ? fc.option(value, { nil: null, freq: 6 }) : value;
}

function validOfType(ctx: SchemaArbitraries, s: SchemaObject): fc.Arbitrary<unknown> {
  const maxItems = ctx.maxItems ?? 3;
  const maxLength = ctx.maxLength ?? 40;
  if (Array.isArray(s.oneOf) || Array.isArray(s.anyOf)) return fc.oneof(...(s.oneOf ?? s.anyOf).map((part: SchemaObject) => validValue(ctx, part)));
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  switch (typeOf(s)) {
    case 'string': {
      if (s.format === 'date-time') return futureDateTime();
      if (s.format === 'uuid') return fc.uuid();
      if (typeof s.pattern === 'string') return fc.stringMatching(new RegExp(s.pattern));
      const min = s.minLength ?? 0;
      const text = fc.string({ unit: 'grapheme', minLength: min, maxLength: Math.max(min, Math.min(s.maxLength ?? maxLength, maxLength)) });
      return min > 0 ? text.filter(visible) : text;
    }
    case 'integer':
      return fc.integer({ min: s.minimum ?? -1_000_000, max: s.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const min = s.minItems ?? 0;
      return fc.array(validValue(ctx, s.items ?? {}), { minLength: min, maxLength: Math.max(min, Math.min(s.maxItems ?? maxItems, maxItems)) });
    }
    case 'object': {
      const properties = (s.properties ?? {}) as Record<string, SchemaObject>;
      const model = Object.fromEntries(Object.entries(properties).map(([key, sub]) => [key, validValue(ctx, sub, key)]));
      return fc.record(model, { requiredKeys: (s.required ?? []) as string[] });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Values of every JSON type but `type` (and not null where null is allowed). */
function otherTypes(type: string | undefined, nullable: boolean): fc.Arbitrary<unknown> {
  const byType: Record<string, fc.Arbitrary<unknown>> = {
    string: fc.string({ maxLength: 8 }),
    integer: fc.integer(),
    boolean: fc.boolean(),
    array: fc.array(fc.integer(), { maxLength: 3 }),
    object: fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
  };
  const others = Object.entries(byType)
    .filter(([t]) => t !== type && !(t === 'integer' && type === 'number'))
    .map(([, arb]) => arb);
  return nullable ? fc.oneof(...others) : fc.oneof(...others, fc.constant(null));
}

/**
 * RFC 3339 date-times the API refuses: other ISO-8601 forms (week, ordinal, basic), a missing
 * part, a day the calendar lacks, a leap second, and years outside 0001-9999.
 */
export const BAD_DATE_TIMES = [
  '2026-W47-1',
  '2026-W47-1T10:00:00Z',
  '2026-326',
  '2026-326T10:00:00Z',
  '20261122T100000Z',
  '2026-11-22',
  '2026-11-22T10:00:00',
  '2026-11-22 10:00:00Z',
  '2026-11-22T10Z',
  '2026-11-22T10:00Z',
  '2026-11-22T10:00:00+0300',
  '2026-11-22T10:00:00+03',
  '2026-02-30T00:00:00Z',
  '2027-02-29T00:00:00Z',
  '2026-13-01T00:00:00Z',
  '2026-00-10T00:00:00Z',
  '2026-12-31T23:59:60Z',
  '2026-11-22T24:00:00Z',
  '2026-11-22T10:60:00Z',
  '2026-11-22T10:00:00+24:00',
  '2026-11-22T10:00:00-00:60',
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00+00:01',
  '9999-12-31T23:00:00-02:00',
  '10000-01-01T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '2026-11-22T10:00:00.1234567891Z',
  '2026-11-22T10:00:00.Z',
  '2026-11-22T10:00:00,5Z',
  '２０２６-11-22T10:00:00Z',
  'now',
  '',
];

/** Strings the schema refuses: outside the enum, not matching the pattern, too short or long, not a date-time. */
function badStrings(s: SchemaObject): fc.Arbitrary<string>[] {
  const arbs: fc.Arbitrary<string>[] = [];
  if (Array.isArray(s.enum)) {
    const allowed = new Set(s.enum);
    arbs.push(
      fc.string({ unit: 'grapheme', maxLength: 12 }).filter((v) => !allowed.has(v)),
      fc.constantFrom(...(s.enum as string[]).map((v) => v.toUpperCase()), ...(s.enum as string[]).map((v) => `${v} `)).filter((v) => !allowed.has(v)),
    );
  }
  if (s.format === 'date-time') arbs.push(fc.constantFrom(...BAD_DATE_TIMES));
  if (s.format === 'uuid') arbs.push(fc.constantFrom('not-a-uuid', '0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d1', 'zb9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11'));
  if (typeof s.pattern === 'string') {
    const re = new RegExp(s.pattern);
    arbs.push(fc.string({ unit: 'grapheme', maxLength: 20 }).filter((v) => !re.test(v)));
  }
  if (typeof s.minLength === 'number' && s.minLength > 0) arbs.push(fc.constant(''));
  if (typeof s.maxLength === 'number') arbs.push(fc.integer({ min: s.maxLength + 1, max: s.maxLength + 300 }).map((n) => 'x'.repeat(n)));
  return arbs;
}

/** A value `schema` refuses, if there is one it can be told to make. */
export function invalidValue(ctx: SchemaArbitraries, schema: SchemaObject): fc.Arbitrary<unknown> {
  const s = resolveSchema(ctx.doc, schema);
  const type = typeOf(s);
  const arbs: fc.Arbitrary<unknown>[] = [otherTypes(type, s.nullable === true)];
  if (type === 'string') arbs.push(...badStrings(s));
  if (type === 'integer' || type === 'number') {
    if (type === 'integer') arbs.push(fc.double({ noInteger: true, noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }));
    if (typeof s.minimum === 'number') arbs.push(fc.integer({ min: -1_000_000, max: s.minimum - 1 }));
    if (typeof s.maximum === 'number') arbs.push(fc.integer({ min: s.maximum + 1, max: s.maximum + 1_000_000 }));
  }
  if (type === 'array') {
    if (typeof s.minItems === 'number' && s.minItems > 0) arbs.push(fc.constant([]));
    const items = s.items as SchemaObject | undefined;
    if (items) {
      // One bad item among valid ones.
      arbs.push(
        fc
          .tuple(fc.array(validValue(ctx, items), { minLength: Math.max(0, (s.minItems ?? 0) - 1), maxLength: 2 }), invalidValue(ctx, items), fc.nat())
          .map(([good, bad, at]) => {
            const all = [...good];
            all.splice(at % (good.length + 1), 0, bad);
            return all;
          }),
      );
    }
  }
  if (type === 'object') {
    const properties = (s.properties ?? {}) as Record<string, SchemaObject>;
    const required = (s.required ?? []) as string[];
    const valid = validValue(ctx, { ...s, nullable: false }) as fc.Arbitrary<Record<string, unknown>>;
    // An unknown key (a known one in another case, or a made-up one).
    const unknownKey = fc
      .oneof(
        fc.constantFrom(...Object.keys(properties).map((k) => k.toUpperCase()), '__proto__', 'constructor', 'extra'),
        fc.string({ minLength: 1, maxLength: 10 }),
      )
      .filter((k) => !(k in properties));
    arbs.push(
      fc
        .tuple(valid, unknownKey, fc.jsonValue({ maxDepth: 1 }))
        .map(([v, k, x]) =>
          JSON.parse(JSON.stringify({ ...v }).replace(/^\{/, `{${JSON.stringify(k)}:${JSON.stringify(x ?? null)}${Object.keys(v).length ? ',' : ''}`)),
        ),
    );
    if (required.length > 0)
      arbs.push(fc.tuple(valid, fc.constantFrom(...required)).map(([v, k]) => Object.fromEntries(Object.entries(v).filter(([key]) => key !== k))));
    const keys = Object.keys(properties);
    if (keys.length > 0) {
      // One property with a value its schema refuses.
      arbs.push(
        fc
          .constantFrom(...keys)
          .chain((k) => fc.tuple(fc.constant(k), valid, invalidValue(ctx, properties[k])))
          .map(([k, v, bad]) => ({ ...v, [k]: bad })),
      );
    }
  }
  return fc.oneof(...arbs);
}
