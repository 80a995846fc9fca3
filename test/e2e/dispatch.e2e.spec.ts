import { afterEach, describe, expect, it } from '@jest/globals';
import { FakeClock } from '@test/support/fake-clock.js';
import { phones, sleep, type Stack, startStack, waitFor, WEBHOOK_KEY } from '@test/support/stack.js';

const INTERVAL = 400;

describe('dispatching (e2e)', () => {
  let stack: Stack;

  afterEach(async () => {
    await stack?.close();
  });

  it('sends rows inserted by SQL 2 per tick, oldest first, with exactly the contract headers and body', async () => {
    stack = await startStack({ env: { DISPATCH_INTERVAL_MS: String(INTERVAL) } });
    const numbers = phones(6);
    const ids = await stack.insert(numbers.map((phone, i) => ({ phone, content: `message ${i} ğ😀` })));

    await stack.api('post', '/api/v1/scheduler/start').expect(200);
    await waitFor('6 messages at the gateway', () => stack.sandbox.received.length >= 6);
    await waitFor('6 rows sent', async () => (await stack.db.sql.query(`SELECT count(*)::int AS n FROM messages WHERE status = 'sent'`)).rows[0].n === 6);

    const received = stack.sandbox.received;
    expect(received).toHaveLength(6);
    expect(received.map((r) => r.headers['idempotency-key'])).toEqual(ids);
    received.forEach((r, i) => {
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['x-ins-auth-key']).toBe(WEBHOOK_KEY);
      expect(r.rawBody).toBe(JSON.stringify({ to: numbers[i], content: `message ${i} ğ😀` }));
    });

    // Attempts of one tick are written within a few ms of each other; ticks are INTERVAL apart.
    const { rows } = await stack.db.sql.query(`SELECT a.at, m.seq FROM message_attempts a JOIN messages m ON m.id = a.message_id ORDER BY a.at, m.seq`);
    const ticks: number[][] = [];
    rows.forEach((r, i) => {
      if (i === 0 || r.at.getTime() - rows[i - 1].at.getTime() > INTERVAL / 2) ticks.push([]);
      ticks[ticks.length - 1].push(Number(r.seq));
    });
    expect(ticks).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
  });

  it('sends exactly one batch per interval of the clock, the first at start', async () => {
    const clock = new FakeClock();
    stack = await startStack({ clock, env: { DISPATCH_AUTOSTART: 'true', DISPATCH_INTERVAL_MS: '120000' } });
    await stack.insert(phones(7).map((phone) => ({ phone, content: 'tick' })));

    // Each batch's answers are in (its rows recorded sent) before the clock moves on: an answer
    // that came back later, by this clock, would hold the next batch back by as much (SendPacer).
    const sent = async (n: number) =>
      stack.sandbox.received.length === n && (await stack.db.sql.query(`SELECT count(*)::int AS n FROM messages WHERE status = 'sent'`)).rows[0].n === n;
    // The start-up tick is due at once: it takes the two oldest.
    await clock.advance(0);
    await waitFor('the first batch', () => sent(2));
    await clock.advance(119_999);
    await sleep(200);
    expect(stack.sandbox.received).toHaveLength(2);

    for (const expected of [4, 6, 7]) {
      await clock.advance(1);
      await waitFor(`${expected} sent`, () => sent(expected));
      await clock.advance(119_999);
      await sleep(100);
      expect(stack.sandbox.received).toHaveLength(expected);
    }
    expect(stack.sandbox.received.map((r) => r.to)).toEqual(phones(7));
    const status = (await stack.api('get', '/api/v1/scheduler/status').expect(200)).body;
    expect(status).toMatchObject({ running: true, intervalMs: 120000, batchSize: 2, tickInProgress: false });
    expect(new Date(status.nextTickAt).getTime() - new Date(status.lastTickAt).getTime()).toBe(120_000);
  });

  it("stores the gateway's messageId in the database, the sent list and Redis", async () => {
    stack = await startStack();
    const [id] = await stack.insert([{ phone: '+905551111111', content: 'hello' }]);
    await stack.api('post', '/api/v1/scheduler/start').expect(200);
    await waitFor('the message sent', async () => (await stack.row(id)).status === 'sent');

    const gatewayId = stack.sandbox.received[0].messageId;
    expect(gatewayId).toMatch(/^[0-9a-f-]{36}$/);
    const row = await stack.row(id);
    expect(row).toMatchObject({ gateway_message_id: gatewayId, attempt_count: 1, failure_reason: null });
    expect(row.sent_at).toBeInstanceOf(Date);

    // The receipt goes to Redis right after the database write.
    await stack.redis.connect();
    const stored = await waitFor('the receipt in Redis', () => stack.redis.get(`sent_message:${id}`));
    expect(JSON.parse(stored)).toEqual({ messageId: gatewayId, sentAt: (row.sent_at as Date).toISOString(), cachedAt: expect.any(String) });
    const ttl = await stack.redis.ttl(`sent_message:${id}`);
    expect(ttl).toBeGreaterThan(86_300);
    expect(ttl).toBeLessThanOrEqual(86_400);

    const sent = (await stack.api('get', '/api/v1/messages/sent').expect(200)).body;
    expect(sent).toEqual({
      items: [
        {
          id,
          phoneNumber: '+905551111111',
          content: 'hello',
          status: 'sent',
          priority: 0,
          messageId: gatewayId,
          sentAt: (row.sent_at as Date).toISOString(),
          createdAt: (row.created_at as Date).toISOString(),
          cached: true,
        },
      ],
      nextCursor: null,
    });
    await stack.redis.del(`sent_message:${id}`);
  });

  it('stops sending within one interval of a stop, and resumes on start', async () => {
    stack = await startStack({ env: { DISPATCH_INTERVAL_MS: '300' } });
    await stack.insert(phones(20).map((phone) => ({ phone, content: 'stop me' })));
    await stack.api('post', '/api/v1/scheduler/start').expect(200);
    await waitFor('the first batch', () => stack.sandbox.received.length >= 2);

    const stopped = (await stack.api('post', '/api/v1/scheduler/stop').expect(200)).body;
    expect(stopped).toMatchObject({ running: false, nextTickAt: null, tickInProgress: false });
    const atStop = stack.sandbox.received.length;
    expect((await stack.api('post', '/api/v1/scheduler/stop').expect(200)).body.running).toBe(false);

    await sleep(1_000);
    expect(stack.sandbox.received).toHaveLength(atStop);
    expect((await stack.api('get', '/api/v1/scheduler/status').expect(200)).body.running).toBe(false);

    expect((await stack.api('post', '/api/v1/scheduler/start').expect(200)).body.running).toBe(true);
    await waitFor('sending resumed', () => stack.sandbox.received.length >= atStop + 2);
    expect((await stack.api('post', '/api/v1/scheduler/start').expect(200)).body.running).toBe(true);
  });

  it('starts on deploy and works through rows from before the boot and rows added later', async () => {
    stack = await startStack({
      env: { DISPATCH_AUTOSTART: undefined, DISPATCH_INTERVAL_MS: '200' },
      beforeBoot: async (db) => {
        await db.sql.query(
          `INSERT INTO messages (phone_number, content) VALUES ('+905551111111', 'before 1'), ('+905551111112', 'before 2'), ('+905551111113', 'before 3')`,
        );
      },
    });
    await waitFor('the rows from before the boot', () => stack.sandbox.received.length === 3);
    await stack.insert([{ phone: '+905551111114', content: 'after' }]);
    await waitFor('the row added later', () => stack.sandbox.received.length === 4);
    expect(stack.sandbox.received.map((r) => r.content)).toEqual(['before 1', 'before 2', 'before 3', 'after']);
  });

  it('fails rows inserted by SQL that break the rules, with the reason, and never sends them', async () => {
    stack = await startStack({ env: { DISPATCH_INTERVAL_MS: '200' } });
    const [badPhone, tooLong, empty, good] = await stack.insert([
      { phone: '05551111111', content: 'no country code' },
      { phone: '+905551111111', content: 'x'.repeat(161) },
      { phone: '+905551111111', content: '' },
      { phone: '+905551111112', content: 'valid' },
    ]);
    await stack.api('post', '/api/v1/scheduler/start').expect(200);
    await waitFor('the valid row sent', async () => (await stack.row(good)).status === 'sent');

    expect(stack.sandbox.received.map((r) => r.content)).toEqual(['valid']);
    expect(await stack.row(badPhone)).toMatchObject({
      status: 'failed',
      attempt_count: 0,
      failure_reason: expect.stringMatching(/^invalid message: phoneNumber must be in E\.164/),
    });
    expect(await stack.row(tooLong)).toMatchObject({ status: 'failed', failure_reason: 'invalid message: content must be at most 160 characters (got 161)' });
    expect(await stack.row(empty)).toMatchObject({ status: 'failed', failure_reason: 'invalid message: content must not be empty' });
    const detail = (await stack.api('get', `/api/v1/messages/${tooLong}`).expect(200)).body;
    expect(detail).toMatchObject({ status: 'failed', failureReason: 'invalid message: content must be at most 160 characters (got 161)' });
  });
});
