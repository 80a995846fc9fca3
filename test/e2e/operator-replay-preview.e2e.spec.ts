import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { expectResponseToMatchDocument, fetchDocument, type OpenApiDocument } from '@test/support/openapi.js';
import { type Stack, startStack, waitFor } from '@test/support/stack.js';

/**
 * POST /api/v1/messages/replay/preview, and POST /api/v1/messages/replay with its previewToken:
 * exactly the previewed set is replayed, or nothing when it has changed meanwhile.
 */
describe('replay with a preview (e2e)', () => {
  let stack: Stack;
  let doc: OpenApiDocument;

  beforeAll(async () => {
    stack = await startStack({ env: { DISPATCH_INTERVAL_MS: '300', DISPATCH_BATCH_SIZE: '2' } });
    doc = await fetchDocument(stack);
  });

  afterAll(async () => {
    await stack.close();
  });

  beforeEach(async () => {
    await stack.db.sql.query('TRUNCATE messages, message_attempts, message_replays, message_decisions, operator_audit');
  });

  async function post(path: string, body: object, status: number) {
    const res = await stack.api('post', path).send(body);
    expect({ status: res.status, body: res.body }).toMatchObject({ status });
    expectResponseToMatchDocument(doc, res);
    return res.body;
  }

  /** Messages in a state, inserted by SQL, oldest first. */
  async function insert(count: number, status: string, reason: string | null): Promise<string[]> {
    const { rows } = await stack.db.sql.query<{ id: string }>(
      `WITH inserted AS (
         INSERT INTO messages (phone_number, content, status, failure_reason)
         SELECT '+905551111111', 'message ' || i, $2, $3 FROM generate_series(1, $1::int) AS i ORDER BY i RETURNING id, seq
       )
       SELECT id FROM inserted ORDER BY seq`,
      [count, status, reason],
    );
    return rows.map((r) => r.id);
  }

  const statuses = async () =>
    (await stack.db.sql.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM messages GROUP BY status ORDER BY status')).rows;
  const replayRows = async () => (await stack.db.sql.query('SELECT count(*)::int AS n FROM message_replays')).rows[0].n as number;

  it('previews the set, then replays exactly it with the token, and the messages go out', async () => {
    const failed = await insert(3, 'failed', 'gateway answered 400: bad number');
    const unknown = await insert(2, 'unknown', 'outcome unknown: no answer within 1000 ms');
    await insert(1, 'expired', 'expired before it could be sent');
    await insert(1, 'sent', null);

    const preview = await post('/api/v1/messages/replay/preview', { status: ['failed', 'unknown'] }, 200);

    expect(preview).toEqual({
      count: 5,
      byStatus: { failed: 3, unknown: 2, expired: 0 },
      byReason: [
        { reason: 'gateway answered 400: bad number', count: 3 },
        { reason: 'outcome unknown: no answer within 1000 ms', count: 2 },
      ],
      sampleIds: [...failed, ...unknown].reverse(),
      // 5 messages, 2 a tick, a tick every 300 ms: 3 ticks.
      drainSeconds: 0.9,
      previewToken: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect(await replayRows()).toBe(0);
    const audit = (await stack.api('get', '/api/v1/audit').expect(200)).body;
    expect(audit.items).toEqual([]);

    await expect(post('/api/v1/messages/replay', { status: ['failed', 'unknown'], previewToken: preview.previewToken }, 200)).resolves.toEqual({
      count: preview.count,
    });

    expect(await statuses()).toEqual([
      { status: 'expired', n: 1 },
      { status: 'pending', n: 5 },
      { status: 'sent', n: 1 },
    ]);
    expect(await replayRows()).toBe(5);
    const entries = (await stack.api('get', '/api/v1/audit').expect(200)).body.items;
    expect(entries).toEqual([
      expect.objectContaining({
        action: 'replay',
        messageCount: 5,
        detail: { statuses: ['failed', 'unknown'], from: null, to: null, previewToken: preview.previewToken },
      }),
    ]);
    await stack.api('post', '/api/v1/scheduler/start').expect(200);
    await waitFor('the replayed messages sent', async () => (await statuses()).find((s) => s.status === 'sent')?.n === 6);
    await stack.api('post', '/api/v1/scheduler/stop').expect(200);
  });

  it('replays nothing when the set changed after the preview: 409 PREVIEW_CHANGED', async () => {
    await insert(2, 'failed', 'gateway answered 400: bad number');
    const preview = await post('/api/v1/messages/replay/preview', { status: ['failed'], from: '2000-01-01T00:00:00Z' }, 200);
    expect(preview.count).toBe(2);
    await insert(1, 'failed', 'gateway answered 400: bad number');

    const refused = await post('/api/v1/messages/replay', { status: ['failed'], from: '2000-01-01T00:00:00Z', previewToken: preview.previewToken }, 409);

    expect(refused).toEqual({
      statusCode: 409,
      code: 'PREVIEW_CHANGED',
      message: 'the messages matching this replay are no longer the ones the preview showed; nothing was replayed: preview again',
    });
    expect(await statuses()).toEqual([{ status: 'failed', n: 3 }]);
    expect(await replayRows()).toBe(0);
    expect((await stack.api('get', '/api/v1/audit').expect(200)).body.items).toEqual([]);
    // The token of another filter is refused too; without a token the replay takes what matches now, as always.
    await post('/api/v1/messages/replay', { status: ['failed'], previewToken: preview.previewToken }, 409);
    await expect(post('/api/v1/messages/replay', { status: ['failed'], from: '2000-01-01T00:00:00Z' }, 200)).resolves.toEqual({ count: 3 });
  });

  it('refuses what a replay refuses: statuses that cannot be replayed, a range that ends before it starts, a bad body', async () => {
    expect(await post('/api/v1/messages/replay/preview', { status: ['failed', 'sent'] }, 409)).toMatchObject({ code: 'REPLAY_REFUSED' });
    expect(await post('/api/v1/messages/replay/preview', { status: ['failed'], from: '2026-11-23T00:00:00Z', to: '2026-11-22T00:00:00Z' }, 400)).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'from must be earlier than to',
    });
    expect(await post('/api/v1/messages/replay/preview', { status: [] }, 400)).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await post('/api/v1/messages/replay/preview', { status: ['failed'], dryRun: true }, 400)).toMatchObject({
      details: [{ field: 'dryRun', messages: ['property dryRun should not exist'] }],
    });
    expect(await post('/api/v1/messages/replay', { status: ['failed'], previewToken: 'not-a-token' }, 400)).toMatchObject({
      details: [expect.objectContaining({ field: 'previewToken' })],
    });
    const res = await stack.api('post', '/api/v1/messages/replay/preview').set('Content-Type', 'text/plain').send('status=failed').expect(415);
    expectResponseToMatchDocument(doc, res);
  });

  it('previews nothing as nothing, with no time to drain', async () => {
    await expect(post('/api/v1/messages/replay/preview', { status: ['expired'] }, 200)).resolves.toMatchObject({
      count: 0,
      byStatus: { failed: 0, unknown: 0, expired: 0 },
      byReason: [],
      sampleIds: [],
      drainSeconds: 0,
    });
  });
});
