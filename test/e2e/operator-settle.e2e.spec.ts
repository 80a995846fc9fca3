import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { expectResponseToMatchDocument, fetchDocument, type OpenApiDocument } from '@test/support/openapi.js';
import { API_KEY, type Stack, startStack, waitFor } from '@test/support/stack.js';

const GW = '67f2f8a8-ea58-4ed0-a6f9-ff217df4d849';
const UNKNOWN_ID = '0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11';
const ACTOR = `key:${createHash('sha256').update(API_KEY).digest('hex').slice(0, 12)}`;

/** POST /api/v1/messages/{id}/settle over HTTP: a message in doubt settled by hand, and every refusal. */
describe('settle a message in doubt by hand (e2e)', () => {
  let stack: Stack;
  let doc: OpenApiDocument;

  beforeAll(async () => {
    stack = await startStack({ env: { DISPATCH_INTERVAL_MS: '100', WEBHOOK_TIMEOUT_MS: '300', BREAKER_FAILURES: '1000' } });
    doc = await fetchDocument(stack);
  });

  afterAll(async () => {
    await stack.close();
  });

  /** The answer, after checking it against the document. */
  async function settle(id: string, body: unknown, status: number) {
    const res = await stack.api('post', `/api/v1/messages/${id}/settle`).send(body as object);
    expect({ status: res.status, body: res.body }).toMatchObject({ status });
    expectResponseToMatchDocument(doc, res);
    return res.body;
  }

  /** A message whose request went out and got no answer in time: in doubt. */
  async function inDoubt(content: string): Promise<string> {
    stack.sandbox.configure({ mode: 'hang' });
    const [id] = await stack.insert([{ phone: '+905551111111', content }]);
    await stack.api('post', '/api/v1/scheduler/start').expect(200);
    await waitFor(`${content} in doubt`, async () => (await stack.row(id)).status === 'unknown');
    await stack.api('post', '/api/v1/scheduler/stop').expect(200);
    stack.sandbox.configure({ mode: 'accept' });
    return id;
  }

  it('settles a message in doubt as sent: the message, its decision in the history, its receipt and the operator log', async () => {
    const id = await inDoubt('settle me as sent');

    const answer = await settle(id, { outcome: 'sent', reason: 'the gateway support desk confirmed delivery', gatewayMessageId: GW }, 200);

    expect(answer).toMatchObject({ id, status: 'sent', messageId: GW, failureReason: null, attemptCount: 1 });
    expect(answer.decisions).toEqual([
      {
        at: answer.sentAt,
        source: 'api',
        actor: ACTOR,
        outcome: 'sent',
        reason: 'the gateway support desk confirmed delivery',
        gatewayMessageId: GW,
        previousReason: expect.stringContaining('outcome unknown'),
      },
    ]);
    const shown = await stack.api('get', `/api/v1/messages/${id}`).expect(200);
    expectResponseToMatchDocument(doc, shown);
    expect(shown.body).toEqual(answer);
    expect(shown.body.attempts).toEqual([expect.objectContaining({ outcome: 'unknown' })]);
    expect((await stack.api('get', `/api/v1/messages/${id}/receipt`).expect(200)).body).toEqual({ messageId: GW, sentAt: answer.sentAt, source: 'cache' });
    expect(await stack.row(id)).toMatchObject({ status: 'sent', gateway_message_id: GW, claim_token: null, lease_lost_at: null });

    const audit = (await stack.api('get', '/api/v1/audit?action=settle').expect(200)).body;
    expect(audit.items).toEqual([
      {
        id: expect.any(Number),
        at: expect.any(String),
        source: 'api',
        actor: ACTOR,
        action: 'settle',
        messageCount: 1,
        detail: { messageId: id, outcome: 'sent', reason: 'the gateway support desk confirmed delivery', gatewayMessageId: GW },
      },
    ]);
    // Settled, it is no longer in doubt: a second settlement is refused.
    expect(await settle(id, { outcome: 'failed', reason: 'changed my mind' }, 409)).toMatchObject({ code: 'NOT_IN_DOUBT' });
  });

  it('settles a message in doubt as failed, with the reason kept as "settled by operator: <reason>"', async () => {
    const { rows } = await stack.db.sql.query<{ id: string }>(
      `INSERT INTO messages (phone_number, content, status, failure_reason, attempt_count)
         VALUES ('+905551111111', 'lost', 'unknown', 'outcome unknown: socket hang up', 1)
       RETURNING id`,
    );
    const id = rows[0].id;

    const answer = await settle(id, { outcome: 'failed', reason: 'no trace at the gateway', gatewayMessageId: null }, 200);

    expect(answer).toMatchObject({ id, status: 'failed', failureReason: 'settled by operator: no trace at the gateway', messageId: null, sentAt: null });
    expect(answer.decisions).toEqual([
      expect.objectContaining({ outcome: 'failed', gatewayMessageId: null, previousReason: 'outcome unknown: socket hang up' }),
    ]);
    expect((await stack.api('get', `/api/v1/messages/${id}/receipt`).expect(404)).body.code).toBe('MESSAGE_NOT_SENT');
  });

  it('refuses a message that is not in doubt with 409 NOT_IN_DOUBT, and changes nothing', async () => {
    const [pending] = await stack.insert([{ phone: '+905551111111', content: 'still pending' }]);
    const before = await stack.row(pending);

    const body = await settle(pending, { outcome: 'sent', reason: 'sure' }, 409);

    expect(body).toEqual({
      statusCode: 409,
      code: 'NOT_IN_DOUBT',
      message: `message ${pending} is pending, not in doubt (unknown): only a message in doubt can be settled by hand`,
    });
    expect(await stack.row(pending)).toEqual(before);
    expect((await stack.db.sql.query('SELECT count(*)::int AS n FROM message_decisions WHERE message_id = $1', [pending])).rows[0].n).toBe(0);
  });

  it('answers 404 for an id it does not know', async () => {
    expect(await settle(UNKNOWN_ID, { outcome: 'sent', reason: 'sure' }, 404)).toMatchObject({ code: 'MESSAGE_NOT_FOUND' });
    expect(await settle('not-a-uuid', { outcome: 'sent', reason: 'sure' }, 404)).toMatchObject({ code: 'MESSAGE_NOT_FOUND' });
  });

  it.each([
    ['no reason', { outcome: 'sent' }, 'reason'],
    ['a blank reason', { outcome: 'failed', reason: '   ' }, 'reason'],
    ['a reason of 501 characters', { outcome: 'failed', reason: 'x'.repeat(501) }, 'reason'],
    ['another outcome', { outcome: 'delivered', reason: 'x' }, 'outcome'],
    ['a gateway messageId that is not a UUID', { outcome: 'sent', reason: 'x', gatewayMessageId: 'gw-1' }, 'gatewayMessageId'],
    ['a gateway messageId with failed', { outcome: 'failed', reason: 'x', gatewayMessageId: GW }, 'gatewayMessageId'],
    ['an unknown field', { outcome: 'sent', reason: 'x', force: true }, 'force'],
  ])('answers 400 VALIDATION_FAILED for %s, naming the field, and changes nothing', async (_what, body, field) => {
    const { rows } = await stack.db.sql.query<{ id: string }>(
      `INSERT INTO messages (phone_number, content, status) VALUES ('+905551111111', 'in doubt', 'unknown') RETURNING id`,
    );

    const answer = await settle(rows[0].id, body, 400);

    expect(answer).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ field })] });
    expect((await stack.row(rows[0].id)).status).toBe('unknown');
  });

  it('takes a JSON body only', async () => {
    const res = await stack.api('post', `/api/v1/messages/${UNKNOWN_ID}/settle`).set('Content-Type', 'text/plain').send('outcome=sent').expect(415);
    expectResponseToMatchDocument(doc, res);
    const broken = await stack.api('post', `/api/v1/messages/${UNKNOWN_ID}/settle`).set('Content-Type', 'application/json').send('{"outcome":').expect(400);
    expect(broken.body.code).toBe('INVALID_JSON');
  });
});
