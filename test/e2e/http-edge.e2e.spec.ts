import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Agent, type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { MAX_BATCH_BODY_KEYS, MAX_BODY_DEPTH, MAX_BODY_KEYS, bodyRoutes } from '../../apps/dispatcher/src/http/body-parsing.js';
import { API_KEY, type Stack, startStack } from '@test/support/stack.js';

/**
 * The HTTP edge, on the real app over real sockets (node:http and node:net, so that every byte
 * and header is the test's): the API key before any body is read, bodies parsed only where a
 * route takes one and only as JSON within bounds, malformed paths, and requests Node's parser
 * refuses. Every refusal is the error body { statusCode, code, message }, never a stack trace.
 */

const UNKNOWN_ID = '0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11';
const BODY_ROUTES = ['/api/v1/messages', '/api/v1/messages/batch', '/api/v1/messages/replay'];
const JSON_TYPE = 'application/json';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** Parsed when the answer is JSON. */
  body: unknown;
  /** Whether the request went out on a connection an earlier request had used. */
  reusedSocket: boolean;
}

/** A body: the bytes and the headers that describe them. */
interface Payload {
  headers: Record<string, string>;
  data: string | Buffer;
}

const json = (data: string | Buffer, type = JSON_TYPE): Payload => ({ headers: { 'content-type': type }, data });
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const keys = (count: number) => `{${Array.from({ length: count }, (_, i) => `"k${i}":1`).join(',')}}`;
const big = (bytes: number) => JSON.stringify({ phoneNumber: '+905551111111', content: 'x'.repeat(bytes) });

/** Bodies nobody should have to read, parse or inflate before knowing who sends them. */
const HOSTILE: [string, Payload][] = [
  ['broken JSON', json('{"phoneNumber": "+9055')],
  ['JSON over 64 KB', json(big(70 * 1024))],
  ['JSON over the batch limit', json(big(1300 * 1024))],
  ['gzip that is not gzip', { headers: { 'content-type': JSON_TYPE, 'content-encoding': 'gzip' }, data: 'not gzip at all' }],
  ['an unknown Content-Encoding', { headers: { 'content-type': JSON_TYPE, 'content-encoding': 'compress' }, data: '{}' }],
  ['charset=latin1', json('{"content":"\xe9"}', 'application/json; charset=latin1')],
  ['text/plain', json('hello', 'text/plain')],
  ['a form', json('phoneNumber=%2B905551111111&content=hi', 'application/x-www-form-urlencoded')],
  ['an array nested 5,000 deep', json(nested(5000))],
  ['too many keys', json(keys(MAX_BATCH_BODY_KEYS + 1))],
];

function expectErrorBody(answer: Answer, statusCode: number, code: string, message?: string): void {
  expect(answer.status).toBe(statusCode);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  expect(answer.body).toEqual({ statusCode, code, message: message ?? expect.any(String) });
  expect(answer.text).not.toMatch(/\bat \w|node_modules|Error:/);
}

describe('HTTP edge (e2e)', () => {
  let stack: Stack;
  let port: number;
  let agent: Agent;

  /** One request over node:http; `agent` keeps connections alive, one at a time. */
  function send(method: string, path: string, options: { key?: string | null; payload?: Payload; via?: Agent } = {}): Promise<Answer> {
    const { key = API_KEY, payload, via = agent } = options;
    const headers: Record<string, string | number> = { ...(payload?.headers ?? {}) };
    if (key !== null) headers['x-ins-auth-key'] = key;
    if (payload) headers['content-length'] = Buffer.byteLength(payload.data);
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: via }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const isJson = (res.headers['content-type'] ?? '').startsWith(JSON_TYPE);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: isJson ? JSON.parse(text) : undefined, reusedSocket: req.reusedSocket });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload?.data);
    });
  }

  /**
   * Writes raw bytes on a new connection and reads one answer (head and Content-Length body),
   * without waiting for the connection to close or for the test to have sent everything.
   */
  function exchange(bytes: string | Buffer, options: { keepWriting?: boolean } = {}): Promise<Answer & { closed: Promise<void> }> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      const closed = new Promise<void>((done) => socket.on('close', () => done()));
      let received = Buffer.alloc(0);
      socket.on('error', reject);
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        const headEnd = received.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        const [statusLine, ...lines] = received.subarray(0, headEnd).toString('latin1').split('\r\n');
        const headers: IncomingHttpHeaders = {};
        for (const line of lines) headers[line.slice(0, line.indexOf(':')).toLowerCase()] = line.slice(line.indexOf(':') + 1).trim();
        const length = Number(headers['content-length'] ?? 0);
        if (received.length < headEnd + 4 + length) return;
        const text = received.subarray(headEnd + 4, headEnd + 4 + length).toString('utf8');
        socket.removeAllListeners('data');
        socket.on('error', () => undefined);
        // The server closes a connection it refused; any other is the test's to close.
        if (headers.connection !== 'close') socket.destroy();
        else socket.resume();
        const isJson = (headers['content-type'] ?? '').startsWith(JSON_TYPE);
        resolve({ status: Number(statusLine.split(' ')[1]), headers, text, body: isJson ? JSON.parse(text) : undefined, reusedSocket: false, closed });
      });
      socket.write(bytes);
      if (!options.keepWriting) socket.end();
    });
  }

  beforeAll(async () => {
    stack = await startStack();
    const server = stack.app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    agent = new Agent({ keepAlive: true, maxSockets: 1 });
  });

  afterAll(async () => {
    agent.destroy();
    await stack.close();
  });

  describe('the API key comes before the body', () => {
    const cases = BODY_ROUTES.flatMap((route) => HOSTILE.map(([what, payload]) => [route, what, payload] as const));

    it.each(cases)('POST %s with %s and no key: 401', async (route, _what, payload) => {
      const answer = await send('POST', route, { key: null, payload });
      expectErrorBody(answer, 401, 'UNAUTHORIZED', 'missing x-ins-auth-key header');
      expect(answer.headers['x-request-id']).toEqual(expect.any(String));
    });

    it.each(cases)('POST %s with %s and a wrong key: 401', async (route, _what, payload) => {
      const answer = await send('POST', route, { key: 'not-the-right-key-at-all', payload });
      expectErrorBody(answer, 401, 'UNAUTHORIZED', 'invalid x-ins-auth-key header');
    });

    it.each(HOSTILE)('GET /api/v1/messages/stats with %s and no key: 401', async (_what, payload) => {
      expectErrorBody(await send('GET', '/api/v1/messages/stats', { key: null, payload }), 401, 'UNAUTHORIZED', 'missing x-ins-auth-key header');
    });

    it('answers 401 without waiting for the body: the client is still sending it', async () => {
      const head =
        'POST /api/v1/messages HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\nx-request-id: early-401\r\n\r\n';
      const answer = await exchange(`${head}{"phoneNumber":`, { keepWriting: true });
      expectErrorBody(answer, 401, 'UNAUTHORIZED', 'missing x-ins-auth-key header');
      expect(answer.headers['x-request-id']).toBe('early-401');
    });

    it('never invites the body of an unauthenticated Expect: 100-continue request: 401 at once, and the connection closes', async () => {
      const head =
        'POST /api/v1/messages/batch HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1300000\r\nExpect: 100-continue\r\n\r\n';
      const answer = await exchange(head, { keepWriting: true });
      expectErrorBody(answer, 401, 'UNAUTHORIZED', 'missing x-ins-auth-key header');
      expect(answer.headers.connection).toBe('close');
      await answer.closed;
    });

    it('invites the body of an authenticated Expect: 100-continue request when it is about to read it', async () => {
      const message = JSON.stringify({ phoneNumber: '+905551111111', content: 'asked first' });
      const head =
        `POST /api/v1/messages HTTP/1.1\r\nHost: localhost\r\nx-ins-auth-key: ${API_KEY}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${message.length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`;
      const socket = connect(port, '127.0.0.1');
      let received = '';
      const done = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      socket.on('data', (chunk: Buffer) => {
        const before = received;
        received += chunk.toString('utf8');
        if (!before.includes('100 Continue') && received.startsWith('HTTP/1.1 100 Continue\r\n\r\n')) socket.write(message);
      });
      socket.write(head);
      await done;
      expect(received).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 201 Created\r\n/);
      expect(JSON.parse(received.slice(received.lastIndexOf('\r\n\r\n') + 4))).toMatchObject({ content: 'asked first', status: 'pending' });
    });

    it('answers 401 to an unknown /api/v1 route without a key, 404 with one', async () => {
      expectErrorBody(await send('GET', '/api/v1/nope', { key: null }), 401, 'UNAUTHORIZED');
      expectErrorBody(await send('GET', '/api/v1/nope'), 404, 'NOT_FOUND');
    });
  });

  describe('the body routes take JSON only', () => {
    const NOT_JSON = 'request body must be JSON (Content-Type: application/json)';

    it.each(
      BODY_ROUTES.flatMap((route) =>
        [
          json('hello', 'text/plain'),
          json('phoneNumber=%2B905551111111&content=hi', 'application/x-www-form-urlencoded'),
          json('--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n', 'multipart/form-data; boundary=x'),
          json('<message/>', 'application/xml'),
          { headers: {}, data: '{"phoneNumber":"+905551111111","content":"hi"}' },
          json('{}', 'not a media type'),
        ].map((payload) => [route, payload.headers['content-type'] ?? 'no Content-Type', payload] as const),
      ),
    )('POST %s with %s: 415', async (route, _type, payload) => {
      expectErrorBody(await send('POST', route, { payload }), 415, 'UNSUPPORTED_MEDIA_TYPE', NOT_JSON);
    });

    it.each(BODY_ROUTES)('POST %s with a charset or an encoding it cannot read: 415', async (route) => {
      const charset = 'request body charset is not supported (use utf-8)';
      expectErrorBody(await send('POST', route, { payload: json('{}', 'application/json; charset=latin1') }), 415, 'UNSUPPORTED_MEDIA_TYPE', charset);
      expectErrorBody(
        await send('POST', route, { payload: json(Buffer.from('{}', 'utf16le'), 'application/json; charset=utf-16le') }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        charset,
      );
      const compress = { headers: { 'content-type': JSON_TYPE, 'content-encoding': 'compress' }, data: '{}' };
      expectErrorBody(await send('POST', route, { payload: compress }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it.each(BODY_ROUTES)('POST %s with gzip that is not gzip: 400', async (route) => {
      const payload = { headers: { 'content-type': JSON_TYPE, 'content-encoding': 'gzip' }, data: 'not gzip at all' };
      expectErrorBody(
        await send('POST', route, { payload }),
        400,
        'INVALID_JSON',
        'request body could not be decoded (Content-Encoding does not match the data)',
      );
    });

    it('still takes gzip, charset=utf-8 and application/*+json, as before', async () => {
      const message = JSON.stringify({ phoneNumber: '+905551111111', content: 'gzipped' });
      const gzipped = await send('POST', '/api/v1/messages', {
        payload: { headers: { 'content-type': JSON_TYPE, 'content-encoding': 'gzip' }, data: gzipSync(message) },
      });
      expect(gzipped.status).toBe(201);
      expect(gzipped.body).toMatchObject({ content: 'gzipped', status: 'pending' });
      expect((await send('POST', '/api/v1/messages', { payload: json(message, 'application/json; charset=UTF-8') })).status).toBe(201);
      expect((await send('POST', '/api/v1/messages', { payload: json(message, 'application/vnd.api+json') })).status).toBe(201);
    });

    it.each(BODY_ROUTES)('POST %s with no body at all: the validation 400 it always got', async (route) => {
      const answer = await send('POST', route);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
      const empty = await send('POST', route, { payload: json('', 'text/plain') });
      expect(empty.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    });
  });

  describe('routes without a body ignore one', () => {
    const ROUTES: [string, string, number, boolean][] = [
      ['GET', '/health/live', 200, false],
      ['GET', '/health/ready', 200, false],
      ['GET', '/health', 200, false],
      ['GET', '/version', 200, false],
      ['GET', '/metrics', 200, false],
      ['GET', '/docs-json', 200, false],
      ['GET', '/api/v1/scheduler/status', 200, true],
      ['POST', '/api/v1/scheduler/stop', 200, true],
      ['GET', '/api/v1/messages/stats', 200, true],
      ['GET', '/api/v1/messages', 200, true],
      ['GET', '/api/v1/messages/sent', 200, true],
      ['GET', '/api/v1/messages/cached', 200, true],
      ['GET', `/api/v1/messages/${UNKNOWN_ID}`, 404, true],
      ['GET', `/api/v1/messages/${UNKNOWN_ID}/receipt`, 404, true],
      ['POST', `/api/v1/messages/${UNKNOWN_ID}/replay`, 404, true],
    ];
    const cases = ROUTES.flatMap(([method, path, status, withKey]) =>
      [
        ['broken JSON', json('{"phoneNumber": "+9055')],
        ['2 MB of JSON', json(big(2 * 1024 * 1024))],
        ['gzip that is not gzip', { headers: { 'content-type': JSON_TYPE, 'content-encoding': 'gzip' }, data: 'not gzip' }],
        ['charset=latin1', json('{}', 'application/json; charset=latin1')],
        ['text/plain', json('hello', 'text/plain')],
        ['5,000 levels of nesting', json(nested(5000))],
      ].map(([what, payload]) => [method, path, what as string, status, withKey, payload as Payload] as const),
    );

    it.each(cases)('%s %s with %s: its usual %i', async (method, path, _what, status, withKey, payload) => {
      const answer = await send(method, path, { key: withKey ? API_KEY : null, payload });
      expect(answer.status).toBe(status);
      if (status >= 400) expect(answer.body).toMatchObject({ statusCode: status, code: 'MESSAGE_NOT_FOUND' });
    });
  });

  describe('nesting depth and number of keys', () => {
    it('refuses the issue example, about 20 KB nested 5,000 deep, on every body route: 400, not 500', async () => {
      const deep = nested(5000);
      expect(deep.length).toBeGreaterThan(9_000);
      for (const route of BODY_ROUTES) {
        expectErrorBody(
          await send('POST', route, { payload: json(deep) }),
          400,
          'BODY_TOO_DEEP',
          `request body is nested more than ${MAX_BODY_DEPTH} levels deep`,
        );
        const inField = `{"phoneNumber":"+905551111111","content":"hi","status":${nested(10_000)}}`;
        expectErrorBody(await send('POST', route, { payload: json(inField) }), 400, 'BODY_TOO_DEEP');
      }
      const inBatch = `{"messages":[{"phoneNumber":"+905551111111","content":${nested(5000)}}]}`;
      expectErrorBody(await send('POST', '/api/v1/messages/batch', { payload: json(inBatch) }), 400, 'BODY_TOO_DEEP');
    });

    it('draws the line at MAX_BODY_DEPTH levels, far from the 3 of any valid body', async () => {
      const body = (depth: number) => `{"phoneNumber":"+905551111111","content":"hi","extra":${nested(depth - 1)}}`;
      const within = await send('POST', '/api/v1/messages', { payload: json(body(MAX_BODY_DEPTH)) });
      expect(within.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED', message: 'extra: property extra should not exist' });
      expectErrorBody(await send('POST', '/api/v1/messages', { payload: json(body(MAX_BODY_DEPTH + 1)) }), 400, 'BODY_TOO_DEEP');
    });

    it('refuses more than MAX_BODY_KEYS keys on a single create or a replay, more than MAX_BATCH_BODY_KEYS on a batch', async () => {
      for (const route of ['/api/v1/messages', '/api/v1/messages/replay']) {
        expectErrorBody(
          await send('POST', route, { payload: json(keys(MAX_BODY_KEYS + 1)) }),
          400,
          'TOO_MANY_KEYS',
          `request body has more than ${MAX_BODY_KEYS} keys`,
        );
        const within = await send('POST', route, { payload: json(keys(MAX_BODY_KEYS)) });
        expect(within.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
      }
      const items = (perItem: number) =>
        JSON.stringify({ messages: Array.from({ length: 1000 }, () => Object.fromEntries(Array.from({ length: perItem }, (_, i) => [`f${i}`, 1]))) });
      expectErrorBody(
        await send('POST', '/api/v1/messages/batch', { payload: json(items(MAX_BATCH_BODY_KEYS / 1000)) }),
        400,
        'TOO_MANY_KEYS',
        `request body has more than ${MAX_BATCH_BODY_KEYS} keys`,
      );
      // 1 + 19,000 keys: within the bound, so each item gets its own error.
      const within = await send('POST', '/api/v1/messages/batch', { payload: json(items(MAX_BATCH_BODY_KEYS / 1000 - 1)) });
      expect(within.status).toBe(201);
      expect(within.body).toMatchObject({ created: 0, failed: 1000 });
    });

    it('counts neither brackets nor colons inside strings', async () => {
      const content = '[{:'.repeat(53);
      const answer = await send('POST', '/api/v1/messages', { payload: json(JSON.stringify({ phoneNumber: '+905551111111', content })) });
      expect(answer.status).toBe(201);
      expect(answer.body).toMatchObject({ content });
    });
  });

  describe('malformed percent-encoding in a path', () => {
    const MALFORMED = 'request path has a malformed percent-encoding';

    it.each([
      ['GET', '/api/v1/messages/%zz'],
      ['GET', '/api/v1/messages/%FF'],
      ['POST', '/api/v1/messages/%zz/replay'],
      ['GET', '/health/%zz'],
      ['GET', '/docs/%zz'],
      ['GET', '/%zz'],
      ['GET', '/version%'],
    ])('%s %s: JSON 400', async (method, path) => {
      expectErrorBody(await send(method, path), 400, 'INVALID_PATH', MALFORMED);
    });

    it('answers 401 first without a key on /api/v1', async () => {
      expectErrorBody(await send('GET', '/api/v1/messages/%zz', { key: null }), 401, 'UNAUTHORIZED');
    });

    it('leaves well-formed escapes alone', async () => {
      expectErrorBody(await send('GET', '/api/v1/messages/%7Bid%7D'), 404, 'MESSAGE_NOT_FOUND');
    });
  });

  describe('requests Node cannot parse', () => {
    it('answers a head over 16 KB with a JSON 431, and closes', async () => {
      const answer = await exchange(`GET /health/live HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`);
      expectErrorBody(answer, 431, 'HEADERS_TOO_LARGE', 'request line and headers are larger than 16 KB');
      expect(answer.headers.connection).toBe('close');
      await answer.closed;
    });

    it('answers a request line over 16 KB with the same 431, on /api/v1 too', async () => {
      const answer = await exchange(`GET /api/v1/messages?x=${'a'.repeat(20 * 1024)} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
      expectErrorBody(answer, 431, 'HEADERS_TOO_LARGE');
    });

    it.each([
      ['a request line that is not HTTP', 'HELLO THERE\r\n\r\n'],
      ['a header with no colon', 'GET /health/live HTTP/1.1\r\nHost: localhost\r\nno colon here\r\n\r\n'],
      [
        'a bad chunk size',
        `POST /api/v1/messages HTTP/1.1\r\nHost: localhost\r\nx-ins-auth-key: ${API_KEY}\r\n` +
          'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      ],
    ])('answers %s with a JSON 400', async (_what, bytes) => {
      const answer = await exchange(bytes);
      expectErrorBody(answer, 400, 'BAD_REQUEST', 'request is not valid HTTP/1.1');
      expect(answer.headers.connection).toBe('close');
    });

    it('keeps serving afterwards', async () => {
      expect((await send('GET', '/health/live')).status).toBe(200);
    });
  });

  describe('keep-alive after a body left unread', () => {
    const body = json(big(200 * 1024));

    it.each([
      ['a route without a body', 'GET', '/health/live', API_KEY, 200],
      ['a 401', 'POST', '/api/v1/messages', null, 401],
      ['a 415', 'POST', '/api/v1/messages/batch', API_KEY, 415],
    ] as const)('the connection serves the next request after %s', async (_what, method, path, key, status) => {
      const own = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const payload = status === 415 ? json(big(200 * 1024), 'text/plain') : body;
        const first = await send(method, path, { key, payload, via: own });
        expect(first.status).toBe(status);
        const second = await send('GET', '/version', { via: own });
        expect(second.status).toBe(200);
        expect(second.reusedSocket).toBe(true);
        const third = await send('GET', '/api/v1/messages/stats', { via: own });
        expect(third.status).toBe(200);
        expect(third.reusedSocket).toBe(true);
      } finally {
        own.destroy();
      }
    });
  });

  it('parses bodies on exactly the operations the OpenAPI document gives a request body', async () => {
    const doc = (await send('GET', '/docs-json', { key: null })).body as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
    const withBody = Object.entries(doc.paths)
      .flatMap(([path, operations]) => Object.entries(operations).map(([method, operation]) => [method, path, operation] as const))
      .filter(([, , operation]) => operation.requestBody !== undefined)
      .map(([method, path]) => `${method} ${path}`)
      .sort();
    expect(withBody).toEqual(
      bodyRoutes(160)
        .map((route) => `post ${route.path}`)
        .sort(),
    );
  });
});
