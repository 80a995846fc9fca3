import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { phones, type Stack, startStack, waitFor } from '@test/support/stack.js';

const BATCH = '/api/v1/messages/batch';

interface Result {
  id?: string;
  error?: { code: string; message: string; details: { field: string; messages: string[] }[] };
}

describe('bulk create (e2e)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });

  afterAll(async () => {
    await stack.close();
  });

  const batch = (body: unknown, query = '') => stack.api('post', `${BATCH}${query}`).send(body as object);
  const count = async () => (await stack.db.sql.query('SELECT count(*)::int AS n FROM messages')).rows[0].n as number;
  const items = (n: number, content = (i: number) => `bulk ${i}`) => phones(n).map((phoneNumber, i) => ({ phoneNumber, content: content(i) }));

  it('creates 1000 messages in one request, answers their ids in order, and they are then visible as pending', async () => {
    const before = await count();
    const messages = items(1000, (i) => `${String(i).padStart(4, '0')} ${'x'.repeat(150)}`);
    expect(JSON.stringify({ messages }).length).toBeGreaterThan(64 * 1024);

    const res = await batch({ messages }).expect(201);

    expect(res.body).toMatchObject({ created: 1000, failed: 0 });
    const ids: string[] = res.body.results.map((r: Result) => r.id);
    expect(new Set(ids).size).toBe(1000);
    const { rows } = await stack.db.sql.query<{ id: string; phone_number: string; content: string; status: string }>(
      'SELECT id, phone_number, content, status FROM messages WHERE id = ANY($1::uuid[]) ORDER BY seq',
      [ids],
    );
    expect(rows.map((r) => [r.id, r.phone_number, r.content, r.status])).toEqual(
      ids.map((id, i) => [id, messages[i].phoneNumber, messages[i].content, 'pending']),
    );
    for (const i of [0, 499, 999]) {
      const one = await stack.api('get', `/api/v1/messages/${ids[i]}`).expect(200);
      expect(one.body).toMatchObject({ id: ids[i], phoneNumber: messages[i].phoneNumber, content: messages[i].content, status: 'pending', attempts: [] });
    }
    await waitFor('the stats to count them', async () => (await stack.api('get', '/api/v1/messages/stats').expect(200)).body.total === before + 1000);
  });

  it('answers each item in request order: the valid ones created, each bad one with the error a single create of it gets', async () => {
    const bad = [
      { phoneNumber: '05551111111', content: 'ğ'.repeat(161) },
      { phoneNumber: '+905551111111', content: 'hi', colour: 'red' },
      { phoneNumber: '+905551111111', content: 'hi', priority: 101 },
      { phoneNumber: '+905551111111', content: 5 },
      { content: 'no phone' },
      { phoneNumber: 7, content: 'hi', extra: true },
      { phoneNumber: '+905551111111', content: 'hi', sendAfter: 'tomorrow' },
      { phoneNumber: '+905551111111', content: 'hi', sendAfter: '2026-W47' },
      { phoneNumber: '+905551111111', content: 'hi', expiresAt: '2020-01-01T00:00:00Z' },
      { phoneNumber: '+905551111111', content: 'x', sendAfter: '2099-01-02T00:00:00Z', expiresAt: '2099-01-01T00:00:00Z' },
    ];
    const single = [];
    for (const item of bad) single.push((await stack.api('post', '/api/v1/messages').send(item).expect(400)).body);
    const [first, last] = items(2);
    const before = await count();

    const res = await batch({ messages: [first, ...bad, last] }).expect(201);

    expect(res.body).toMatchObject({ created: 2, failed: bad.length });
    expect(res.body.results).toHaveLength(bad.length + 2);
    expect(res.body.results.slice(1, -1)).toEqual(single.map(({ code, message, details }) => ({ error: { code, message, details } })));
    expect(res.body.results[6].error.details.map((d: { field: string }) => d.field)).toEqual(['extra', 'phoneNumber']);
    const created = [res.body.results[0].id, res.body.results[bad.length + 1].id];
    expect(await Promise.all(created.map(async (id) => (await stack.row(id)).content))).toEqual([first.content, last.content]);
    expect(await count()).toBe(before + 2);
  });

  describe('atomic=true', () => {
    it('refuses the whole batch when any item is bad, naming every bad item, and creates nothing', async () => {
      const before = await count();
      const messages = [...items(3), { phoneNumber: '123', content: '' }, ...items(1), { phoneNumber: '+905551111111', content: 'hi', priority: 1.5 }];

      const res = await batch({ messages }, '?atomic=true').expect(400);

      expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
      expect(res.body.details).toEqual([
        { field: 'messages[3].phoneNumber', messages: [expect.stringMatching(/E\.164/)] },
        { field: 'messages[3].content', messages: ['content must not be empty'] },
        { field: 'messages[5].priority', messages: ['priority must be a whole number from -100 to 100'] },
      ]);
      expect(res.body.message).toContain('messages[3].phoneNumber: ');
      expect(await count()).toBe(before);
    });

    it('creates all of them when every item is valid; atomic=false is the default mode', async () => {
      expect((await batch({ messages: items(3) }, '?atomic=true').expect(201)).body).toMatchObject({ created: 3, failed: 0 });
      expect((await batch({ messages: [{ phoneNumber: 'x', content: 'y' }] }, '?atomic=false').expect(201)).body).toMatchObject({ created: 0, failed: 1 });
    });

    it.each(['?atomic=yes', '?atomic=1', '?atomic=', '?atomic=true&atomic=false', '?dryRun=true'])('answers 400 to %s', async (query) => {
      const before = await count();
      const res = await batch({ messages: items(1) }, query).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(await count()).toBe(before);
    });
  });

  it.each([
    ['1001 items', () => ({ messages: items(1001) }), 'messages: messages must hold 1 to 1000 items'],
    ['0 items', () => ({ messages: [] }), 'messages: messages must hold 1 to 1000 items'],
    ['no messages', () => ({}), 'messages: '],
    ['messages not an array', () => ({ messages: { phoneNumber: '+905551111111', content: 'hi' } }), 'messages: '],
    ['an item that is not an object', () => ({ messages: [...items(1), 'hi'] }), 'messages: each item of messages must be an object'],
    ['an item that is an array', () => ({ messages: [[]] }), 'messages: each item of messages must be an object'],
    ['a bare array', () => items(2), undefined],
    ['another top-level field', () => ({ messages: items(1), atomic: true }), 'atomic: property atomic should not exist'],
  ])('answers 400 to the whole request for %s, and creates nothing', async (_, body, message) => {
    const before = await count();
    const res = await batch(body()).expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    if (message) expect(res.body.message).toContain(message);
    expect(await count()).toBe(before);
  });

  it('takes a body over the 64 KB of other routes up to its own limit, and answers 413 beyond it', async () => {
    // A client that escapes non-ASCII (\u011f for ğ) sends 1000 messages of 160 Turkish letters in about 1 MB.
    const escaped = JSON.stringify({ messages: items(1000, () => 'ğ'.repeat(160)) }).replace(
      /[\u0080-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    expect(escaped.length).toBeGreaterThan(1_000_000);
    const ok = await stack.api('post', BATCH).set('Content-Type', 'application/json').send(escaped).expect(201);
    expect(ok.body.created).toBe(1000);
    expect((await stack.row(ok.body.results[0].id)).content).toBe('ğ'.repeat(160));

    const before = await count();
    const res = await batch({ messages: items(1000, () => 'x'.repeat(1300)) }).expect(413);
    expect(res.body).toEqual({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: 'request body is larger than 1188 KB' });
    expect(await count()).toBe(before);

    const single = await stack
      .api('post', '/api/v1/messages')
      .send({ phoneNumber: '+905551111111', content: 'x'.repeat(70_000) })
      .expect(413);
    expect(single.body.message).toBe('request body is larger than 64 KB');
  });

  describe('Idempotency-Key', () => {
    it('answers the same batch again with the first answer, replayed, without new rows; another body with the same key is a 422', async () => {
      const body = { messages: [...items(2), { phoneNumber: 'nope', content: 'hi' }] };
      const first = await batch(body).set('Idempotency-Key', 'batch-42').expect(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      const before = await count();

      const again = await batch(body).set('Idempotency-Key', 'batch-42').expect(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(first.body);

      const other = await batch({ messages: items(2) })
        .set('Idempotency-Key', 'batch-42')
        .expect(422);
      expect(other.body).toMatchObject({ statusCode: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
      const atomic = await batch(body, '?atomic=true').set('Idempotency-Key', 'batch-42').expect(422);
      expect(atomic.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await count()).toBe(before);

      await batch(body).set('Idempotency-Key', 'x'.repeat(256)).expect(400);
    });

    it('creates once when 20 identical requests arrive at once, and answers each with the same ids', async () => {
      const body = { messages: items(100, (i) => `concurrent ${i}`) };
      const before = await count();

      const answers = await Promise.all(Array.from({ length: 20 }, () => batch(body).set('Idempotency-Key', 'batch-concurrent')));

      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
      expect(answers.filter((a) => a.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
      for (const answer of answers) expect(answer.body).toEqual(answers[0].body);
      expect(await count()).toBe(before + 100);
    });

    it('keeps batch keys apart from single-create keys', async () => {
      const single = await stack
        .api('post', '/api/v1/messages')
        .set('Idempotency-Key', 'shared-key')
        .send({ phoneNumber: '+905551111111', content: 'single' })
        .expect(201);
      const many = await batch({ messages: items(1) })
        .set('Idempotency-Key', 'shared-key')
        .expect(201);

      expect(many.headers['idempotent-replayed']).toBeUndefined();
      expect(many.body.results[0].id).not.toBe(single.body.id);
    });
  });

  it('answers 401 without the API key, and creates nothing', async () => {
    const before = await count();
    const res = await stack
      .api('post', BATCH, false)
      .send({ messages: items(1) })
      .expect(401);
    expect(res.body).toEqual({ statusCode: 401, code: 'UNAUTHORIZED', message: 'missing x-ins-auth-key header' });
    expect(await count()).toBe(before);
  });

  it('is in the OpenAPI document with its answers, parameters and examples', async () => {
    const doc = (await stack.api('get', '/docs-json', false).expect(200)).body;
    const op = doc.paths[BATCH].post;

    expect(Object.keys(op.responses).sort()).toEqual(['201', '400', '401', '413', '415', '422', '431', '500']);
    expect(op.security).toEqual([{ 'x-ins-auth-key': [] }]);
    expect(op.parameters.map((p: { in: string; name: string }) => `${p.in} ${p.name}`).sort()).toEqual(['header Idempotency-Key', 'query atomic']);
    expect(op.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/CreateMessagesDto');
    expect(op.responses['201'].content['application/json'].schema.$ref).toBe('#/components/schemas/CreateMessagesResultDto');

    const { CreateMessagesDto, CreateMessagesResultDto } = doc.components.schemas;
    expect(CreateMessagesDto.properties.messages).toMatchObject({
      type: 'array',
      minItems: 1,
      maxItems: 1000,
      items: { $ref: '#/components/schemas/CreateMessageDto' },
    });
    expect(CreateMessagesDto.properties.messages.example[0]).toEqual({ phoneNumber: '+905551111111', content: 'hello' });
    expect(CreateMessagesResultDto.properties.results.items.oneOf).toEqual([
      { $ref: '#/components/schemas/CreatedItemDto' },
      { $ref: '#/components/schemas/RefusedItemDto' },
    ]);
    expect(CreateMessagesResultDto.properties.results.example.map((r: object) => Object.keys(r))).toEqual([['id'], ['error']]);
    expect(doc.components.schemas.BatchItemErrorDto.properties.details.items.$ref).toBe('#/components/schemas/FieldViolationDto');
  });
});
