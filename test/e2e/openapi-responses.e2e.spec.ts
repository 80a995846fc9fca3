import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Response } from 'supertest';
import { expectResponseToMatchDocument, fetchDocument, type OpenApiDocument } from '@test/support/openapi.js';
import { type Stack, startStack, waitFor } from '@test/support/stack.js';

/**
 * The document is the contract: each answer of the main routes, success and error, is checked
 * against the schema the document gives its operation and status (closed objects: no field the
 * document does not name), and an error's code must be one the document lists for that status.
 */
describe('answers match the OpenAPI document (e2e)', () => {
  let stack: Stack;
  let doc: OpenApiDocument;
  const UNKNOWN_ID = '0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11';

  beforeAll(async () => {
    stack = await startStack();
    doc = await fetchDocument(stack);
  });

  afterAll(async () => {
    await stack.close();
  });

  /** The answer, after checking it against the document. */
  async function checked(request: Promise<Response> | { then: Promise<Response>['then'] }, status: number): Promise<Response> {
    const res = await request;
    expect({ status: res.status, body: res.body }).toMatchObject({ status });
    expectResponseToMatchDocument(doc, res);
    return res;
  }

  const api = (method: 'get' | 'post', path: string, auth = true) => stack.api(method, path, auth);
  const status = async (id: string) => (await stack.row(id)).status;

  async function dispatchUntil(id: string, wanted: string): Promise<void> {
    await checked(api('post', '/api/v1/scheduler/start'), 200);
    await waitFor(`message ${id} ${wanted}`, async () => (await status(id)) === wanted);
    await checked(api('post', '/api/v1/scheduler/stop'), 200);
  }

  it('message routes: create, batch, get, lists, stats, replay one and many, with their errors', async () => {
    const created = await checked(api('post', '/api/v1/messages').send({ phoneNumber: '+905551111111', content: 'Merhaba 😀', sendAfter: null }), 201);
    const sent = created.body.id as string;
    const replayed = await checked(
      api('post', '/api/v1/messages').set('Idempotency-Key', 'contract-1').send({ phoneNumber: '+905551111112', content: 'once' }),
      201,
    );
    const again = await checked(
      api('post', '/api/v1/messages').set('Idempotency-Key', 'contract-1').send({ phoneNumber: '+905551111112', content: 'once' }),
      201,
    );
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(replayed.body.id);
    await checked(api('post', '/api/v1/messages').set('Idempotency-Key', 'contract-1').send({ phoneNumber: '+905551111112', content: 'twice' }), 422);
    await checked(api('post', '/api/v1/messages').set('Idempotency-Key', 'has spaces in it').send({ phoneNumber: '+905551111112', content: 'x' }), 400);

    const batch = await checked(
      api('post', '/api/v1/messages/batch').send({
        messages: [
          { phoneNumber: '+905551111113', content: 'one', expiresAt: '2999-01-01T00:00:00+03:00' },
          { phoneNumber: 5, content: 'two' },
        ],
      }),
      201,
    );
    expect(batch.body).toMatchObject({ created: 1, failed: 1 });
    await checked(
      api('post', '/api/v1/messages/batch?atomic=true').send({ messages: [{ phoneNumber: '+905551111113', content: 'one' }, { content: 'two' }] }),
      400,
    );
    await checked(api('post', '/api/v1/messages/batch?atomic=maybe').send({ messages: [{ phoneNumber: '+905551111113', content: 'one' }] }), 400);
    await checked(api('post', '/api/v1/messages/batch').send({ messages: [] }), 400);

    // Validation, body and media type errors of the body routes.
    await checked(api('post', '/api/v1/messages').send({ phoneNumber: '05551111111', content: 'ğ'.repeat(161), extra: 1 }), 400);
    await checked(api('post', '/api/v1/messages').send({ phoneNumber: '+905551111111', content: 'hi', sendAfter: '2026-W47-1' }), 400);
    await checked(api('post', '/api/v1/messages').set('Content-Type', 'application/json').send('{"phoneNumber": '), 400);
    await checked(
      api('post', '/api/v1/messages')
        .set('Content-Type', 'application/json')
        .send(`${'['.repeat(5_000)}${']'.repeat(5_000)}`),
      400,
    );
    await checked(api('post', '/api/v1/messages').send({ phoneNumber: '+905551111111', content: 'x'.repeat(70_000) }), 413);
    await checked(api('post', '/api/v1/messages').set('Content-Type', 'text/plain').send('hello'), 415);
    await checked(api('post', '/api/v1/messages/replay').send({ status: ['failed'], from: '2026-11-23T00:00:00Z', to: '2026-11-22T00:00:00Z' }), 400);
    await checked(api('post', '/api/v1/messages/replay').set('Content-Type', 'application/xml').send('<status/>'), 415);

    // One message sent, one failed (the gateway refuses it), then the failed one replayed.
    await dispatchUntil(sent, 'sent');
    const failed = (await checked(api('post', '/api/v1/messages').send({ phoneNumber: '+905551111114', content: 'refused' }), 201)).body.id as string;
    stack.sandbox.configure({ mode: '400' });
    await dispatchUntil(failed, 'failed');
    stack.sandbox.configure({ mode: 'accept' });

    await checked(api('get', `/api/v1/messages/${sent}`), 200);
    await checked(api('get', `/api/v1/messages/${UNKNOWN_ID}`), 404);
    await checked(api('get', '/api/v1/messages/not-a-uuid'), 404);
    await checked(api('get', '/api/v1/messages/%zz'), 400);
    await checked(api('post', `/api/v1/messages/${sent}/replay`), 409);
    await checked(api('post', `/api/v1/messages/${UNKNOWN_ID}/replay`), 404);
    await checked(api('post', '/api/v1/messages/%E0%A4%A/replay'), 400);
    await checked(api('post', '/api/v1/messages/replay').send({ status: ['failed'], dryRun: true }), 200);
    await checked(api('post', '/api/v1/messages/replay').send({ status: ['sent'] }), 409);
    await checked(api('post', `/api/v1/messages/${failed}/replay`), 200);
    const details = await checked(api('get', `/api/v1/messages/${failed}`), 200);
    expect(details.body).toMatchObject({
      status: 'pending',
      attempts: [expect.objectContaining({ outcome: 'rejected' })],
      replays: [expect.objectContaining({ previousStatus: 'failed' })],
    });
    await checked(api('post', '/api/v1/messages/replay').send({ status: ['failed', 'unknown', 'expired'], from: '2026-11-22T00:00:00+03:00' }), 200);

    const page = await checked(api('get', '/api/v1/messages?limit=2'), 200);
    await checked(api('get', `/api/v1/messages?limit=2&cursor=${page.body.nextCursor}`), 200);
    await checked(api('get', '/api/v1/messages?status=sent'), 200);
    await checked(api('get', '/api/v1/messages?status=done'), 400);
    await checked(api('get', '/api/v1/messages?cursor=eyJ4IjoxfQ'), 400);
    const sentPage = await checked(api('get', '/api/v1/messages/sent?limit=1'), 200);
    expect(sentPage.body.items).toHaveLength(1);
    await checked(api('get', '/api/v1/messages/sent?limit=101'), 400);
    await checked(api('get', `/api/v1/messages/sent?cursor=${Buffer.from(JSON.stringify(['sent', '99999999999999999999', '1'])).toString('base64url')}`), 400);
    await checked(api('get', '/api/v1/messages/stats'), 200);

    // Receipts: of a sent message (Redis or PostgreSQL), none for a failed or unknown one; the receipts Redis holds.
    await waitFor('the receipt cached', async () => (await api('get', `/api/v1/messages/${sent}/receipt`)).body.source === 'cache');
    await checked(api('get', `/api/v1/messages/${sent}/receipt`), 200);
    await checked(api('get', `/api/v1/messages/${failed}/receipt`), 404);
    await checked(api('get', `/api/v1/messages/${UNKNOWN_ID}/receipt`), 404);
    await checked(api('get', '/api/v1/messages/%zz/receipt'), 400);
    const cached = await checked(api('get', '/api/v1/messages/cached?limit=1'), 200);
    if (cached.body.nextCursor) await checked(api('get', `/api/v1/messages/cached?limit=1&cursor=${cached.body.nextCursor}`), 200);
    await checked(api('get', '/api/v1/messages/cached?cursor=eyJ4IjoxfQ'), 400);
    await checked(api('get', '/api/v1/messages/cached?limit=0'), 400);
  });

  it('scheduler routes', async () => {
    await checked(api('get', '/api/v1/scheduler/status'), 200);
    await checked(api('post', '/api/v1/scheduler/start'), 200);
    await checked(api('get', '/api/v1/scheduler/status'), 200);
    await checked(api('post', '/api/v1/scheduler/stop'), 200);
  });

  it.each([
    ['get', '/api/v1/messages'],
    ['post', '/api/v1/messages'],
    ['post', '/api/v1/messages/batch'],
    ['get', `/api/v1/messages/${UNKNOWN_ID}`],
    ['get', `/api/v1/messages/${UNKNOWN_ID}/receipt`],
    ['get', '/api/v1/messages/cached'],
    ['post', '/api/v1/scheduler/start'],
    ['get', '/api/v1/scheduler/status'],
  ] as const)('%s %s without a key, or with a wrong one: 401', async (method, path) => {
    await checked(api(method, path, false), 401);
    await checked(api(method, path, false).set('x-ins-auth-key', 'wrong').set('Content-Type', 'text/plain').send('x'.repeat(100_000)), 401);
  });

  it('public routes: live, ready (and not ready), version, metrics', async () => {
    await checked(api('get', '/health/live', false), 200);
    await checked(api('get', '/health/ready', false), 200);
    await checked(api('get', '/health', false), 200);
    await checked(api('get', '/version', false), 200);
    const metrics = await checked(api('get', '/metrics', false), 200);
    expect(metrics.text).toContain('dispatcher_scheduler_running');

    // A migration the database has not run: not ready.
    const { rows } = await stack.db.sql.query('SELECT * FROM typeorm_migrations ORDER BY id DESC LIMIT 1');
    await stack.db.sql.query('DELETE FROM typeorm_migrations WHERE id = $1', [rows[0].id]);
    try {
      await checked(api('get', '/health/ready', false), 503);
    } finally {
      await stack.db.sql.query('INSERT INTO typeorm_migrations (id, timestamp, name) VALUES ($1, $2, $3)', [rows[0].id, rows[0].timestamp, rows[0].name]);
    }
    await checked(api('get', '/health/ready', false), 200);
  });

  it('any route: request line and headers over 16 KB get 431 with the error body', async () => {
    for (const [method, path, auth] of [
      ['get', '/health/live', false],
      ['get', '/version', false],
      ['get', '/api/v1/messages/stats', true],
      ['post', '/api/v1/messages', true],
    ] as const) {
      await checked(api(method, path, auth).set('x-padding', 'a'.repeat(17 * 1024)), 431);
    }
  });
});
