import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { type Stack, startStack } from '@test/support/stack.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * The correlation id every answer carries in x-request-id: the caller's when it is sane, else a
 * fresh UUID, on errors as on successes. (What the log lines hold is checked on the real
 * process's output in test/fault/logging-redaction.spec.ts; the e2e stack logs nothing.)
 */
describe('x-request-id (e2e)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });

  afterAll(async () => {
    await stack.close();
  });

  it('echoes a sane x-request-id', async () => {
    for (const id of ['abc', 'req-123_4.5:6', 'A'.repeat(128), '0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11']) {
      const res = await stack.api('get', '/api/v1/scheduler/status').set('x-request-id', id).expect(200);
      expect(res.headers['x-request-id']).toBe(id);
    }
  });

  it('generates a UUID when there is none', async () => {
    const first = await stack.api('get', '/api/v1/scheduler/status').expect(200);
    const second = await stack.api('get', '/api/v1/scheduler/status').expect(200);
    expect(first.headers['x-request-id']).toMatch(UUID);
    expect(second.headers['x-request-id']).toMatch(UUID);
    expect(second.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
  });

  it.each([
    ['empty', ''],
    ['too long', 'A'.repeat(129)],
    ['with spaces', 'two words'],
    ['with markup', '<script>alert(1)</script>'],
    ['with a line break attempt', 'abc%0d%0aSet-Cookie:x=1'],
    ['with quotes and braces', '"},{"level":"fatal'],
  ])('replaces an unusable x-request-id (%s) with a UUID', async (_what, id) => {
    const res = await stack.api('get', '/api/v1/scheduler/status').set('x-request-id', id).expect(200);
    expect(res.headers['x-request-id']).toMatch(UUID);
  });

  it('replaces non-ASCII (sent as raw bytes) with a UUID', async () => {
    const res = await stack.api('get', '/api/v1/scheduler/status').set('x-request-id', Buffer.from('iğne', 'utf8').toString('latin1')).expect(200);
    expect(res.headers['x-request-id']).toMatch(UUID);
  });

  it('is on 401, 400, 404, 413 and unknown-route answers too', async () => {
    const unauthorized = await stack.api('get', '/api/v1/messages', false).set('x-request-id', 'id-401').expect(401);
    expect(unauthorized.headers['x-request-id']).toBe('id-401');

    const wrongKey = await stack.api('get', '/api/v1/messages', false).set('x-ins-auth-key', 'not-the-right-key-at-all').expect(401);
    expect(wrongKey.headers['x-request-id']).toMatch(UUID);

    const invalid = await stack.api('post', '/api/v1/messages').set('x-request-id', 'id-400').send({ phoneNumber: 'nope', content: 'hi' }).expect(400);
    expect(invalid.headers['x-request-id']).toBe('id-400');

    // Refused by the body parser, before Nest's pipeline: the id is set ahead of it.
    const badJson = await stack
      .api('post', '/api/v1/messages')
      .set('x-request-id', 'id-400-json')
      .set('content-type', 'application/json')
      .send('{"phoneNumber":')
      .expect(400);
    expect(badJson.body.code).toBe('INVALID_JSON');
    expect(badJson.headers['x-request-id']).toBe('id-400-json');
    const tooLarge = await stack
      .api('post', '/api/v1/messages')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ content: 'x'.repeat(70 * 1024) }))
      .expect(413);
    expect(tooLarge.headers['x-request-id']).toMatch(UUID);

    const notFound = await stack.api('get', '/api/v1/messages/0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11').set('x-request-id', 'id-404').expect(404);
    expect(notFound.headers['x-request-id']).toBe('id-404');
    const noRoute = await request(stack.app.getHttpServer()).get('/no/such/route').expect(404);
    expect(noRoute.headers['x-request-id']).toMatch(UUID);
  });

  it('is on the health probes and the docs', async () => {
    const live = await stack.api('get', '/health/live', false).set('x-request-id', 'probe-1').expect(200);
    expect(live.headers['x-request-id']).toBe('probe-1');
    const docs = await stack.api('get', '/docs-json', false).expect(200);
    expect(docs.headers['x-request-id']).toMatch(UUID);
  });
});
