import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { API_KEY, type Stack, startStack } from '@test/support/stack.js';

describe('bad input (e2e)', () => {
  let stack: Stack;
  const post = (body: string, type = 'application/json') => stack.api('post', '/api/v1/messages').set('Content-Type', type).send(body);

  beforeAll(async () => {
    stack = await startStack();
  });

  afterAll(async () => {
    await stack.close();
  });

  async function messageCount(): Promise<number> {
    return (await stack.db.sql.query('SELECT count(*)::int AS n FROM messages')).rows[0].n;
  }

  it('creates a valid message: 201 with the message, pending', async () => {
    const res = await stack.api('post', '/api/v1/messages').send({ phoneNumber: '+905551111111', content: 'Merhaba 😀' }).expect(201);
    expect(res.body).toMatchObject({ phoneNumber: '+905551111111', content: 'Merhaba 😀', status: 'pending', attemptCount: 0, messageId: null, sentAt: null });
    const fetched = await stack.api('get', `/api/v1/messages/${res.body.id}`).expect(200);
    expect(fetched.body).toEqual({ ...res.body, attempts: [], replays: [], decisions: [] });
  });

  it.each([
    ['invalid JSON', '{"phoneNumber": "+905551111111", "content": ', 400, 'INVALID_JSON', 'request body is not valid JSON'],
    ['a JSON string', '"hello"', 400, 'INVALID_JSON', 'request body is not valid JSON'],
    [
      'an unknown field',
      JSON.stringify({ phoneNumber: '+905551111111', content: 'hi', colour: 'red' }),
      400,
      'VALIDATION_FAILED',
      'colour: property colour should not exist',
    ],
    [
      'a priority out of range',
      JSON.stringify({ phoneNumber: '+905551111111', content: 'hi', priority: 101 }),
      400,
      'VALIDATION_FAILED',
      'priority: priority must be a whole number from -100 to 100',
    ],
    [
      'a priority as a string',
      JSON.stringify({ phoneNumber: '+905551111111', content: 'hi', priority: '5' }),
      400,
      'VALIDATION_FAILED',
      'priority: priority must be a whole number from -100 to 100',
    ],
    ['a number as content', JSON.stringify({ phoneNumber: '+905551111111', content: 5 }), 400, 'VALIDATION_FAILED', 'content: content must be a string'],
    ['a missing phone number', JSON.stringify({ content: 'hi' }), 400, 'VALIDATION_FAILED', 'phoneNumber: phoneNumber must be a string'],
    ['an array', JSON.stringify([{ phoneNumber: '+905551111111', content: 'hi' }]), 400, 'VALIDATION_FAILED', undefined],
    ['null', 'null', 400, 'INVALID_JSON', undefined],
  ])('refuses %s with 400 and a reason', async (_what, body, status, code, message) => {
    const before = await messageCount();
    const res = await post(body).expect(status);
    expect(res.body).toMatchObject({ statusCode: status, code });
    if (message) expect(res.body.message).toBe(message);
    expect(res.body.message.length).toBeGreaterThan(0);
    expect(JSON.stringify(res.body)).not.toMatch(/\bat \w+ \(|node_modules/);
    expect(await messageCount()).toBe(before);
  });

  it('refuses a bad phone number and too long content at once, with a reason per field', async () => {
    const res = await stack
      .api('post', '/api/v1/messages')
      .send({ phoneNumber: '05551111111', content: 'ğ'.repeat(161) })
      .expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    expect(res.body.details).toEqual([
      { field: 'phoneNumber', messages: [expect.stringMatching(/E\.164/)] },
      { field: 'content', messages: ['content must be at most 160 characters (got 161)'] },
    ]);
  });

  it('counts emoji and Turkish letters as one character each', async () => {
    await stack
      .api('post', '/api/v1/messages')
      .send({ phoneNumber: '+905551111111', content: '😀'.repeat(160) })
      .expect(201);
    await stack
      .api('post', '/api/v1/messages')
      .send({ phoneNumber: '+905551111111', content: 'ğ'.repeat(160) })
      .expect(201);
    await stack.api('post', '/api/v1/messages').send({ phoneNumber: '+905551111111', content: '' }).expect(400);
    await stack.api('post', '/api/v1/messages').send({ phoneNumber: '+905551111111', content: 'a\u0000b' }).expect(400);
  });

  it('answers 413 to a body over 64 KB', async () => {
    const res = await post(JSON.stringify({ phoneNumber: '+905551111111', content: 'x'.repeat(70_000) })).expect(413);
    expect(res.body).toEqual({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: 'request body is larger than 64 KB' });
  });

  it('answers 415, not 500, to a body that is not JSON (see http-edge.e2e.spec.ts for the rest of the HTTP edge)', async () => {
    const res = await post('phoneNumber=+905551111111&content=hi', 'application/x-www-form-urlencoded').expect(415);
    expect(res.body).toEqual({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'request body must be JSON (Content-Type: application/json)' });
  });

  it('answers 400, not 500, to the issue example: about 20 KB holding an array nested 5,000 deep', async () => {
    const res = await post(`${'['.repeat(5000)}${']'.repeat(5000)}`).expect(400);
    expect(res.body).toEqual({ statusCode: 400, code: 'BODY_TOO_DEEP', message: 'request body is nested more than 32 levels deep' });
  });

  it.each([
    ['/api/v1/messages/sent?limit=0', 'limit must be a whole number from 1 to 100'],
    ['/api/v1/messages/sent?limit=101', 'limit must be a whole number from 1 to 100'],
    ['/api/v1/messages/sent?limit=abc', 'limit must be a whole number from 1 to 100'],
    ['/api/v1/messages/sent?limit=2.5', 'limit must be a whole number from 1 to 100'],
    // Number() would read these as 16, 10, 20 and 10: only decimal digits are a whole number here.
    ['/api/v1/messages/sent?limit=0x10', 'limit must be a whole number from 1 to 100'],
    ['/api/v1/messages/sent?limit=1e1', 'limit must be a whole number from 1 to 100'],
    ['/api/v1/messages/sent?limit=%2020', 'limit must be a whole number from 1 to 100'],
    ['/api/v1/messages?limit=10.0', 'limit must be a whole number from 1 to 100'],
    ['/api/v1/audit?limit=0x10', 'limit must be a whole number from 1 to 100'],
    ['/api/v1/messages?priority=1e1', 'priority'],
    ['/api/v1/messages/sent?cursor=not-a-cursor', 'cursor is not a value returned as nextCursor by this endpoint'],
    ['/api/v1/messages/sent?cursor=WyJhbGwiLCIxIl0', 'cursor is not a value returned as nextCursor by this endpoint'],
    ['/api/v1/messages?cursor=eyJ4IjoxfQ', 'cursor is not a value returned as nextCursor by this endpoint'],
    ['/api/v1/messages?status=done', 'status must be one of pending, sending, sent, failed, unknown, expired'],
    ['/api/v1/messages/sent?page=2', 'property page should not exist'],
  ])('answers 400 to GET %s', async (path, reason) => {
    const res = await stack.api('get', path).expect(400);
    expect(res.body.message).toContain(reason);
  });

  it('answers 404 to an unknown message id, and to a malformed one', async () => {
    const unknown = await stack.api('get', '/api/v1/messages/0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11').expect(404);
    expect(unknown.body).toEqual({ statusCode: 404, code: 'MESSAGE_NOT_FOUND', message: 'message 0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11 does not exist' });
    await stack.api('get', '/api/v1/messages/not-a-uuid').expect(404);
  });

  it('answers 404 with the error body to an unknown route', async () => {
    const res = await stack.api('get', '/api/v1/nope').set('x-ins-auth-key', API_KEY).expect(404);
    expect(res.body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
  });

  it('pages through messages with their cursor, newest first, and filters by status', async () => {
    const created: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      created.push(
        (
          await stack
            .api('post', '/api/v1/messages')
            .send({ phoneNumber: '+905551111111', content: `page ${i}` })
            .expect(201)
        ).body.id,
      );
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: { id: string; status: string }[]; nextCursor: string | null } } = await stack
        .api('get', `/api/v1/messages?status=pending&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        .expect(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      expect(res.body.items.every((m) => m.status === 'pending')).toBe(true);
      seen.push(...res.body.items.map((m) => m.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen.slice(0, 5)).toEqual([...created].reverse());
    expect(new Set(seen).size).toBe(seen.length);

    const stats = (await stack.api('get', '/api/v1/messages/stats').expect(200)).body;
    expect(stats).toEqual({
      total: seen.length,
      byStatus: { pending: seen.length, sending: 0, sent: 0, failed: 0, unknown: 0, expired: 0 },
      byPriority: [{ priority: 0, pending: seen.length }],
    });
  });
});
