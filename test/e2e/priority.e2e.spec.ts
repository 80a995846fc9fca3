import { afterEach, describe, expect, it } from '@jest/globals';
import { FakeClock } from '@test/support/fake-clock.js';
import { expectResponseToMatchDocument, fetchDocument } from '@test/support/openapi.js';
import { phones, sleep, type Stack, startStack, waitFor } from '@test/support/stack.js';

const INTERVAL = 120_000;

/** Priority lanes through the real service: the claim order, the API fields, the filter and the stats. */
describe('priority (e2e)', () => {
  let stack: Stack;

  afterEach(async () => {
    await stack?.close();
  });

  /** `count` pending rows at priority 0, in one statement, as a campaign loaded by SQL would be. */
  async function insertCampaign(count: number): Promise<void> {
    await stack.db.sql.query(
      `INSERT INTO messages (phone_number, content)
       SELECT '+90555' || (1000000 + i)::text, 'campaign ' || i FROM generate_series(0, $1::int - 1) AS i`,
      [count],
    );
  }

  it('sends a message queued behind 1,000 pending ones at a higher priority in the next tick, at the same cadence', async () => {
    const clock = new FakeClock();
    stack = await startStack({ clock, env: { DISPATCH_AUTOSTART: 'true', DISPATCH_INTERVAL_MS: String(INTERVAL), DISPATCH_BATCH_SIZE: '2' } });
    await insertCampaign(1_000);
    const campaign = phones(1_000);

    // Each tick's answers are in (its rows recorded sent) before the clock moves on: an answer that
    // came back later, by this clock, would hold the next tick back by as much (SendPacer).
    const sent = async (n: number) => (await stack.db.sql.query(`SELECT count(*)::int AS n FROM messages WHERE status = 'sent'`)).rows[0].n === n;
    // The start-up tick takes the two oldest of the campaign.
    await clock.advance(0);
    await waitFor('the first tick', () => stack.sandbox.received.length === 2);
    await waitFor('its answers', () => sent(2));

    const urgent = (
      await stack.api('post', '/api/v1/messages').send({ phoneNumber: '+905559999999', content: 'your code is 481516', priority: 100 }).expect(201)
    ).body;
    expect(urgent).toMatchObject({ status: 'pending', priority: 100 });

    // Not before the next tick: priority does not change the cadence.
    await clock.advance(INTERVAL - 1);
    await sleep(200);
    expect(stack.sandbox.received).toHaveLength(2);

    await clock.advance(1);
    await waitFor('the second tick', () => stack.sandbox.received.length === 4);
    await sleep(200);
    expect(stack.sandbox.received.map((r) => r.to)).toEqual([campaign[0], campaign[1], '+905559999999', campaign[2]]);
    expect(stack.sandbox.received[2].headers['idempotency-key']).toBe(urgent.id);
    await waitFor('the urgent message sent', async () => (await stack.row(urgent.id)).status === 'sent');
    await waitFor("the second tick's answers", () => sent(4));

    // Then the campaign goes on where it was, two per tick.
    await clock.advance(INTERVAL);
    await waitFor('the third tick', () => stack.sandbox.received.length === 6);
    await sleep(200);
    expect(stack.sandbox.received.slice(4).map((r) => r.to)).toEqual([campaign[3], campaign[4]]);
  });

  it('takes priority in both creates, shows it in every view, filters the list by it and counts the pending per priority', async () => {
    stack = await startStack();
    const doc = await fetchDocument(stack);
    const checked = async (res: Awaited<ReturnType<Stack['api']>>) => {
      expectResponseToMatchDocument(doc, res);
      return res.body;
    };

    const low = await checked(await stack.api('post', '/api/v1/messages').send({ phoneNumber: '+905551111111', content: 'sale', priority: -50 }).expect(201));
    const plain = await checked(
      await stack.api('post', '/api/v1/messages').send({ phoneNumber: '+905551111112', content: 'hello', priority: null }).expect(201),
    );
    const batch = await checked(
      await stack
        .api('post', '/api/v1/messages/batch')
        .send({
          messages: [
            { phoneNumber: '+905551111113', content: 'code 1', priority: 100 },
            { phoneNumber: '+905551111114', content: 'code 2', priority: 100 },
            { phoneNumber: '+905551111115', content: 'receipt' },
            { phoneNumber: '+905551111116', content: 'too urgent', priority: 101 },
          ],
        })
        .expect(201),
    );
    expect(low).toMatchObject({ priority: -50 });
    expect(plain).toMatchObject({ priority: 0 });
    expect(batch).toMatchObject({ created: 3, failed: 1 });
    expect(batch.results[3].error.details).toEqual([{ field: 'priority', messages: ['priority must be a whole number from -100 to 100'] }]);
    const [code1, code2, receipt] = batch.results.map((r: { id?: string }) => r.id);

    const one = await checked(await stack.api('get', `/api/v1/messages/${code1}`).expect(200));
    expect(one).toMatchObject({ id: code1, priority: 100 });
    expect((await stack.row(receipt)).priority).toBe(0);

    const urgentOnly = await checked(await stack.api('get', '/api/v1/messages?priority=100&limit=1').expect(200));
    expect(urgentOnly.items.map((m: { id: string }) => m.id)).toEqual([code2]);
    const rest = await checked(await stack.api('get', `/api/v1/messages?priority=100&limit=1&cursor=${urgentOnly.nextCursor}`).expect(200));
    expect(rest).toMatchObject({ items: [{ id: code1, priority: 100 }], nextCursor: null });
    expect((await checked(await stack.api('get', '/api/v1/messages?priority=-50&status=pending').expect(200))).items.map((m: { id: string }) => m.id)).toEqual([
      low.id,
    ]);
    expect((await checked(await stack.api('get', '/api/v1/messages?priority=0').expect(200))).items.map((m: { id: string }) => m.id)).toEqual([
      receipt,
      plain.id,
    ]);
    for (const bad of ['101', '-101', '1.5', 'high']) {
      const res = await stack.api('get', `/api/v1/messages?priority=${bad}`).expect(400);
      expectResponseToMatchDocument(doc, res);
      expect(res.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: [{ field: 'priority', messages: ['priority must be a whole number from -100 to 100'] }],
      });
    }

    await waitFor('the stats to count them', async () => (await stack.api('get', '/api/v1/messages/stats').expect(200)).body.total === 5);
    const stats = await checked(await stack.api('get', '/api/v1/messages/stats').expect(200));
    expect(stats.byPriority).toEqual([
      { priority: 100, pending: 2 },
      { priority: 0, pending: 2 },
      { priority: -50, pending: 1 },
    ]);

    // The highest first: the two codes go out before anything else, and the sent list shows their priority.
    await stack.api('post', '/api/v1/scheduler/start').expect(200);
    await waitFor('all five sent', async () => (await stack.db.sql.query(`SELECT count(*)::int AS n FROM messages WHERE status = 'sent'`)).rows[0].n === 5);
    await stack.api('post', '/api/v1/scheduler/stop').expect(200);
    expect(stack.sandbox.received.map((r) => r.content)).toEqual(['code 1', 'code 2', 'hello', 'receipt', 'sale']);
    const sent = await checked(await stack.api('get', '/api/v1/messages/sent?limit=100').expect(200));
    expect(Object.fromEntries(sent.items.map((m: { content: string; priority: number }) => [m.content, m.priority]))).toEqual({
      'code 1': 100,
      'code 2': 100,
      hello: 0,
      receipt: 0,
      sale: -50,
    });
    await waitFor('no pending left in the stats', async () => (await stack.api('get', '/api/v1/messages/stats').expect(200)).body.byPriority.length === 0);
  });
});
