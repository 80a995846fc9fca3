import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { type DeliveryOutcome, InvalidCursorError, type Message, RetryPolicy } from '@app/domain';
import { databaseOptions, TypeOrmMessageRepository } from '@app/infrastructure';
import { createTestDatabase, type TestDatabase } from '@test/support/database.js';

/**
 * What only PostgreSQL can show: defaults of rows inserted by plain SQL, concurrent claimers,
 * microsecond timestamps, the trigger-kept counts and the statements behind one call. The
 * behaviour every implementation shares is in test/contract/message-repository.contract.ts.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const policy = new RetryPolicy({ baseMs: 1_000, maxMs: 60_000, maxAttempts: 3 }, () => 1);
const T0 = new Date('2030-01-01T12:00:00.000Z');
const CLAIM = { owner: 'dispatcher-a', leaseMs: 30_000 };

function at(offsetMs: number): Date {
  return new Date(T0.getTime() + offsetMs);
}

describe(TypeOrmMessageRepository.name, () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let sut: TypeOrmMessageRepository;

  /** Queues messages with plain SQL, one statement per row, and returns their ids in order. */
  async function insert(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const { rows } = await db.sql.query<{ id: string }>(`INSERT INTO messages (phone_number, content) VALUES ('+905551111111', $1) RETURNING id`, [
        `msg ${i}`,
      ]);
      ids.push(rows[0].id);
    }
    return ids;
  }

  async function row(id: string): Promise<Record<string, any>> {
    const { rows } = await db.sql.query('SELECT * FROM messages WHERE id = $1', [id]);
    return rows[0];
  }

  /** Claims everything due at T0 and sends it. */
  async function sendAll(): Promise<Message[]> {
    const claimed = await sut.claimBatch(1_000, T0, CLAIM);
    const outcomes: DeliveryOutcome[] = claimed.map((message) => ({
      message,
      attempt: message.applyDelivery({ kind: 'accepted', statusCode: 202, gatewayMessageId: `gw-${message.id}`, latencyMs: 5 }, policy, T0),
    }));
    await sut.recordOutcomes(outcomes);
    return claimed;
  }

  /** Runs `action` and answers the SQL statements it sent through the repository's DataSource. */
  async function statementsOf(action: () => Promise<unknown>): Promise<string[]> {
    const statements: string[] = [];
    const query = dataSource.query.bind(dataSource);
    dataSource.query = ((sql: string, params?: unknown[]) => {
      statements.push(sql);
      return query(sql, params);
    }) as typeof dataSource.query;
    try {
      await action();
    } finally {
      dataSource.query = query;
    }
    return statements;
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
    await db.sql.query('TRUNCATE messages, message_attempts, message_replays, message_decisions');
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
      expect(inserted).toMatchObject({
        status: 'pending',
        attempt_count: 0,
        next_attempt_at: null,
        gateway_message_id: null,
        sent_at: null,
        failure_reason: null,
        claimed_by: null,
        claim_token: null,
        lease_until: null,
        request_started_at: null,
        lease_lost_at: null,
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
      expect(claimed[0]).toMatchObject({
        id: inserted.id,
        phoneNumber: '+905551111111',
        content: 'hello',
        status: 'sending',
        attemptCount: 0,
        requestStartedAt: null,
      });
      expect(claimed[0].createdAt).toEqual(inserted.created_at);
      expect(claimed[0].claimToken).toMatch(UUID);
      expect(await row(inserted.id)).toMatchObject({ status: 'sending', claimed_by: CLAIM.owner, claim_token: claimed[0].claimToken });
    });

    it('keeps insertion order for rows inserted in one multi-row INSERT', async () => {
      const contents = Array.from({ length: 12 }, (_, i) => `bulk ${i}`);
      const values = contents.map((_, i) => `('+905551111111', $${i + 1})`).join(', ');
      await db.sql.query(`INSERT INTO messages (phone_number, content) VALUES ${values}`, contents);

      const claimed = [...(await sut.claimBatch(5, T0, CLAIM)), ...(await sut.claimBatch(5, T0, CLAIM)), ...(await sut.claimBatch(5, T0, CLAIM))];

      expect(claimed.map((m) => m.content)).toEqual(contents);
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

  describe('recordAndStart', () => {
    it('records outcomes, their attempts and the started requests in one statement', async () => {
      await insert(4);
      const [done, failed, next, other] = await sut.claimBatch(4, T0, CLAIM);
      const outcomes: DeliveryOutcome[] = [done, failed].map((message, i) => ({
        message,
        attempt: message.applyDelivery(
          i === 0
            ? { kind: 'accepted', statusCode: 202, gatewayMessageId: 'gw', latencyMs: 5 }
            : { kind: 'rejected', statusCode: 400, error: 'bad', latencyMs: 5 },
          policy,
          at(10),
        ),
      }));
      let started: string[] = [];

      const statements = await statementsOf(async () => {
        started = await sut.recordAndStart({
          outcomes,
          start: [next, other].map((m) => ({ id: m.id, claimToken: m.claimToken as string })),
          now: at(10),
          leaseUntil: at(40_000),
        });
      });

      expect(statements).toHaveLength(1);
      expect([...started].sort()).toEqual([next.id, other.id].sort());
      const { rows } = await db.sql.query(`SELECT status, count(request_started_at)::int AS started FROM messages GROUP BY status ORDER BY status`);
      expect(rows).toEqual([
        { status: 'failed', started: 0 },
        { status: 'sending', started: 2 },
        { status: 'sent', started: 0 },
      ]);
      const { rows: attempts } = await db.sql.query(`SELECT count(*)::int AS n FROM message_attempts`);
      expect(attempts).toEqual([{ n: 2 }]);
    });
  });

  describe('listSent', () => {
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

    it.each([
      ['a tampered time', Buffer.from(JSON.stringify(['sent', 'yesterday', '5'])).toString('base64url')],
      ['a tampered seq', Buffer.from(JSON.stringify(['sent', '2030-01-01T12:00:00.000Z', '5; DROP TABLE messages'])).toString('base64url')],
    ])('rejects a cursor in its own format with %s with InvalidCursorError', async (_what, cursor) => {
      await insert(3);
      await sendAll();
      await expect(sut.listSent({ limit: 2, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
    });

    it.each([
      ['a time beyond bigint', ['sent', '9223372036854775807', '1']],
      ['a time below bigint', ['sent', '-9223372036854775808', '1']],
      ['a time after year 9999', ['sent', '253402300800000000', '1']],
      ['a seq beyond bigint', ['sent', '1000', '9999999999999999999']],
      ['seq 0', ['sent', '1000', '0']],
    ])('refuses a well-formed cursor with %s before any query', async (_what, parts) => {
      await insert(2);
      await sendAll();
      const cursor = Buffer.from(JSON.stringify(parts)).toString('base64url');
      let refusal: unknown;

      const statements = await statementsOf(() => sut.listSent({ limit: 2, cursor }).catch((error: unknown) => (refusal = error)));

      expect(refusal).toBeInstanceOf(InvalidCursorError);
      expect(statements).toEqual([]);
    });

    it('takes a cursor at the edges of its ranges: the latest time and seq page from the top, year 0001 finds nothing', async () => {
      const ids = await insert(2);
      await sendAll();
      const cursor = (...parts: string[]) => Buffer.from(JSON.stringify(['sent', ...parts])).toString('base64url');

      const top = await sut.listSent({ limit: 5, cursor: cursor('253402300799999999', '9223372036854775807') });
      const bottom = await sut.listSent({ limit: 5, cursor: cursor('-62135596800000000', '1') });

      expect(top.items.map((m) => m.id).sort()).toEqual([...ids].sort());
      expect(bottom).toEqual({ items: [], nextCursor: null });
    });

    it('reads the time of a cursor to the microsecond beyond 2^53 µs (year 2255), skipping no row', async () => {
      const ids = await insert(3);
      await db.sql.query(
        `UPDATE messages SET status = 'sent', gateway_message_id = 'gw', sent_at = '2300-01-01 00:00:00.000001+00' WHERE id = ANY($1::uuid[])`,
        [ids.slice(0, 2)],
      );
      await db.sql.query(`UPDATE messages SET status = 'sent', gateway_message_id = 'gw', sent_at = '2300-01-01 00:00:00.000002+00' WHERE id = $1`, [ids[2]]);

      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await sut.listSent({ limit: 1, cursor });
        seen.push(...page.items.map((m) => m.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual([ids[2], ids[1], ids[0]]);
    });
  });

  describe('list', () => {
    it.each([
      ['a seq beyond bigint', ['all', '9223372036854775808']],
      ['a seq below bigint', ['all', '-9223372036854775809']],
      ['seq 0', ['all', '0']],
      ['a negative seq', ['all', '-5']],
    ])('refuses a well-formed cursor with %s before any query', async (_what, parts) => {
      await insert(2);
      const cursor = Buffer.from(JSON.stringify(parts)).toString('base64url');
      let refusal: unknown;

      const statements = await statementsOf(() => sut.list({ limit: 2, cursor }).catch((error: unknown) => (refusal = error)));

      expect(refusal).toBeInstanceOf(InvalidCursorError);
      expect(statements).toEqual([]);
    });

    it('takes a cursor at the largest bigint: every message, newest first', async () => {
      const ids = await insert(3);
      const cursor = Buffer.from(JSON.stringify(['all', '9223372036854775807'])).toString('base64url');

      const page = await sut.list({ limit: 5, cursor });

      expect(page.items.map((m) => m.id)).toEqual([...ids].reverse());
    });
  });

  describe('countByStatus', () => {
    it('follows bulk inserts, status changes, deletes and truncates made by plain SQL, without counting the table', async () => {
      await db.sql.query(`INSERT INTO messages (phone_number, content) SELECT '+905551111111', 'bulk ' || n FROM generate_series(1, 50) n`);
      await sendAll();
      await insert(3);
      await db.sql.query(`UPDATE messages SET status = 'failed' WHERE id IN (SELECT id FROM messages WHERE status = 'sent' LIMIT 5)`);
      await db.sql.query(`UPDATE messages SET updated_at = now()`); // no status change: no delta
      await db.sql.query(`DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE status = 'sent' LIMIT 10)`);

      const expected = { pending: 3, sending: 0, sent: 35, failed: 5, unknown: 0, expired: 0 };
      await expect(sut.countByStatus()).resolves.toEqual(expected);
      const { rows } = await db.sql.query(`SELECT status, count(*)::int AS n FROM messages GROUP BY status`);
      expect(Object.fromEntries(rows.map((r) => [r.status, r.n]))).toEqual({ pending: 3, sent: 35, failed: 5 });

      await db.sql.query('TRUNCATE messages, message_attempts, message_replays, message_decisions');
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
});
