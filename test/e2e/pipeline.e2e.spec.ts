import { afterEach, describe, expect, it } from '@jest/globals';
import { phones, type Stack, startStack, waitFor } from '@test/support/stack.js';

const MESSAGES = 300;
const SLOW_MS = 400;
const BATCH = 100;
const CONCURRENCY = 16;

/**
 * The batched pipeline against the sandbox gateway over HTTP, with a latency that varies: most
 * answers come at once, one in ten takes SLOW_MS longer. Every message goes out exactly once,
 * every outcome and attempt is recorded, every receipt is cached, and a slow request does not
 * hold up the messages after it.
 */
describe('batched dispatch pipeline (e2e)', () => {
  let stack: Stack;

  afterEach(async () => {
    await stack?.close();
  });

  it(`sends ${MESSAGES} messages once each past slow requests, recording every outcome`, async () => {
    stack = await startStack({
      env: { DISPATCH_INTERVAL_MS: '50', DISPATCH_BATCH_SIZE: String(BATCH), DISPATCH_CONCURRENCY: String(CONCURRENCY), CACHE_TTL_SECONDS: '300' },
      sandbox: { latencyMs: 2, slowRate: 0.1, slowMs: SLOW_MS },
    });
    const ids = await stack.insert(phones(MESSAGES).map((phone, i) => ({ phone, content: `pipeline ${i}` })));

    await stack.api('post', '/api/v1/scheduler/start').expect(200);
    await waitFor(
      `${MESSAGES} messages sent`,
      async () => (await stack.db.sql.query(`SELECT count(*)::int AS n FROM messages WHERE status = 'sent'`)).rows[0].n === MESSAGES,
      90_000,
      50,
    );
    await stack.api('post', '/api/v1/scheduler/stop').expect(200);

    const keys = stack.sandbox.received.map((r) => r.headers['idempotency-key']);
    expect(keys).toHaveLength(MESSAGES);
    expect(new Set(keys)).toEqual(new Set(ids));

    const { rows } = await stack.db.sql.query<{
      id: string;
      seq: string;
      sent_at: Date;
      gateway_message_id: string;
      attempts: number;
      latency_ms: number;
      request_started_at: Date | null;
    }>(
      `SELECT m.id, m.seq, m.sent_at, m.gateway_message_id, m.request_started_at, count(a.id)::int AS attempts, max(a.latency_ms) AS latency_ms
         FROM messages m LEFT JOIN message_attempts a ON a.message_id = m.id GROUP BY m.id ORDER BY m.seq`,
    );
    const answers = new Map(stack.sandbox.received.map((r) => [r.headers['idempotency-key'], r.messageId]));
    for (const row of rows) {
      expect({ id: row.id, attempts: row.attempts, messageId: row.gateway_message_id }).toEqual({ id: row.id, attempts: 1, messageId: answers.get(row.id) });
      expect(row.request_started_at).not.toBeNull();
    }

    // Slow requests did not hold the other slots: within a batch (ticks claim BATCH oldest rows),
    // messages started after a slow one were sent before it. (A batch waits for its last answer
    // before the next tick, so later batches cannot overtake.)
    const batchOf = (r: { seq: string }) => Math.floor((Number(r.seq) - 1) / BATCH);
    const slow = rows.filter((r) => r.latency_ms >= SLOW_MS && Number(r.seq) % BATCH !== 0 && Number(r.seq) % BATCH <= BATCH - CONCURRENCY);
    expect(slow.length).toBeGreaterThan(0);
    const overtaken = slow.filter((s) => rows.some((r) => batchOf(r) === batchOf(s) && Number(r.seq) > Number(s.seq) && r.sent_at < s.sent_at));
    expect(overtaken).toEqual(slow);

    const cached = await stack.redis.mget(ids.map((id) => `sent_message:${id}`));
    expect(cached.filter((v) => v !== null)).toHaveLength(MESSAGES);
    await stack.redis.del(...ids.map((id) => `sent_message:${id}`));

    const status = (await stack.api('get', '/api/v1/scheduler/status').expect(200)).body;
    expect(status.totals).toMatchObject({ sent: MESSAGES, claimed: MESSAGES, unknown: 0, failed: 0 });
  }, 120_000);
});
