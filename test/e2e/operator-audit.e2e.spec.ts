import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { expectResponseToMatchDocument, fetchDocument, type OpenApiDocument } from '@test/support/openapi.js';
import { API_KEY, SECOND_API_KEY, type Stack, startStack } from '@test/support/stack.js';

const actorOf = (key: string) => `key:${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;

/** GET /api/v1/audit: every start, stop, replay and settlement through the API, with who did it. */
describe('the operator log (e2e)', () => {
  let stack: Stack;
  let doc: OpenApiDocument;

  beforeAll(async () => {
    stack = await startStack();
    doc = await fetchDocument(stack);
  });

  afterAll(async () => {
    await stack.close();
  });

  async function checked(path: string, status: number, method: 'get' | 'post' = 'get', key = API_KEY, body?: object) {
    const req = stack.api(method, path, false).set('x-ins-auth-key', key);
    const res = await (body ? req.send(body) : req);
    expect({ status: res.status, body: res.body }).toMatchObject({ status });
    expectResponseToMatchDocument(doc, res);
    return res.body;
  }

  async function insert(status: string): Promise<string> {
    const { rows } = await stack.db.sql.query<{ id: string }>(
      `INSERT INTO messages (phone_number, content, status, failure_reason) VALUES ('+905551111111', 'audited', $1, 'why') RETURNING id`,
      [status],
    );
    return rows[0].id;
  }

  it('lists start, stop, replays and a settlement newest first, with the actor of each key, never the key', async () => {
    const failed = await insert('failed');
    const doubtful = await insert('unknown');
    await insert('failed');
    const [first, second] = [actorOf(API_KEY), actorOf(SECOND_API_KEY)];

    await checked('/api/v1/scheduler/start', 200, 'post');
    await checked('/api/v1/scheduler/stop', 200, 'post', SECOND_API_KEY);
    await checked(`/api/v1/messages/${failed}/replay`, 200, 'post');
    await checked('/api/v1/messages/replay', 200, 'post', API_KEY, { status: ['failed'], dryRun: true });
    await checked('/api/v1/messages/replay/preview', 200, 'post', API_KEY, { status: ['failed'] });
    await checked('/api/v1/messages/replay', 200, 'post', SECOND_API_KEY, { status: ['failed', 'unknown'], to: '2999-01-01T00:00:00Z' });
    await checked('/api/v1/messages/replay', 409, 'post', API_KEY, { status: ['sent'] });
    await checked(`/api/v1/messages/${failed}/settle`, 409, 'post', API_KEY, { outcome: 'sent', reason: 'no' });

    const page = await checked('/api/v1/audit', 200);

    expect(page.nextCursor).toBeNull();
    expect(page.items.map((e: Record<string, unknown>) => [e.action, e.source, e.actor, e.messageCount, e.detail])).toEqual([
      ['replay', 'api', second, 2, { statuses: ['failed', 'unknown'], from: null, to: '2999-01-01T00:00:00.000Z' }],
      ['replay', 'api', first, 1, { messageId: failed, previousStatus: 'failed' }],
      ['stop', 'api', second, 0, {}],
      ['start', 'api', first, 0, {}],
    ]);
    expect(first).toMatch(/^key:[0-9a-f]{12}$/);
    expect(first).not.toBe(second);
    expect(JSON.stringify(page)).not.toContain(API_KEY);
    expect(JSON.stringify(page)).not.toContain(SECOND_API_KEY);
    const ids = page.items.map((e: { id: number }) => e.id);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);

    // The settlement comes on top: the message settled is the one that was in doubt.
    await checked(`/api/v1/messages/${doubtful}/settle`, 409, 'post', API_KEY, { outcome: 'sent', reason: 'too late: replayed' });
    const settled = await insert('unknown');
    await checked(`/api/v1/messages/${settled}/settle`, 200, 'post', API_KEY, { outcome: 'failed', reason: 'no trace' });
    const top = await checked('/api/v1/audit?limit=1', 200);
    expect(top.items).toEqual([
      {
        id: expect.any(Number),
        at: expect.any(String),
        source: 'api',
        actor: first,
        action: 'settle',
        messageCount: 1,
        detail: { messageId: settled, outcome: 'failed', reason: 'no trace', gatewayMessageId: null },
      },
    ]);
  });

  it('pages with the cursor, filters by action, and refuses a bad limit, action or cursor', async () => {
    const all = await checked('/api/v1/audit?limit=100', 200);
    const walked: unknown[] = [];
    let path = '/api/v1/audit?limit=2';
    for (let i = 0; i < 20; i += 1) {
      const page = await checked(path, 200);
      walked.push(...page.items);
      if (page.nextCursor === null) break;
      path = `/api/v1/audit?limit=2&cursor=${page.nextCursor}`;
    }
    expect(walked).toEqual(all.items);
    expect(all.items.length).toBeGreaterThanOrEqual(5);

    const starts = await checked('/api/v1/audit?action=start', 200);
    expect(starts.items.map((e: { action: string }) => e.action)).toEqual(['start']);

    expect(await checked('/api/v1/audit?limit=0', 400)).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'limit' }] });
    expect(await checked('/api/v1/audit?limit=101', 400)).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await checked('/api/v1/audit?action=delete', 400)).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'action' }] });
    expect(await checked('/api/v1/audit?cursor=not-a-cursor', 400)).toMatchObject({ code: 'INVALID_CURSOR' });
    const messagesCursor = (await checked('/api/v1/messages?limit=1', 200)).nextCursor;
    expect(await checked(`/api/v1/audit?cursor=${messagesCursor}`, 400)).toMatchObject({ code: 'INVALID_CURSOR' });
    await stack.api('get', '/api/v1/audit', false).expect(401);
  });
});
