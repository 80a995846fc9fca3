import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { type DeliveryOutcome, type GatewayResult, InvalidCursorError, type Message, RetryPolicy } from '@app/domain';
import { databaseOptions, TypeOrmMessageRepository } from '@app/infrastructure';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// Jitter pinned to its ceiling, so that the first retry comes exactly baseMs later.
const policy = new RetryPolicy({ baseMs: 1_000, maxMs: 60_000, maxAttempts: 3 }, () => 1);
const T0 = new Date('2030-01-01T12:00:00.000Z');
const CLAIM = { owner: 'dispatcher-a', leaseMs: 30_000 };

function at(offsetMs: number): Date {
  return new Date(T0.getTime() + offsetMs);
}

function accepted(gatewayMessageId: string): GatewayResult {
  return { kind: 'accepted', statusCode: 202, gatewayMessageId, latencyMs: 12.4 };
}

describe(TypeOrmMessageRepository.name, () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let sut: TypeOrmMessageRepository;

  /** Queues messages with plain SQL, one statement per row, and returns their ids in order. */
  async function insert(count: number, prefix = 'msg'): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const { rows } = await db.sql.query<{ id: string }>(
        `INSERT INTO messages (phone_number, content) VALUES ('+905551111111', $1) RETURNING id`,
        [`${prefix} ${i}`],
      );
      ids.push(rows[0].id);
    }
    return ids;
  }

  async function row(id: string): Promise<Record<string, any>> {
    const { rows } = await db.sql.query('SELECT * FROM messages WHERE id = $1', [id]);
    return rows[0];
  }

  async function statuses(): Promise<Record<string, string>> {
    const { rows } = await db.sql.query<{ id: string; status: string }>('SELECT id, status FROM messages');
    return Object.fromEntries(rows.map((r) => [r.id, r.status]));
  }

  /** Claims everything due at `now` and sends it, each message accepted at its own time. */
  async function sendAll(sentAt: (index: number) => Date, now = T0): Promise<Message[]> {
    const claimed = await sut.claimBatch(1_000, now, CLAIM);
    const outcomes: DeliveryOutcome[] = claimed.map((message, i) => ({
      message,
      attempt: message.applyDelivery(accepted(`gw-${message.id}`), policy, sentAt(i)),
    }));
    await sut.recordOutcomes(outcomes);
    return claimed;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = await new DataSource(databaseOptions(db.url)).initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.close();
  });

  beforeEach(async () => {
    await db.sql.query('TRUNCATE messages, message_attempts, message_replays');
    sut = new TypeOrmMessageRepository(dataSource);
  });

  describe('claimBatch', () => {
    it('claims a row inserted by plain SQL, which gets every default', async () => {
      const before = new Date();
      await db.sql.query(`INSERT INTO messages (phone_number, content) VALUES ('+905551111111', 'hello')`);

      const { rows } = await db.sql.query('SELECT * FROM messages');
      expect(rows).toHaveLength(1);
      const inserted = rows[0];
      expect(inserted.id).toMatch(UUID);
      expect(inserted.status).toBe('pending');
      expect(inserted.attempt_count).toBe(0);
      expect(inserted.next_attempt_at).toBeNull();
      expect(inserted.gateway_message_id).toBeNull();
      expect(inserted.sent_at).toBeNull();
      expect(inserted.failure_reason).toBeNull();
      expect(inserted).toMatchObject({
        claimed_by: null,
        claim_token: null,
        lease_until: null,
        send_after: null,
        expires_at: null,
        idempotency_key: null,
        request_hash: null,
        replay_count: 0,
      });
      expect(inserted.created_at).toBeInstanceOf(Date);
      expect(Math.abs(inserted.created_at.getTime() - before.getTime())).toBeLessThan(60_000);

      const claimed = await sut.claimBatch(10, new Date(), CLAIM);

      expect(claimed).toHaveLength(1);
      expect(claimed[0].id).toBe(inserted.id);
      expect(claimed[0].phoneNumber).toBe('+905551111111');
      expect(claimed[0].content).toBe('hello');
      expect(claimed[0].status).toBe('sending');
      expect(claimed[0].attemptCount).toBe(0);
      expect(claimed[0].createdAt).toEqual(inserted.created_at);
      expect(claimed[0].claimToken).toMatch(UUID);
      expect(await row(inserted.id)).toMatchObject({ status: 'sending', claimed_by: CLAIM.owner, claim_token: claimed[0].claimToken });
    });

    it('takes the oldest pending rows first and marks exactly those sending in the database', async () => {
      const ids = await insert(5);

      const first = await sut.claimBatch(2, T0, CLAIM);
      const second = await sut.claimBatch(2, T0, CLAIM);

      expect(first.map((m) => m.id)).toEqual(ids.slice(0, 2));
      expect(second.map((m) => m.id)).toEqual(ids.slice(2, 4));
      expect(await statuses()).toEqual({
        [ids[0]]: 'sending',
        [ids[1]]: 'sending',
        [ids[2]]: 'sending',
        [ids[3]]: 'sending',
        [ids[4]]: 'pending',
      });
      expect((await row(ids[0])).updated_at).toEqual(T0);
    });

    it('keeps insertion order for rows inserted in one multi-row INSERT', async () => {
      const contents = Array.from({ length: 12 }, (_, i) => `bulk ${i}`);
      const values = contents.map((_, i) => `('+905551111111', $${i + 1})`).join(', ');
      await db.sql.query(`INSERT INTO messages (phone_number, content) VALUES ${values}`, contents);

      const claimed = [...(await sut.claimBatch(5, T0, CLAIM)), ...(await sut.claimBatch(5, T0, CLAIM)), ...(await sut.claimBatch(5, T0, CLAIM))];

      expect(claimed.map((m) => m.content)).toEqual(contents);
    });

    it('skips rows whose next attempt is in the future and rows that are not pending', async () => {
      const [sending, sent, failed, later, due, fresh] = await insert(6);
      await db.sql.query(`UPDATE messages SET status = 'sending' WHERE id = $1`, [sending]);
      await db.sql.query(`UPDATE messages SET status = 'sent', sent_at = $2, gateway_message_id = 'gw' WHERE id = $1`, [sent, T0]);
      await db.sql.query(`UPDATE messages SET status = 'failed', failure_reason = 'x' WHERE id = $1`, [failed]);
      await db.sql.query(`UPDATE messages SET next_attempt_at = $2 WHERE id = $1`, [later, at(1)]);
      await db.sql.query(`UPDATE messages SET next_attempt_at = $2 WHERE id = $1`, [due, T0]);

      const claimed = await sut.claimBatch(10, T0, CLAIM);

      expect(claimed.map((m) => m.id)).toEqual([due, fresh]);
      expect(await statuses()).toEqual({
        [sending]: 'sending',
        [sent]: 'sent',
        [failed]: 'failed',
        [later]: 'pending',
        [due]: 'sending',
        [fresh]: 'sending',
      });
      expect(await sut.claimBatch(10, T0, CLAIM)).toEqual([]);
      expect((await sut.claimBatch(10, at(1), CLAIM)).map((m) => m.id)).toEqual([later]);
    });

    it('never hands the same row to two of 8 claimers running in parallel, and hands out every row', async () => {
      const ids = await insert(200);
      // Eight pools, as eight replicas would have.
      const pools = await Promise.all(Array.from({ length: 8 }, () => new DataSource(databaseOptions(db.url)).initialize()));
      const claimers = pools.map((pool) => new TypeOrmMessageRepository(pool));
      const claims: string[] = [];
      const claimedBy = new Map<string, string>();
      try {
        // Rounds until a whole round claims nothing; a claimer that finds every due row locked by
        // another one gets an empty batch, so one empty batch does not mean the queue is empty.
        for (let round = 0; round < 100; round += 1) {
          const perClaimer = await Promise.all(
            claimers.map(async (claimer, replica) => {
              const claim = { owner: `replica-${replica}`, leaseMs: 30_000 };
              const mine: string[] = [];
              for (let batch = await claimer.claimBatch(3, T0, claim); batch.length > 0; batch = await claimer.claimBatch(3, T0, claim)) {
                mine.push(...batch.map((m) => m.id));
                for (const m of batch) claimedBy.set(m.id, claim.owner);
              }
              return mine;
            }),
          );
          const claimedThisRound = perClaimer.flat();
          if (claimedThisRound.length === 0) break;
          claims.push(...claimedThisRound);
        }
      } finally {
        await Promise.all(pools.map((pool) => pool.destroy()));
      }

      expect(new Set(claims).size).toBe(claims.length);
      expect([...claims].sort()).toEqual([...ids].sort());
      const { rows } = await db.sql.query(`SELECT status, count(*)::int AS n FROM messages GROUP BY status`);
      expect(rows).toEqual([{ status: 'sending', n: 200 }]);
      const { rows: owners } = await db.sql.query<{ id: string; claimed_by: string }>(`SELECT id, claimed_by FROM messages`);
      expect(Object.fromEntries(owners.map((r) => [r.id, r.claimed_by]))).toEqual(Object.fromEntries(claimedBy));
      const { rows: tokens } = await db.sql.query(`SELECT count(DISTINCT claim_token)::int AS n FROM messages`);
      expect(tokens).toEqual([{ n: 200 }]);
    });
  });

  describe('recordOutcomes', () => {
    it('writes sent, retry, failed and invalid outcomes and one attempt row per gateway call', async () => {
      const [sentId, retryId, rejectedId, invalidId] = await insert(4);
      const [toSend, toRetry, toReject, toInvalidate] = await sut.claimBatch(4, T0, CLAIM);
      const now = at(1_234);

      const outcomes: DeliveryOutcome[] = [
        { message: toSend, attempt: toSend.applyDelivery({ kind: 'accepted', statusCode: 202, gatewayMessageId: 'gw-accepted-1', latencyMs: 12.4 }, policy, now) },
        {
          message: toRetry,
          attempt: toRetry.applyDelivery({ kind: 'retryable', statusCode: 503, error: 'gateway answered 503', latencyMs: 7.6, retryAfterMs: 5_000 }, policy, now),
        },
        { message: toReject, attempt: toReject.applyDelivery({ kind: 'rejected', statusCode: 400, error: 'gateway answered 400: bad', latencyMs: 3 }, policy, now) },
      ];
      toInvalidate.rejectAsInvalid('phoneNumber is bad', now);
      outcomes.push({ message: toInvalidate, attempt: null });

      await sut.recordOutcomes(outcomes);

      expect(await row(sentId)).toMatchObject({
        status: 'sent',
        gateway_message_id: 'gw-accepted-1',
        sent_at: now,
        attempt_count: 1,
        next_attempt_at: null,
        failure_reason: null,
        updated_at: now,
      });
      expect(await row(retryId)).toMatchObject({
        status: 'pending',
        attempt_count: 1,
        next_attempt_at: at(1_234 + 5_000),
        failure_reason: 'gateway answered 503',
        gateway_message_id: null,
        sent_at: null,
      });
      expect(await row(rejectedId)).toMatchObject({
        status: 'failed',
        attempt_count: 1,
        next_attempt_at: null,
        failure_reason: 'gateway answered 400: bad',
        sent_at: null,
      });
      expect(await row(invalidId)).toMatchObject({
        status: 'failed',
        attempt_count: 0,
        failure_reason: 'invalid message: phoneNumber is bad',
      });

      const { rows: attempts } = await db.sql.query(
        'SELECT message_id, attempt_no, at, status_code, outcome, error, latency_ms FROM message_attempts ORDER BY id',
      );
      expect(attempts).toEqual([
        { message_id: sentId, attempt_no: 1, at: now, status_code: 202, outcome: 'accepted', error: null, latency_ms: 12 },
        { message_id: retryId, attempt_no: 1, at: now, status_code: 503, outcome: 'retryable', error: 'gateway answered 503', latency_ms: 8 },
        { message_id: rejectedId, attempt_no: 1, at: now, status_code: 400, outcome: 'rejected', error: 'gateway answered 400: bad', latency_ms: 3 },
      ]);
    });

    it('records a transport failure with no status code, and the retried message is claimed again once due', async () => {
      const [id] = await insert(1);
      const [message] = await sut.claimBatch(1, T0, CLAIM);
      const attempt = message.applyDelivery({ kind: 'retryable', statusCode: null, error: 'gateway unreachable (ECONNREFUSED)', latencyMs: 1 }, policy, T0);

      await sut.recordOutcomes([{ message, attempt }]);

      const { rows } = await db.sql.query('SELECT status_code, outcome FROM message_attempts WHERE message_id = $1', [id]);
      expect(rows).toEqual([{ status_code: null, outcome: 'retryable' }]);
      expect(await sut.claimBatch(1, at(999), CLAIM)).toEqual([]);
      const [again] = await sut.claimBatch(1, at(1_000), CLAIM);
      expect(again.id).toBe(id);
      expect(again.attemptCount).toBe(1);
      expect((await row(id)).status).toBe('sending');
    });

    it('does not overwrite a row that is no longer sending', async () => {
      const [id] = await insert(1);
      const [message] = await sut.claimBatch(1, T0, CLAIM);
      await db.sql.query(`UPDATE messages SET status = 'failed', failure_reason = 'cancelled by an operator' WHERE id = $1`, [id]);
      const attempt = message.applyDelivery(accepted('gw-late'), policy, at(10));

      await sut.recordOutcomes([{ message, attempt }]);

      expect(await row(id)).toMatchObject({
        status: 'failed',
        failure_reason: 'cancelled by an operator',
        gateway_message_id: null,
        sent_at: null,
        attempt_count: 0,
      });
    });

    it('does nothing for an empty list', async () => {
      await insert(1);
      await expect(sut.recordOutcomes([])).resolves.toBeUndefined();
      expect(Object.values(await statuses())).toEqual(['pending']);
    });
  });

  describe('listSent', () => {
    /** Seven sent messages, sent in an order unrelated to insertion, two pairs sharing a time. */
    async function sevenSent(): Promise<string[]> {
      await insert(7, 'sent');
      const times = [at(500), at(100), at(700), at(100), at(300), at(700), at(200)];
      const claimed = await sendAll((i) => times[i]);
      // A failed and a pending message must never appear in the sent list.
      await insert(2, 'other');
      const [failing] = await sut.claimBatch(1, T0, CLAIM);
      failing.rejectAsInvalid('bad', T0);
      await sut.recordOutcomes([{ message: failing, attempt: null }]);
      // Most recently sent first; among equal times the later-inserted first.
      return claimed
        .map((m, i) => ({ id: m.id, time: times[i].getTime(), i }))
        .sort((a, b) => b.time - a.time || b.i - a.i)
        .map((m) => m.id);
    }

    async function walk(limit: number): Promise<{ pages: Message[][]; cursors: (string | null)[] }> {
      const pages: Message[][] = [];
      const cursors: (string | null)[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 20; i += 1) {
        const result = await sut.listSent({ limit, ...(cursor === undefined ? {} : { cursor }) });
        pages.push(result.items);
        cursors.push(result.nextCursor);
        if (result.nextCursor === null) break;
        cursor = result.nextCursor;
      }
      return { pages, cursors };
    }

    it.each([1, 2, 3, 7, 10])('walks every sent message once, most recently sent first, %i per page', async (limit) => {
      const expected = await sevenSent();

      const { pages, cursors } = await walk(limit);

      const expectedPages = Math.max(1, Math.ceil(expected.length / limit));
      expect(pages).toHaveLength(expectedPages);
      expect(pages.flat().map((m) => m.id)).toEqual(expected);
      expect(pages.slice(0, -1).every((p) => p.length === limit)).toBe(true);
      expect(pages[pages.length - 1].map((m) => m.id)).toEqual(expected.slice((expectedPages - 1) * limit));
      expect(cursors.slice(0, -1).every((c) => typeof c === 'string')).toBe(true);
      expect(cursors[cursors.length - 1]).toBeNull();
      expect(pages.flat().every((m) => m.status === 'sent' && m.gatewayMessageId === `gw-${m.id}`)).toBe(true);
    });

    it('pages exactly through rows whose sent_at has microseconds (set by SQL), skipping none', async () => {
      const ids = await insert(5);
      await db.sql.query(
        `UPDATE messages SET status = 'sent', gateway_message_id = 'gw', sent_at = '2030-01-01 12:00:00.123456+00' WHERE id = ANY($1::uuid[])`,
        [ids.slice(0, 3)],
      );
      await db.sql.query(`UPDATE messages SET status = 'sent', gateway_message_id = 'gw', sent_at = '2030-01-01 12:00:00.123999+00' WHERE id = $1`, [ids[3]]);
      await db.sql.query(`UPDATE messages SET status = 'sent', gateway_message_id = 'gw', sent_at = '2030-01-01 12:00:00.123001+00' WHERE id = $1`, [ids[4]]);

      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await sut.listSent({ limit: 1, cursor });
        seen.push(...page.items.map((m) => m.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual([ids[3], ids[2], ids[1], ids[0], ids[4]]);
    });

    it('returns an empty last page with no cursor when nothing was sent', async () => {
      await insert(3);
      await expect(sut.listSent({ limit: 5 })).resolves.toEqual({ items: [], nextCursor: null });
    });

    it.each([
      ['a made-up string', 'not-a-cursor'],
      ['base64 of something else', Buffer.from('{"sent":1}').toString('base64url')],
      ['a tampered time', Buffer.from(JSON.stringify(['sent', 'yesterday', '5'])).toString('base64url')],
      ['a tampered seq', Buffer.from(JSON.stringify(['sent', '2030-01-01T12:00:00.000Z', '5; DROP TABLE messages'])).toString('base64url')],
    ])('rejects %s as a cursor with InvalidCursorError', async (_what, cursor) => {
      await sevenSent();
      await expect(sut.listSent({ limit: 2, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
    });

    it('rejects a cursor from list() with InvalidCursorError', async () => {
      await sevenSent();
      const { nextCursor } = await sut.list({ limit: 2 });
      expect(nextCursor).not.toBeNull();

      await expect(sut.listSent({ limit: 2, cursor: nextCursor as string })).rejects.toBeInstanceOf(InvalidCursorError);
    });
  });

  describe('list', () => {
    it('lists newest first across pages, optionally of one status', async () => {
      const ids = await insert(7);
      await sut.claimBatch(2, T0, CLAIM); // ids[0], ids[1] -> sending
      const newestFirst = [...ids].reverse();

      const all: string[] = [];
      let cursor: string | undefined;
      const nextCursors: (string | null)[] = [];
      for (let i = 0; i < 10; i += 1) {
        const page = await sut.list({ limit: 3, ...(cursor === undefined ? {} : { cursor }) });
        all.push(...page.items.map((m) => m.id));
        nextCursors.push(page.nextCursor);
        if (page.nextCursor === null) break;
        cursor = page.nextCursor;
      }
      expect(all).toEqual(newestFirst);
      expect(nextCursors.map((c) => c === null)).toEqual([false, false, true]);

      const firstPending = await sut.list({ status: 'pending', limit: 3 });
      expect(firstPending.items.map((m) => m.id)).toEqual(newestFirst.slice(0, 3));
      const secondPending = await sut.list({ status: 'pending', limit: 3, cursor: firstPending.nextCursor as string });
      expect(secondPending.items.map((m) => m.id)).toEqual(newestFirst.slice(3, 5));
      expect(secondPending.nextCursor).toBeNull();

      await expect(sut.list({ status: 'sending', limit: 10 })).resolves.toMatchObject({ nextCursor: null });
      expect((await sut.list({ status: 'sending', limit: 10 })).items.map((m) => m.id)).toEqual([ids[1], ids[0]]);
      expect(await sut.list({ status: 'failed', limit: 10 })).toEqual({ items: [], nextCursor: null });
    });

    it('rejects a cursor from listSent() and a made-up one with InvalidCursorError', async () => {
      await insert(3);
      await sendAll((i) => at(i));
      const { nextCursor } = await sut.listSent({ limit: 1 });
      expect(nextCursor).not.toBeNull();

      await expect(sut.list({ limit: 1, cursor: nextCursor as string })).rejects.toBeInstanceOf(InvalidCursorError);
      await expect(sut.list({ limit: 1, cursor: '%%%' })).rejects.toBeInstanceOf(InvalidCursorError);
    });
  });

  describe('countByStatus', () => {
    it('counts every status, zeros included', async () => {
      await expect(sut.countByStatus()).resolves.toEqual({ pending: 0, sending: 0, sent: 0, failed: 0, unknown: 0, expired: 0 });

      await insert(4);
      await sut.claimBatch(1, T0, CLAIM);

      await expect(sut.countByStatus()).resolves.toEqual({ pending: 3, sending: 1, sent: 0, failed: 0, unknown: 0, expired: 0 });
    });

    it('follows bulk inserts, status changes, deletes and truncates without counting the table', async () => {
      await db.sql.query(`INSERT INTO messages (phone_number, content) SELECT '+905551111111', 'bulk ' || n FROM generate_series(1, 50) n`);
      await sendAll(() => T0, T0);
      await insert(3);
      await db.sql.query(`UPDATE messages SET status = 'failed' WHERE id IN (SELECT id FROM messages WHERE status = 'sent' LIMIT 5)`);
      await db.sql.query(`UPDATE messages SET updated_at = now()`); // no status change: no delta
      await db.sql.query(`DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE status = 'sent' LIMIT 10)`);

      const expected = { pending: 3, sending: 0, sent: 35, failed: 5, unknown: 0, expired: 0 };
      await expect(sut.countByStatus()).resolves.toEqual(expected);
      const { rows } = await db.sql.query(`SELECT status, count(*)::int AS n FROM messages GROUP BY status`);
      expect(Object.fromEntries(rows.map((r) => [r.status, r.n]))).toEqual({ pending: 3, sent: 35, failed: 5 });

      await db.sql.query('TRUNCATE messages, message_attempts, message_replays');
      await expect(sut.countByStatus()).resolves.toEqual({ pending: 0, sending: 0, sent: 0, failed: 0, unknown: 0, expired: 0 });
    });

    it('compaction folds the deltas into one row per status and keeps the counts', async () => {
      await insert(4);
      await sut.claimBatch(2, T0, CLAIM);
      const before = await sut.countByStatus();
      const { rows: deltas } = await db.sql.query(`SELECT count(*)::int AS n FROM message_status_counts`);
      expect(deltas[0].n).toBeGreaterThan(2);

      await sut.compactStatusCounts();

      await expect(sut.countByStatus()).resolves.toEqual(before);
      const { rows } = await db.sql.query(`SELECT status, delta::int FROM message_status_counts ORDER BY status`);
      expect(rows).toEqual([
        { status: 'pending', delta: 2 },
        { status: 'sending', delta: 2 },
      ]);
    });
  });

  describe('oldestDueSince', () => {
    it('is when the next message to send became due, ignoring rows not due yet', async () => {
      await expect(sut.oldestDueSince(T0)).resolves.toBeNull();
      await db.sql.query(
        `INSERT INTO messages (phone_number, content, created_at, send_after) VALUES
           ('+905551111111', 'scheduled later', $1, $2),
           ('+905551111111', 'scheduled earlier', $1, $3),
           ('+905551111111', 'plain', $4, NULL)`,
        [at(-60_000), at(10_000), at(-30_000), at(-20_000)],
      );

      // The first row by claim order is not due; the second became due at its sendAfter.
      await expect(sut.oldestDueSince(T0)).resolves.toEqual(at(-30_000));
      await sut.claimBatch(1, T0, CLAIM);
      await expect(sut.oldestDueSince(T0)).resolves.toEqual(at(-20_000));
      await expect(sut.oldestDueSince(at(20_000))).resolves.toEqual(at(10_000));
    });
  });

  describe('create', () => {
    it('queues a pending message with its schedule and returns it as stored', async () => {
      const result = await sut.create({
        phoneNumber: '+905551111111',
        content: 'scheduled',
        sendAfter: at(60_000),
        expiresAt: at(3_600_000),
        requestHash: 'hash-1',
      });

      expect(result.created).toBe(true);
      expect(result.requestHash).toBe('hash-1');
      expect(result.message.id).toMatch(UUID);
      expect(result.message).toMatchObject({
        phoneNumber: '+905551111111',
        content: 'scheduled',
        status: 'pending',
        attemptCount: 0,
        sendAfter: at(60_000),
        expiresAt: at(3_600_000),
        replayCount: 0,
        claimToken: null,
      });
      expect(await row(result.message.id)).toMatchObject({
        status: 'pending',
        send_after: at(60_000),
        expires_at: at(3_600_000),
        idempotency_key: null,
        request_hash: 'hash-1',
      });
    });

    it('creates a new row for every create without an idempotency key, even with equal content', async () => {
      const draft = { phoneNumber: '+905551111111', content: 'same' };

      const [first, second] = [await sut.create(draft), await sut.create(draft)];

      expect(first.created && second.created).toBe(true);
      expect(first.message.id).not.toBe(second.message.id);
      expect(first.requestHash).toBeNull();
      const { rows } = await db.sql.query(`SELECT count(*)::int AS n FROM messages`);
      expect(rows).toEqual([{ n: 2 }]);
    });
  });

  describe('findById', () => {
    it('returns the message as stored', async () => {
      const [id] = await insert(1);
      const found = await sut.findById(id);
      expect(found?.id).toBe(id);
      expect(found?.status).toBe('pending');
      expect(found?.content).toBe('msg 0');
    });

    it.each([
      ['an unknown uuid', '6f1c2d11-0b9d-4a8a-9a8e-5f1e9c546a1f'],
      ['a non-uuid id', 'not-a-uuid'],
      ['an SQL fragment', "' OR 1=1 --"],
    ])('returns null for %s', async (_what, id) => {
      await insert(1);
      await expect(sut.findById(id)).resolves.toBeNull();
    });
  });
});
