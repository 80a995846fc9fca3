import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { PhoneNumber } from '@app/domain';
import { BAD_DATE_TIMES, futureDateTime, instantOf, invalidValue, type SchemaArbitraries, validValue } from '@test/support/openapi-arbitrary.js';
import {
  documentedAnswer,
  documentValidator,
  fetchDocument,
  type OpenApiDocument,
  type OpenApiOperation,
  operationsOf,
  type SchemaObject,
} from '@test/support/openapi.js';
import { API_KEY, type Stack, startStack, waitFor } from '@test/support/stack.js';

/**
 * A property-based fuzz test generated from the service's own OpenAPI document (/docs-json), on
 * the real service over real sockets. For every operation:
 * - valid inputs (made from its schemas) get a documented 2xx;
 * - hostile inputs (wrong types, missing and unknown keys, broken constraints, bad dates, forged
 *   cursors, deep, huge and key-heavy bodies, odd content types, charsets and encodings, no or a
 *   wrong API key, malformed paths, huge headers) get a documented 4xx with the error body;
 * - edge inputs (odd Unicode, edge dates, bytes that are not UTF-8, bodies where none is taken)
 *   get a documented answer;
 * and no answer is a 5xx, leaks a stack trace, or differs from the document. Afterwards the
 * service is ready and its data intact. Seeded: FUZZ_SEED replays a run, FUZZ_RUNS sets the
 * number of cases per operation and kind (hostile; valid and edge get half). The default, 120,
 * makes about 3,100 requests in some 10 s.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20261122);
const RUNS = Math.max(1, Number(process.env.FUZZ_RUNS ?? 120));
// FUZZ_LOG=1 writes every request to stderr as it goes out (to find one that gets no answer).
const NO_STACK_TRACE = /\n\s+at |\bat \w+ \(|node_modules|\.ts:\d+|QueryFailedError|RangeError|TypeError|SyntaxError|ReferenceError/;
const PADDING = 'x-fuzz-padding';

/** What the answer to a case must be. */
type Expectation = 'success' | 'client-error' | 'documented' | 401 | 400 | 431;

/**
 * Operations whose valid requests may meet a state they cannot change, answered with one
 * documented 409: settling a message that is not in doubt (the fuzz's messages are pending or
 * sent, and must stay so), replaying with a previewToken no preview handed out.
 */
const STATE_CONFLICTS: Record<string, string> = {
  'post /api/v1/messages/{id}/settle': 'NOT_IN_DOUBT',
  'post /api/v1/messages/replay': 'PREVIEW_CHANGED',
};

/** One request, printable: a failing case shows exactly what was sent. */
class FuzzCase {
  constructor(
    readonly kind: string,
    readonly method: string,
    readonly path: string,
    readonly headers: Record<string, string>,
    readonly body: Buffer | undefined,
    readonly expect: Expectation,
  ) {}

  [fc.toStringMethod](): string {
    const headers = Object.entries(this.headers).map(([k, v]) => `${k}: ${v.length > 80 ? `${v.slice(0, 40)}… (${v.length} chars)` : v}`);
    const body =
      this.body === undefined
        ? ''
        : ` body (${this.body.length} bytes): ${JSON.stringify(this.body.subarray(0, 300).toString('latin1'))}${this.body.length > 300 ? '…' : ''}`;
    return `[${this.kind}, expect ${this.expect}] ${this.method.toUpperCase()} ${this.path} {${headers.join('; ')}}${body}`;
  }
}

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

/** An operation of the document, with what the fuzz needs to know of it. */
interface Operation {
  method: string;
  path: string;
  operation: OpenApiOperation;
  secured: boolean;
  query: NonNullable<OpenApiOperation['parameters']>;
  pathParams: NonNullable<OpenApiOperation['parameters']>;
  headerParams: NonNullable<OpenApiOperation['parameters']>;
  bodySchema?: SchemaObject;
}

/** The parts of a request before they are written: values, not bytes. */
interface Parts {
  pathParams: Record<string, string>;
  query: Record<string, unknown>;
  headers: Record<string, string>;
  body?: unknown;
}

const ODD_STRINGS = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\u202e\u0645\u0631\u062d\u0628\u0627',
  '👨‍👩‍👧‍👦'.repeat(40),
  `e${'\u0301'.repeat(300)}`,
  '\ufeff{}',
  '\uffff\ufffe',
  'ı İ ğ Ş ç ö ü',
  '\u200b\u200c\u200d',
  '   \t\n ',
  '"\\\'<script>',
  '%zz%00',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '\r\n\r\nHTTP/1.1 200 OK',
];

/** A cursor a client could forge: well-formed base64url JSON with numbers no row can have, or nothing like a cursor at all. */
const FORGED_CURSORS = [
  ['sent', '99999999999999999999', '1'],
  ['sent', '9223372036854775807', '9223372036854775808'],
  ['sent', '-99999999999999999', '1'],
  ['sent', '253402300800000000', '1'],
  ['sent', '1.5', '1'],
  ['sent', 1, 2],
  ['sent', '1'],
  ['all', '9223372036854775808'],
  ['all', '-1'],
  ['all', '0'],
  ['all', '00001'],
  ['all', '1e3'],
  ['all', ['1']],
  ['all', null],
  ['other', '1'],
  { all: '1' },
  'all',
  null,
]
  .map((value) => Buffer.from(JSON.stringify(value)).toString('base64url'))
  .concat(['not-a-cursor', '!!!', 'eyJ4IjoxfQ', 'A'.repeat(513), Buffer.from('["all","1"').toString('base64url'), '%zz', '\u00e9']);

/** A path segment, percent-encoded from its UTF-8 bytes (a lone surrogate becomes U+FFFD, as on the wire). */
function encodeSegment(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((b) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
}

/**
 * Whether the service takes `value` for a query parameter of this schema: it reads numbers as
 * JavaScript's Number() does (so " 5", "0x10" and "1e1" are 5, 16 and 10), and strings as sent.
 */
function acceptedInQuery(schema: SchemaObject, value: string): boolean {
  if (Array.isArray(schema.enum)) return schema.enum.includes(value);
  if (schema.type === 'integer' || schema.type === 'number') {
    const n = Number(value);
    return (schema.type === 'number' ? Number.isFinite(n) : Number.isInteger(n)) && n >= (schema.minimum ?? -Infinity) && n <= (schema.maximum ?? Infinity);
  }
  return typeof schema.maxLength !== 'number' || value.length <= schema.maxLength;
}

/** Whether a query parameter of this schema refuses any string at all (a plain string takes every one). */
function refusableInQuery(schema: SchemaObject): boolean {
  return Array.isArray(schema.enum) || schema.type === 'integer' || schema.type === 'number' || typeof schema.maxLength === 'number';
}

describe('fuzz from the OpenAPI document (e2e)', () => {
  let stack: Stack;
  let doc: OpenApiDocument;
  let port: number;
  let operations: Operation[];
  let ctx: SchemaArbitraries;
  let seededRows: string;
  let seededIds: string[];
  let pendingIds: string[];
  let sentIds: string[];
  let keyCounter = 0;
  let requests = 0;
  const created = new Set<string>();
  const cursors: Record<string, string[]> = {};
  const seenStatuses = new Map<string, Set<number>>();

  function send(c: FuzzCase): Promise<Answer> {
    requests += 1;
    if (process.env.FUZZ_LOG) process.stderr.write(`${c[fc.toStringMethod]()}\n`);
    const headers: Record<string, string | number> = { ...c.headers };
    if (c.body !== undefined && !('transfer-encoding' in headers)) headers['content-length'] = c.body.length;
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: c.method.toUpperCase(), path: c.path, headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      });
      req.setTimeout(5_000, () => req.destroy(new Error('no answer in 5 s')));
      req.on('error', (error) => reject(new Error(`no answer: ${error.message}`)));
      req.end(c.body);
    });
  }

  /** Sends the case and throws, saying why, unless the answer is what the document and `c.expect` allow. */
  async function check(op: Operation, c: FuzzCase): Promise<void> {
    const answer = await send(c);
    const isJson = answer.contentType.startsWith('application/json');
    let body: unknown = answer.text;
    if (isJson) {
      try {
        body = JSON.parse(answer.text);
      } catch {
        throw new Error(`answer ${answer.status} declared JSON but is not: ${answer.text.slice(0, 300)}`);
      }
    }
    const fail = (why: string) => {
      throw new Error(`${why}\nanswer: ${answer.status} ${answer.contentType} ${answer.text.slice(0, 600)}`);
    };
    const statuses = seenStatuses.get(`${op.method} ${op.path}`) ?? new Set<number>();
    statuses.add(answer.status);
    seenStatuses.set(`${op.method} ${op.path}`, statuses);

    if (answer.status >= 500) fail('a 5xx');
    if (NO_STACK_TRACE.test(answer.text)) fail('a stack trace or internal error name in the answer');
    // Checked against the operation the case was made for (a malformed or unknown id still addresses it).
    const documented = documentedAnswer(doc, op.method, op.path.replace('{id}', 'x'), answer.status, answer.contentType, body);
    if (!documented.ok) fail(documented.why);
    if (answer.status >= 400) {
      const error = body as { statusCode?: unknown; code?: unknown; message?: unknown };
      if (!isJson || error.statusCode !== answer.status || typeof error.code !== 'string' || typeof error.message !== 'string')
        fail('an error without the error body { statusCode, code, message }');
    }
    const batch = op.path === '/api/v1/messages/batch';
    switch (c.expect) {
      case 'success':
        if (answer.status === 409 && STATE_CONFLICTS[`${op.method} ${op.path}`] === (body as { code?: string }).code) break;
        if (answer.status < 200 || answer.status >= 300) fail('a valid request was not answered 2xx');
        if (batch && (body as { failed: number }).failed !== 0) fail('a valid batch had refused items');
        break;
      case 'client-error':
        // A batch refuses a bad item alone (atomic=false): 201, with that item refused.
        if (batch && answer.status === 201 && (body as { failed: number }).failed > 0) break;
        if (answer.status < 400) fail('a hostile request was not refused with a 4xx');
        break;
      case 'documented':
        break;
      default:
        if (answer.status !== c.expect) fail(`expected ${c.expect}`);
    }
    if (answer.status === 201) {
      const result = body as { id?: string; results?: { id?: string }[] };
      if (result.id) created.add(result.id);
      for (const item of result.results ?? []) if (item.id) created.add(item.id);
    }
  }

  /** Request bytes for parts; `rawPath` replaces the path as it is (for malformed encodings). */
  function toCase(
    op: Operation,
    kind: string,
    expect: Expectation,
    parts: Parts,
    change: { rawPath?: string; rawQuery?: string; body?: Buffer; headers?: Record<string, string | undefined> } = {},
  ): FuzzCase {
    let path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeSegment(parts.pathParams[name] ?? ''));
    if (change.rawPath !== undefined) path = change.rawPath;
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(parts.query))
      if (value !== undefined) search.append(name, typeof value === 'string' ? value : JSON.stringify(value));
    const query = change.rawQuery ?? search.toString();
    if (query) path += `?${query}`;
    const headers: Record<string, string> = { ...parts.headers };
    if (op.secured) headers['x-ins-auth-key'] = API_KEY;
    let body = change.body;
    if (body === undefined && parts.body !== undefined) {
      body = Buffer.from(JSON.stringify(parts.body), 'utf8');
      headers['content-type'] = 'application/json';
    }
    for (const [name, value] of Object.entries(change.headers ?? {})) {
      if (value === undefined) delete headers[name];
      else headers[name] = value;
    }
    return new FuzzCase(kind, op.method, path, headers, body, expect);
  }

  /** Rules no schema states, applied to generated valid values: dates in order. */
  function repair(op: Operation, body: unknown): unknown {
    const order = (item: Record<string, unknown>, early: string, late: string) => {
      const [a, b] = [item[early], item[late]];
      if (typeof a !== 'string' || typeof b !== 'string') return item;
      const [ta, tb] = [instantOf(a), instantOf(b)];
      if (ta < tb) return item;
      if (ta === tb) return { ...item, [late]: undefined };
      return { ...item, [early]: b, [late]: a };
    };
    if (op.path === '/api/v1/messages') return order(body as Record<string, unknown>, 'sendAfter', 'expiresAt');
    if (op.path === '/api/v1/messages/replay' || op.path === '/api/v1/messages/replay/preview') return order(body as Record<string, unknown>, 'from', 'to');
    if (op.path === '/api/v1/messages/{id}/settle') {
      // A gateway messageId comes only with outcome sent.
      const settlement = body as Record<string, unknown>;
      return settlement.outcome === 'sent' ? settlement : { ...settlement, gatewayMessageId: undefined };
    }
    if (op.path === '/api/v1/messages/batch') {
      const batch = body as { messages: Record<string, unknown>[] };
      return { ...batch, messages: batch.messages.map((item) => order(item, 'sendAfter', 'expiresAt')) };
    }
    return body;
  }

  /** Valid parts of a request to `op`, from its parameters' and body's schemas. */
  function validParts(op: Operation): fc.Arbitrary<Parts> {
    const param = (p: { name: string; schema?: SchemaObject }) => {
      // A receipt exists only for a sent message; every other :id route takes the pending ones.
      if (p.name === 'id') return fc.constantFrom(...(op.path.endsWith('/receipt') ? sentIds : pendingIds));
      if (p.name === 'cursor') return fc.constantFrom(...(cursors[op.path] ?? ['']));
      return validValue(ctx, p.schema ?? {}, p.name);
    };
    const record = (params: { name: string; required?: boolean; schema?: SchemaObject }[]) =>
      fc.record(Object.fromEntries(params.map((p) => [p.name, param(p)])), {
        requiredKeys: params.filter((p) => p.required).map((p) => p.name),
      }) as fc.Arbitrary<Record<string, unknown>>;
    return fc
      .record({
        pathParams: record(op.pathParams) as fc.Arbitrary<Record<string, string>>,
        query: record(op.query.filter((p) => p.name !== 'cursor' || cursors[op.path])),
        // An Idempotency-Key is unique per request (a generated one could repeat with another body: a 422).
        headers: fc.record(Object.fromEntries(op.headerParams.map((p) => [p.name, fc.boolean()])), { requiredKeys: [] }),
        body: op.bodySchema ? validValue(ctx, op.bodySchema) : fc.constant(undefined),
      })
      .map(({ pathParams, query, headers, body }) => ({
        pathParams,
        query,
        headers: Object.fromEntries(
          Object.entries(headers)
            .filter(([, on]) => on)
            .map(([name]) => [name, `fuzz-${SEED}-${(keyCounter += 1)}`]),
        ),
        body: body === undefined ? undefined : JSON.parse(JSON.stringify(repair(op, body))),
      }));
  }

  /** Requests the document says are fine: each must get a documented 2xx. */
  function validCases(op: Operation): fc.Arbitrary<FuzzCase> {
    return validParts(op).map((parts) => toCase(op, 'valid', 'success', parts));
  }

  /** Requests that break a rule the document states: each must get a documented 4xx. */
  function hostileCases(op: Operation): fc.Arbitrary<FuzzCase> {
    const base = validParts(op);
    const families: fc.Arbitrary<FuzzCase>[] = [];
    const bodyMutations = op.bodySchema ? bodyBreakers(op) : [];
    const anyBody = fc.oneof(fc.constant(undefined), ...bodyMutations.map((m) => m.map((x) => x.body)));
    if (op.secured) {
      // No key, or a wrong one, whatever the rest of the request: 401, before any body is read.
      const key = fc.oneof(
        fc.constant(undefined),
        fc.string({ unit: 'grapheme-ascii', maxLength: 40 }).filter((k) => k !== API_KEY && !/[\r\n]/.test(k)),
      );
      families.push(
        fc.tuple(base, key, anyBody).map(([parts, k, body]) =>
          toCase(op, 'no or a wrong key', 401, parts, {
            headers: { 'x-ins-auth-key': k, ...(body ? { 'content-type': 'application/json' } : {}) },
            body: body ?? undefined,
          }),
        ),
      );
    }
    // Request line and headers over 16 KB: 431 on any route.
    const padding = fc.oneof(
      fc.integer({ min: 16 * 1024 + 1, max: 64 * 1024 }).map((n) => ({ [PADDING]: 'p'.repeat(n) })),
      fc.integer({ min: 200, max: 400 }).map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`x-fuzz-${i}`, 'v'.repeat(100)]))),
    );
    families.push(fc.tuple(base, padding).map(([parts, headers]) => toCase(op, 'huge head', 431, parts, { headers })));
    if (op.pathParams.length > 0) {
      families.push(
        fc
          .tuple(base, fc.constantFrom('%zz', '%', '%E0%A4%A', '%FF', '%C0%AF', '%ED%A0%80', 'a%2'))
          .map(([parts, bad]) => toCase(op, 'malformed path', 400, parts, { rawPath: op.path.replace('{id}', bad) })),
        fc
          .tuple(
            base,
            fc.oneof(
              fc.uuid(),
              fc.constantFrom(...(op.method === 'post' ? sentIds : ['not-a-uuid'])),
              fc.constantFrom('not-a-uuid', 'null', '0', '-1', ' ', '..'),
              fc.constantFrom(...ODD_STRINGS),
            ),
          )
          .map(([parts, id]) => toCase(op, 'unknown or wrong id', 'client-error', { ...parts, pathParams: { ...parts.pathParams, id } })),
      );
    }
    for (const p of op.query) {
      const schema = p.schema ?? {};
      const bad =
        p.name === 'cursor'
          ? fc.constantFrom(...FORGED_CURSORS)
          : refusableInQuery(schema)
            ? fc
                .oneof(invalidValue(ctx, schema), fc.constantFrom(...ODD_STRINGS))
                .map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))
                .filter((v) => !acceptedInQuery(schema, v))
            : undefined;
      if (bad)
        families.push(fc.tuple(base, bad).map(([parts, value]) => toCase(op, `bad ${p.name}`, 400, { ...parts, query: { ...parts.query, [p.name]: value } })));
      families.push(
        fc
          .tuple(base, fc.constantFrom('%zz', '%FF%FE', '', '%00', '1&limit=2'))
          .map(([parts, raw]) => toCase(op, `raw ${p.name}`, 'client-error', parts, { rawQuery: `${p.name}=${raw}&${p.name}=${raw}x` })),
      );
    }
    for (const p of op.headerParams) {
      const pattern = new RegExp(p.schema?.pattern ?? '$^');
      const sendable = (v: unknown): v is string => typeof v === 'string' && /^[\t\x20-\x7e\x80-\xff]*$/.test(v) && v.trim() === v && !pattern.test(v);
      const bad = fc.oneof(invalidValue(ctx, p.schema ?? {}), fc.constantFrom('has space', 'tab\there', 'é', 'x'.repeat(256), '')).filter(sendable);
      families.push(
        fc.tuple(base, bad).map(([parts, value]) => toCase(op, `bad ${p.name}`, 400, { ...parts, headers: { ...parts.headers, [p.name]: value } })),
      );
    }
    families.push(
      ...bodyMutations.map((m) => fc.tuple(base, m).map(([parts, x]) => toCase(op, x.kind, x.expect, parts, { body: x.body, headers: x.headers }))),
    );
    return fc.oneof(...families);
  }

  /** Bodies the route refuses: by their schema, their JSON, their size or shape, or their media type. */
  function bodyBreakers(op: Operation): fc.Arbitrary<{ kind: string; expect: Expectation; body: Buffer; headers: Record<string, string> }>[] {
    const json = { 'content-type': 'application/json' };
    const bytes = (text: string) => Buffer.from(text, 'utf8');
    const valid = validValue(ctx, op.bodySchema as SchemaObject).map((b) => repair(op, b));
    const deep = (depth: number, open: string, close: string, inner = '') => `${open.repeat(depth)}${inner}${close.repeat(depth)}`;
    return [
      invalidValue(ctx, op.bodySchema as SchemaObject).map((b) => ({
        kind: 'schema-invalid body',
        expect: 'client-error' as Expectation,
        body: bytes(JSON.stringify(b)),
        headers: json,
      })),
      fc
        .constantFrom(
          '',
          'null',
          '"text"',
          '42',
          'true',
          '[]',
          '[{}]',
          '{',
          '{"a":}',
          '{"a":1,}',
          "{'a':1}",
          'NaN',
          '{"a":1}{"b":2}',
          '\ufeff{}',
          '{"a":"\\ud800"',
          '{"\\u0000":1}',
        )
        .map((text) => ({ kind: 'not a JSON object', expect: 'client-error' as Expectation, body: bytes(text), headers: json })),
      fc
        .tuple(fc.integer({ min: 33, max: 20_000 }), fc.constantFrom(['[', ']', ''], ['{"a":', '}', '1'], ['[{"a":', '}]', '0']))
        .map(([depth, [open, close, inner]]) => ({
          kind: `nested ${depth} deep`,
          expect: 'client-error' as Expectation,
          body: bytes(deep(depth, open, close, inner)),
          headers: json,
        })),
      fc.integer({ min: 20_001, max: 40_000 }).map((count) => ({
        kind: `${count} keys`,
        expect: 'client-error' as Expectation,
        body: bytes(`{${Array.from({ length: count }, (_, i) => `"k${i}":${i}`).join(',')}}`),
        headers: json,
      })),
      fc.tuple(valid, fc.integer({ min: 2_600_000, max: 3_000_000 })).map(([b, size]) => ({
        kind: `${size} bytes`,
        expect: 'client-error' as Expectation,
        body: bytes(JSON.stringify({ ...(b as object), padding: 'x'.repeat(size) })),
        headers: json,
      })),
      fc
        .tuple(
          valid,
          fc.constantFrom(
            { 'content-type': 'text/plain' },
            { 'content-type': 'application/xml' },
            { 'content-type': 'application/x-www-form-urlencoded' },
            { 'content-type': 'multipart/form-data; boundary=x' },
            { 'content-type': 'application/octet-stream' },
            { 'content-type': 'application/json; charset=utf-16' },
            { 'content-type': 'application/json; charset=latin1' },
            { 'content-type': 'application/jsonx' },
            { 'content-type': 'json' },
            {},
            { 'content-type': 'application/json', 'content-encoding': 'compress' },
            { 'content-type': 'application/json', 'content-encoding': 'gzip' },
            { 'content-type': 'application/json', 'content-encoding': 'br' },
            { 'content-type': 'application/json', 'content-encoding': 'deflate, gzip' },
          ),
        )
        .map(([b, headers]) => ({
          kind: 'odd content type or encoding',
          expect: 'client-error' as Expectation,
          body: bytes(JSON.stringify(b)),
          headers: headers as Record<string, string>,
        })),
    ];
  }

  /** Requests at the edges (odd Unicode, edge dates, non-UTF-8 bytes, bodies where none is taken): a documented answer, no 5xx. */
  function edgeCases(op: Operation): fc.Arbitrary<FuzzCase> {
    const base = validParts(op);
    const families: fc.Arbitrary<FuzzCase>[] = [];
    if (op.bodySchema) {
      const strings = fc.oneof(fc.constantFrom(...ODD_STRINGS), fc.string({ unit: 'binary', maxLength: 30 }), futureDateTime());
      const edgeDates = fc.constantFrom(
        '0001-01-01T00:00:00Z',
        '9999-12-31T23:59:59.999999999Z',
        '9999-12-31T23:59:59+00:00',
        '1970-01-01T00:00:00-00:00',
        '2026-11-22t10:00:00z',
        '2000-02-29T12:00:00+23:59',
        '0001-01-01T23:59:59+23:59',
      );
      // Every string of the body, one at a time, replaced by an odd one.
      families.push(
        fc.tuple(base, fc.nat(), fc.oneof(strings, edgeDates)).map(([parts, at, odd]) => {
          let seen = 0;
          const body = JSON.parse(JSON.stringify(parts.body), (_key, value) =>
            typeof value === 'string' && seen++ === at % Math.max(1, countStrings(parts.body)) ? odd : value,
          );
          return toCase(op, 'odd string', 'documented', { ...parts, body });
        }),
      );
      // Bytes that are not UTF-8 inside a string; a valid body, gzipped.
      families.push(
        fc
          .tuple(base, fc.constantFrom(Buffer.from([0xff]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xe2, 0x82])))
          .map(([parts, raw]) => {
            const text = Buffer.from(JSON.stringify(parts.body), 'utf8');
            const at = text.indexOf('"', text.indexOf(':') + 1) + 1;
            return toCase(op, 'non-UTF-8 bytes', 'documented', parts, {
              body: Buffer.concat([text.subarray(0, at), raw, text.subarray(at)]),
              headers: { 'content-type': 'application/json' },
            });
          }),
        base.map((parts) =>
          toCase(op, 'gzip body', 'success', parts, {
            body: gzipSync(JSON.stringify(parts.body)),
            headers: { 'content-type': 'application/json; charset=utf-8', 'content-encoding': 'gzip' },
          }),
        ),
      );
    } else {
      // A route that takes no body ignores one, whatever it is.
      const junk = fc.constantFrom(
        { body: '{"broken', headers: { 'content-type': 'application/json' } },
        { body: '['.repeat(50_000), headers: { 'content-type': 'application/json' } },
        { body: 'x'.repeat(200_000), headers: { 'content-type': 'application/json' } },
        { body: 'hello', headers: { 'content-type': 'text/plain' } },
        { body: 'garbage', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } },
        { body: '{}', headers: { 'content-type': 'application/json; charset=utf-16' } },
      );
      families.push(
        fc.tuple(base, junk).map(([parts, j]) => toCase(op, 'body where none is taken', 'success', parts, { body: Buffer.from(j.body), headers: j.headers })),
      );
    }
    families.push(
      fc
        .tuple(
          base,
          fc.constantFrom(...ODD_STRINGS).filter((s) => /^[\t\x20-\x7e]*$/.test(s)),
        )
        .map(([parts, s]) => toCase(op, 'odd header', 'documented', parts, { headers: { 'x-odd': s, 'accept-charset': s } })),
    );
    return fc.oneof(...families);
  }

  function countStrings(value: unknown): number {
    if (typeof value === 'string') return 1;
    if (Array.isArray(value)) return value.reduce((n: number, v) => n + countStrings(v), 0);
    if (value && typeof value === 'object') return Object.values(value).reduce((n: number, v) => n + countStrings(v), 0);
    return 0;
  }

  /**
   * One property per operation, seeded from SEED; every operation runs even after one fails, and
   * each failure names the seeds and the (shrunk) request.
   */
  async function fuzz(kind: string, cases: (op: Operation) => fc.Arbitrary<FuzzCase>, runs: (op: Operation) => number): Promise<void> {
    const failures: string[] = [];
    for (const [i, op] of operations.entries()) {
      const seed = (SEED + i * 7919 + kind.length * 104_729) | 0;
      try {
        await fc.assert(
          fc.asyncProperty(cases(op), (c) => check(op, c)),
          // Shrinking a request that gets no answer costs 5 s a try: 20 s per operation at most.
          { seed, numRuns: runs(op), includeErrorInReport: true, plugins: [fc.interruptAfterTimeLimit(20_000)] },
        );
      } catch (error) {
        failures.push(`${kind} ${op.method.toUpperCase()} ${op.path} (FUZZ_SEED=${SEED}, property seed ${seed}):\n${(error as Error).message}`);
      }
    }
    if (failures.length > 0) throw new Error(`openapi fuzz: ${failures.length} operation(s) failed\n\n${failures.join('\n\n')}`);
  }

  const hasInput = (op: Operation) => op.bodySchema !== undefined || op.query.length + op.pathParams.length + op.headerParams.length > 0;

  beforeAll(async () => {
    console.log(`openapi fuzz: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} (set them to replay or to run more cases)`);
    stack = await startStack();
    await stack.app.listen(0, '127.0.0.1');
    port = (stack.app.getHttpServer().address() as AddressInfo).port;
    doc = await fetchDocument(stack);
    operations = operationsOf(doc).map(({ method, path, operation }) => ({
      method,
      path,
      operation,
      secured: (operation.security ?? []).length > 0,
      query: (operation.parameters ?? []).filter((p) => p.in === 'query'),
      pathParams: (operation.parameters ?? []).filter((p) => p.in === 'path'),
      headerParams: (operation.parameters ?? []).filter((p) => p.in === 'header'),
      bodySchema: operation.requestBody?.content['application/json']?.schema,
    }));

    // A phone number must be valid for its country: a rule no schema states.
    const phone = fc
      .oneof(fc.stringMatching(/^\+905[0-5]\d{8}$/), fc.stringMatching(/^\+447[1-9]\d{8}$/), fc.stringMatching(/^\+4915[1-9]\d{8}$/))
      .filter((p) => PhoneNumber.problem(p) === null);
    // A search of failure reasons needs 3 letters or digits in a row (what a trigram index can serve).
    const search = fc.oneof(fc.constant(''), phone, fc.uuid(), fc.stringMatching(/^[a-zğüşıöç0-9]{3,12}([ .:%_()#-][A-Za-z0-9 .:%_()#-]{0,8})?$/));
    ctx = { doc, overrides: { phoneNumber: phone, q: search } };

    // The data the fuzz must leave as it is: pending messages due far in the future, and sent ones.
    const create = async (body: object) => (await stack.api('post', '/api/v1/messages').send(body).expect(201)).body.id as string;
    sentIds = [
      await create({ phoneNumber: '+905550000001', content: 'sent 1' }),
      await create({ phoneNumber: '+905550000002', content: 'sent 2' }),
      await create({ phoneNumber: '+905550000003', content: 'sent 3' }),
    ];
    await stack.api('post', '/api/v1/scheduler/start').expect(200);
    for (const id of sentIds) await waitFor(`message ${id} sent`, async () => (await stack.row(id)).status === 'sent');
    await stack.api('post', '/api/v1/scheduler/stop').expect(200);
    pendingIds = [];
    for (let i = 0; i < 4; i += 1)
      pendingIds.push(await create({ phoneNumber: `+90555000001${i}`, content: `pending ${i} ğ😀`, sendAfter: '2999-01-01T00:00:00Z' }));
    seededIds = [...sentIds, ...pendingIds];
    seededRows = JSON.stringify((await stack.db.sql.query('SELECT * FROM messages ORDER BY seq')).rows);
    cursors['/api/v1/messages'] = [(await stack.api('get', '/api/v1/messages?limit=2').expect(200)).body.nextCursor];
    cursors['/api/v1/messages/sent'] = [(await stack.api('get', '/api/v1/messages/sent?limit=1').expect(200)).body.nextCursor];
    // The start and the stop above are in the operator log: two entries, so a page of one has a next one.
    cursors['/api/v1/audit'] = [(await stack.api('get', '/api/v1/audit?limit=1').expect(200)).body.nextCursor];
    // The machine's Redis holds at least the three receipts above (and maybe other tests'): a walk of one per page goes on.
    const cached = (await stack.api('get', '/api/v1/messages/cached?limit=1').expect(200)).body.nextCursor;
    if (cached) cursors['/api/v1/messages/cached'] = [cached];
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('makes valid bodies that match the document, and invalid ones that do not (the generator itself)', () => {
    const validate = documentValidator(doc);
    for (const op of operations.filter((o) => o.bodySchema)) {
      const schema = op.bodySchema as SchemaObject;
      for (const body of fc.sample(validValue(ctx, schema), { seed: SEED, numRuns: 50 }))
        expect({ op: op.path, body, ...validate(schema, body) }).toEqual({ op: op.path, body, valid: true, errors: '' });
      // Refused by the schema, or holding a date-time the schema's description refuses (a year past 9999 once the offset is applied...).
      const wordsRefuse = (body: unknown) => BAD_DATE_TIMES.some((d) => JSON.stringify(body).includes(JSON.stringify(d)));
      for (const body of fc.sample(invalidValue(ctx, schema), { seed: SEED, numRuns: 50 })) {
        expect({ op: op.path, body, refused: !validate(schema, body).valid || wordsRefuse(body) }).toEqual({ op: op.path, body, refused: true });
      }
    }
  });

  it('answers valid requests of every operation with a documented 2xx', async () => {
    await fuzz('valid', validCases, (op) => (hasInput(op) ? Math.ceil(RUNS / 2) : 3));
    await stack.api('post', '/api/v1/scheduler/stop').expect(200);
  }, 400_000);

  it('answers hostile requests of every operation with a documented 4xx and the error body, never a 5xx or a stack trace', async () => {
    await fuzz('hostile', hostileCases, () => RUNS);
  }, 400_000);

  it('answers requests at the edges of every operation as documented, never with a 5xx', async () => {
    await fuzz('edge', edgeCases, () => Math.ceil(RUNS / 2));
    await stack.api('post', '/api/v1/scheduler/stop').expect(200);
  }, 400_000);

  it('is still ready afterwards, with its data intact', async () => {
    await stack.api('get', '/health/ready', false).expect(200);
    const { rows } = await stack.db.sql.query('SELECT * FROM messages WHERE id = ANY($1::uuid[]) ORDER BY seq', [seededIds]);
    expect(JSON.stringify(rows)).toBe(JSON.stringify(JSON.parse(seededRows).filter((r: { id: string }) => seededIds.includes(r.id))));
    const { rows: all } = await stack.db.sql.query('SELECT id FROM messages');
    const ids = new Set(all.map((r: { id: string }) => r.id));
    expect(ids.size).toBe(seededIds.length + created.size);
    for (const id of created) expect(ids.has(id)).toBe(true);
    console.log(
      `openapi fuzz: ${requests} requests, ${created.size} messages created; statuses seen per operation:\n` +
        `${[...seenStatuses].map(([op, s]) => `  ${op}: ${[...s].sort().join(', ')}`).join('\n')}`,
    );
  });
});
