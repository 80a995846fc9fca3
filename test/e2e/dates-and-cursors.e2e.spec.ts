import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Stack, startStack } from '@test/support/stack.js';

/**
 * Issue 9, input contents: every date the API takes is an RFC 3339 date-time with a time zone
 * (anything else is a 400 naming the field, never a 500), and a cursor's numbers are checked
 * against their columns' ranges before any query. After each refusal the data is as it was.
 */

const PHONE = '+905551111111';
const reason = (field: string) => `${field} must be an RFC 3339 date-time with a time zone, e.g. 2026-11-22T18:00:00Z`;
const forged = (...parts: unknown[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');
const NO_STACK_TRACE = /\bat \w+ \(|node_modules|QueryFailedError|RangeError/;

/** Refused forms, each with why; every one must be a 400 on every date field. */
const REFUSED: [string, string][] = [
  ['an ISO-8601 week date', '2026-W47-1'],
  ['an ISO-8601 ordinal date', '2026-326'],
  ['the basic format', '20261122T100000Z'],
  ['a date without a time', '2026-11-22'],
  ['a time without a zone', '2026-11-22T10:00:00'],
  ['a space instead of T', '2026-11-22 10:00:00Z'],
  ['an hour-only time', '2026-11-22T10Z'],
  ['an offset without a colon', '2026-11-22T10:00:00+0300'],
  ['30 February', '2026-02-30T00:00:00Z'],
  ['month 13', '2026-13-01T00:00:00Z'],
  ['a leap second', '2026-12-31T23:59:60Z'],
  ['hour 24', '2026-11-22T24:00:00Z'],
  ['an offset of 24 hours', '2026-11-22T10:00:00+24:00'],
  ['year 0000', '0000-01-01T00:00:00Z'],
  ['a year past 9999 once the offset is applied', '9999-12-31T23:00:00-02:00'],
  ['a fraction of 10 digits', '2026-11-22T10:00:00.1234567891Z'],
];

describe('dates and cursors (e2e)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });

  afterAll(async () => {
    await stack.close();
  });

  /** Every row of messages, as text: unchanged by a refused request. */
  async function snapshot(): Promise<string> {
    const { rows } = await stack.db.sql.query('SELECT * FROM messages ORDER BY seq');
    return JSON.stringify(rows);
  }

  function expectRefusal(body: Record<string, unknown>, field: string): void {
    expect(body).toEqual({
      statusCode: 400,
      code: 'VALIDATION_FAILED',
      message: `${field}: ${reason(field)}`,
      details: [{ field, messages: [reason(field)] }],
    });
    expect(JSON.stringify(body)).not.toMatch(NO_STACK_TRACE);
  }

  describe('the issue examples', () => {
    it('answers POST /api/v1/messages with sendAfter 2026-W47-1 with 400 naming sendAfter, creating nothing', async () => {
      const before = await snapshot();

      const res = await stack.api('post', '/api/v1/messages').send({ phoneNumber: PHONE, content: 'hi', sendAfter: '2026-W47-1' }).expect(400);

      expectRefusal(res.body, 'sendAfter');
      expect(await snapshot()).toBe(before);
    });

    it('answers POST /api/v1/messages/replay with from 20261122T100000Z with 400 naming from, replaying nothing', async () => {
      const [id] = await stack.insert([{ phone: PHONE, content: 'failed one' }]);
      await stack.db.sql.query(`UPDATE messages SET status = 'failed', failure_reason = 'gateway said 400' WHERE id = $1`, [id]);
      const before = await snapshot();

      const res = await stack
        .api('post', '/api/v1/messages/replay')
        .send({ status: ['failed'], from: '20261122T100000Z' })
        .expect(400);

      expectRefusal(res.body, 'from');
      expect(await snapshot()).toBe(before);
      expect((await stack.row(id)).status).toBe('failed');
    });

    it('answers a create with an Idempotency-Key and such a date with 400, and leaves the key unused', async () => {
      const before = await snapshot();

      const res = await stack
        .api('post', '/api/v1/messages')
        .set('Idempotency-Key', 'issue-9-week-date')
        .send({ phoneNumber: PHONE, content: 'hi', expiresAt: '2026-W47-1' })
        .expect(400);

      expectRefusal(res.body, 'expiresAt');
      expect(await snapshot()).toBe(before);
      const created = await stack
        .api('post', '/api/v1/messages')
        .set('Idempotency-Key', 'issue-9-week-date')
        .send({ phoneNumber: PHONE, content: 'hi' })
        .expect(201);
      expect(created.headers['idempotent-replayed']).toBeUndefined();
    });
  });

  describe.each(REFUSED)('%s (%s)', (_what, date) => {
    it('is a 400 naming sendAfter or expiresAt on a create, with or without an Idempotency-Key', async () => {
      const before = await snapshot();
      expectRefusal((await stack.api('post', '/api/v1/messages').send({ phoneNumber: PHONE, content: 'hi', sendAfter: date }).expect(400)).body, 'sendAfter');
      const keyed = await stack
        .api('post', '/api/v1/messages')
        .set('Idempotency-Key', `refused-${date}`)
        .send({ phoneNumber: PHONE, content: 'hi', expiresAt: date })
        .expect(400);
      expectRefusal(keyed.body, 'expiresAt');
      expect(await snapshot()).toBe(before);
    });

    it('is a 400 naming from or to on a bulk replay, dry or not', async () => {
      const before = await snapshot();
      expectRefusal(
        (
          await stack
            .api('post', '/api/v1/messages/replay')
            .send({ status: ['failed'], from: date })
            .expect(400)
        ).body,
        'from',
      );
      expectRefusal(
        (
          await stack
            .api('post', '/api/v1/messages/replay')
            .send({ status: ['failed', 'unknown'], to: date, dryRun: true })
            .expect(400)
        ).body,
        'to',
      );
      expect(await snapshot()).toBe(before);
    });

    it("is the item's own error in a batch (as a single create answers it), and names messages[i] with atomic=true", async () => {
      const before = await snapshot();
      const item = { phoneNumber: PHONE, content: 'hi', sendAfter: date };

      const batch = await stack
        .api('post', '/api/v1/messages/batch')
        .send({ messages: [item] })
        .expect(201);
      expect(batch.body).toEqual({
        results: [
          {
            error: {
              code: 'VALIDATION_FAILED',
              message: `sendAfter: ${reason('sendAfter')}`,
              details: [{ field: 'sendAfter', messages: [reason('sendAfter')] }],
            },
          },
        ],
        created: 0,
        failed: 1,
      });
      const atomic = await stack
        .api('post', '/api/v1/messages/batch?atomic=true')
        .send({
          messages: [
            { phoneNumber: PHONE, content: 'ok' },
            { ...item, sendAfter: undefined, expiresAt: date },
          ],
        })
        .expect(400);
      expect(atomic.body.details).toEqual([{ field: 'messages[1].expiresAt', messages: [reason('expiresAt')] }]);
      expect(await snapshot()).toBe(before);
    });
  });

  describe('accepted dates', () => {
    it.each([
      ['2099-11-22T18:00:00Z', '2099-11-22T18:00:00.000Z'],
      ['2099-11-22T21:00:00+03:00', '2099-11-22T18:00:00.000Z'],
      ['2099-11-22t18:00:00z', '2099-11-22T18:00:00.000Z'],
      ['2099-11-22T18:00:00.123456789Z', '2099-11-22T18:00:00.123Z'],
      ['2099-11-22T18:00:00-00:00', '2099-11-22T18:00:00.000Z'],
      ['2099-11-22T00:00:00+23:59', '2099-11-21T00:01:00.000Z'],
    ])('creates a message with sendAfter %s, stored and shown as %s, alone and in a batch', async (date, shown) => {
      const one = await stack
        .api('post', '/api/v1/messages')
        .send({ phoneNumber: PHONE, content: 'later', sendAfter: date, expiresAt: '9999-12-31T23:59:59.999Z' })
        .expect(201);
      expect(one.body).toMatchObject({ sendAfter: shown, expiresAt: '9999-12-31T23:59:59.999Z', status: 'pending' });
      expect((await stack.api('get', `/api/v1/messages/${one.body.id}`).expect(200)).body.sendAfter).toBe(shown);

      const batch = await stack
        .api('post', '/api/v1/messages/batch')
        .send({ messages: [{ phoneNumber: PHONE, content: 'later', sendAfter: date }] })
        .expect(201);
      expect(batch.body).toMatchObject({ created: 1, failed: 0 });
      expect((await stack.row(batch.body.results[0].id)).send_after).toEqual(new Date(shown));
    });

    it('keeps an Idempotency-Key replay equal for the same instant written two ways', async () => {
      const first = await stack
        .api('post', '/api/v1/messages')
        .set('Idempotency-Key', 'same-instant')
        .send({ phoneNumber: PHONE, content: 'x', sendAfter: '2099-11-22T21:00:00+03:00' })
        .expect(201);
      const again = await stack
        .api('post', '/api/v1/messages')
        .set('Idempotency-Key', 'same-instant')
        .send({ phoneNumber: PHONE, content: 'x', sendAfter: '2099-11-22t18:00:00.000z' })
        .expect(201);

      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body.id).toBe(first.body.id);
    });

    it('replays by from and to at the ends of the year range, as before', async () => {
      const [id] = await stack.insert([{ phone: PHONE, content: 'failed for replay' }]);
      await stack.db.sql.query(`UPDATE messages SET status = 'failed', failure_reason = 'gateway said 400' WHERE id = $1`, [id]);

      const dry = await stack
        .api('post', '/api/v1/messages/replay')
        .send({ status: ['failed'], from: '0001-01-01T00:00:00Z', to: '9999-12-31T23:59:59.999999999Z', dryRun: true })
        .expect(200);
      const none = await stack
        .api('post', '/api/v1/messages/replay')
        .send({ status: ['failed'], from: '2000-01-01T00:00:00+14:00', to: '2000-01-02T00:00:00-12:00', dryRun: true })
        .expect(200);

      expect(dry.body.count).toBeGreaterThanOrEqual(1);
      expect(none.body).toEqual({ count: 0 });
      expect((await stack.row(id)).status).toBe('failed');
    });
  });

  describe('cursors', () => {
    const cursorReason = 'cursor is not a value returned as nextCursor by this endpoint';

    it.each([
      ['/api/v1/messages/sent', 'a time at the largest bigint', forged('sent', '9223372036854775807', '1')],
      ['/api/v1/messages/sent', 'a time at the smallest bigint', forged('sent', '-9223372036854775808', '1')],
      ['/api/v1/messages/sent', 'a time after year 9999', forged('sent', '253402300800000000', '1')],
      ['/api/v1/messages/sent', 'a seq beyond bigint', forged('sent', '1000', '9999999999999999999')],
      ['/api/v1/messages/sent', 'seq 0', forged('sent', '1000', '0')],
      ['/api/v1/messages/sent', 'a cursor of the other list', forged('all', '1')],
      ['/api/v1/messages', 'a seq beyond bigint', forged('all', '9223372036854775808')],
      ['/api/v1/messages', 'a seq below bigint', forged('all', '-9223372036854775809')],
      ['/api/v1/messages', 'a negative seq', forged('all', '-5')],
      ['/api/v1/messages', 'a seq with leading zeros', forged('all', '00005')],
      ['/api/v1/messages', 'a cursor of the other list', forged('sent', '1795341600000000', '1')],
    ])('answers GET %s with %s with 400 INVALID_CURSOR', async (path, _what, cursor) => {
      const before = await snapshot();

      const res = await stack.api('get', `${path}?limit=2&cursor=${cursor}`).expect(400);

      expect(res.body).toEqual({ statusCode: 400, code: 'INVALID_CURSOR', message: cursorReason });
      expect(await snapshot()).toBe(before);
    });

    it('still pages with the cursors it gives, sent list included', async () => {
      const ids = await stack.insert([
        { phone: PHONE, content: 'sent a' },
        { phone: PHONE, content: 'sent b' },
        { phone: PHONE, content: 'sent c' },
      ]);
      await stack.db.sql.query(`UPDATE messages SET status = 'sent', gateway_message_id = 'gw', sent_at = now() WHERE id = ANY($1::uuid[])`, [ids]);

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: { body: { items: { id: string }[]; nextCursor: string | null } } = await stack
          .api('get', `/api/v1/messages/sent?limit=1${cursor ? `&cursor=${cursor}` : ''}`)
          .expect(200);
        seen.push(...res.body.items.map((m) => m.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect([...seen].sort()).toEqual([...ids].sort());
      expect((await stack.api('get', '/health/ready').expect(200)).body.status).toBe('ok');
    });
  });
});
