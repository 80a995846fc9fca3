import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { GetSendHistory, ListDispatchEvents } from '@app/application';
import { type Actor, type GatewayResult, Message, RetryPolicy } from '@app/domain';
import { databaseOptions, PgDispatchEventLog, PgOperatorLog, PgSendHistory, TypeOrmMessageRepository } from '@app/infrastructure';
import { MIGRATIONS } from '@app/migrations';
import { createTestDatabase, type TestDatabase } from '@test/support/database.js';
import { FakeClock } from '@test/support/fake-clock.js';

/**
 * Sends per minute (sent_per_minute), kept by statement-level triggers on messages, whoever writes:
 * the outcome writer (recordOutcomes, recordAndStart), a settlement, or plain SQL; and the
 * dispatch events beside it. Also the operator log's writes being part of the change they record.
 */

const T0 = new Date('2030-01-01T12:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const minute = (n: number) => new Date(T0.getTime() + n * 60_000);
const policy = new RetryPolicy({ baseMs: 1_000, maxMs: 1_000, maxAttempts: 3 }, () => 1);
const accepted = (id: string): GatewayResult => ({ kind: 'accepted', statusCode: 202, gatewayMessageId: `gw-${id}`, latencyMs: 5 });
const retryable: GatewayResult = { kind: 'retryable', statusCode: 503, error: 'gateway answered 503', latencyMs: 3 };
const OPERATOR: Actor = { source: 'dashboard', id: 'session:ops-1' };

describe('sent per minute and dispatch events (integration)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let repository: TypeOrmMessageRepository;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = await new DataSource(databaseOptions(db.url)).initialize();
    repository = new TypeOrmMessageRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.close();
  });

  beforeEach(async () => {
    await db.sql.query('TRUNCATE messages, message_attempts, message_replays, message_decisions, operator_audit, sent_per_minute, dispatch_events');
  });

  async function perMinute(): Promise<{ minute: string; sent: number }[]> {
    const { rows } = await db.sql.query<{ minute: Date; sent: number }>('SELECT minute, sent FROM sent_per_minute ORDER BY minute');
    return rows.map((r) => ({ minute: r.minute.toISOString(), sent: r.sent }));
  }

  async function insert(count: number, status = 'pending'): Promise<string[]> {
    const { rows } = await db.sql.query<{ id: string }>(
      `INSERT INTO messages (phone_number, content, status) SELECT '+905551111111', 'hello ' || i, $2 FROM generate_series(1, $1::int) AS i RETURNING id`,
      [count, status],
    );
    return rows.map((r) => r.id);
  }

  /** Claims every due message and lets their requests go out. */
  async function claimAndStart(limit: number): Promise<Message[]> {
    const claimed = await repository.claimBatch(limit, T0, { owner: 'test', leaseMs: 60_000 });
    await repository.recordAndStart({
      outcomes: [],
      start: claimed.map((m) => ({ id: m.id, claimToken: m.claimToken as string })),
      now: T0,
      leaseUntil: at(60_000),
    });
    return claimed;
  }

  function deliver(message: Message, result: GatewayResult, now: Date) {
    const copy = Message.restore(message.toProps());
    return { message: copy, attempt: copy.applyDelivery(result, policy, now) };
  }

  it('counts the messages recordOutcomes sends, per minute of their sentAt, and not the ones it retries', async () => {
    await insert(5);
    const claimed = await claimAndStart(5);

    await repository.recordOutcomes([
      deliver(claimed[0], accepted(claimed[0].id), at(1_000)),
      deliver(claimed[1], accepted(claimed[1].id), at(59_999)),
      deliver(claimed[2], accepted(claimed[2].id), at(60_000)),
      deliver(claimed[3], retryable, at(60_001)),
    ]);
    await repository.recordOutcomes([deliver(claimed[4], accepted(claimed[4].id), at(61_000))]);

    expect(await perMinute()).toEqual([
      { minute: minute(0).toISOString(), sent: 2 },
      { minute: minute(1).toISOString(), sent: 2 },
    ]);
  });

  it('counts the outcomes recordAndStart writes with the next group, and never a message twice', async () => {
    await insert(4);
    const [first, second, ...rest] = await repository.claimBatch(4, T0, { owner: 'test', leaseMs: 60_000 });
    const ref = (m: Message) => ({ id: m.id, claimToken: m.claimToken as string });
    await repository.recordAndStart({ outcomes: [], start: [ref(first), ref(second)], now: T0, leaseUntil: at(60_000) });

    await repository.recordAndStart({
      outcomes: [deliver(first, accepted(first.id), at(2_000)), deliver(second, accepted(second.id), at(3_000))],
      start: rest.map(ref),
      now: at(3_000),
      leaseUntil: at(60_000),
    });
    // The same outcomes again (a retried write): the rows are sent already, nothing more is counted.
    await repository.recordOutcomes([deliver(first, accepted(first.id), at(2_000))]);
    await db.sql.query(`UPDATE messages SET content = content || '!' WHERE status = 'sent'`);

    expect(await perMinute()).toEqual([{ minute: minute(0).toISOString(), sent: 2 }]);
  });

  it('counts rows made sent by plain SQL, inserted as sent, and settled as sent by an operator', async () => {
    const ids = await insert(3);
    await db.sql.query(`UPDATE messages SET status = 'sent', sent_at = $2 WHERE id = ANY($1::uuid[])`, [ids, at(5 * 60_000 + 30_000)]);
    await db.sql.query(`INSERT INTO messages (phone_number, content, status, sent_at) VALUES ('+905551111111', 'by hand', 'sent', $1)`, [at(7 * 60_000)]);
    const [doubtful] = await insert(1, 'unknown');
    await repository.settle(doubtful, { outcome: 'sent', reason: 'confirmed' }, at(7 * 60_000 + 1), OPERATOR);
    await db.sql.query(`UPDATE messages SET status = 'failed' WHERE id = $1`, [ids[0]]);

    expect(await perMinute()).toEqual([
      { minute: minute(5).toISOString(), sent: 3 },
      { minute: minute(7).toISOString(), sent: 2 },
    ]);
  });

  it('counts a sent row written without sentAt in the minute of its statement', async () => {
    const [id] = await insert(1);
    const { rows } = await db.sql.query<{ now: Date }>(`UPDATE messages SET status = 'sent' WHERE id = $1 RETURNING now() AS now`, [id]);

    const expected = new Date(Math.floor(rows[0].now.getTime() / 60_000) * 60_000);
    expect(await perMinute()).toEqual([{ minute: expected.toISOString(), sent: 1 }]);
  });

  it('keeps the counts with statement-level triggers (one INSERT per statement, whatever its size)', async () => {
    const { rows } = await db.sql.query<{ tgname: string; row_level: boolean }>(
      `SELECT tgname, (tgtype & 1) = 1 AS row_level FROM pg_trigger
        WHERE tgrelid = 'messages'::regclass AND tgname LIKE 'messages_sent_per_minute%' ORDER BY tgname`,
    );
    expect(rows).toEqual([
      { tgname: 'messages_sent_per_minute_insert', row_level: false },
      { tgname: 'messages_sent_per_minute_update', row_level: false },
    ]);

    const ids = await insert(2_000);
    await db.sql.query(`UPDATE messages SET status = 'sent', sent_at = $2 WHERE id = ANY($1::uuid[])`, [ids, at(0)]);
    expect(await perMinute()).toEqual([{ minute: minute(0).toISOString(), sent: 2_000 }]);
  });

  it('reads the minutes of a range through SendHistory, and GetSendHistory fills the minutes without sends', async () => {
    const ids = await insert(4);
    for (const [i, sentAt] of [at(0), at(61_000), at(62_000), at(4 * 60_000)].entries()) {
      await db.sql.query(`UPDATE messages SET status = 'sent', sent_at = $2 WHERE id = $1`, [ids[i], sentAt]);
    }

    await expect(new PgSendHistory(dataSource).sentPerMinute(minute(1), minute(4))).resolves.toEqual([{ minute: minute(1), sent: 2 }]);
    const history = await new GetSendHistory(new PgSendHistory(dataSource), new FakeClock(at(4 * 60_000 + 5_000))).execute({ minutes: 5 });
    expect(history).toEqual([0, 1, 2, 3, 4].map((n) => ({ minute: minute(n), sent: [1, 2, 0, 0, 1][n] })));
  });

  it("keeps the breaker's openings, best effort, and lists them with starts and stops", async () => {
    const events = new PgDispatchEventLog(dataSource);
    const log = new PgOperatorLog(dataSource);
    await events.record({ kind: 'breaker-opened', detail: { consecutiveFailures: 5 } });
    await expect(events.since(new Date(Date.now() - 60_000), 10)).resolves.toEqual([
      { id: expect.any(Number), at: expect.any(Date), kind: 'breaker-opened', detail: { consecutiveFailures: 5 } },
    ]);
    await expect(events.since(new Date(Date.now() + 60_000), 10)).resolves.toEqual([]);
    // Rows at known times, to see the order: two of the log's, one event between them, one entry that is no start or stop.
    await db.sql.query('TRUNCATE dispatch_events, operator_audit');
    await db.sql.query(
      `INSERT INTO operator_audit (at, source, actor, action) VALUES ($1, 'dashboard', 'session:ops-1', 'start'), ($2, 'api', 'key:0123456789ab', 'stop'),
              ($2, 'api', 'key:0123456789ab', 'replay'), ($3, 'api', 'key:0123456789ab', 'start')`,
      [at(1_000), at(3_000), at(-1_000)],
    );
    await db.sql.query(`INSERT INTO dispatch_events (at, kind, detail) VALUES ($1, 'breaker-opened', '{"consecutiveFailures": 5}')`, [at(2_000)]);

    const timeline = await new ListDispatchEvents(log, events).execute({ since: T0 });

    expect(timeline).toEqual([
      { at: at(1_000), kind: 'start', actor: OPERATOR, detail: {} },
      { at: at(2_000), kind: 'breaker-opened', actor: null, detail: { consecutiveFailures: 5 } },
      { at: at(3_000), kind: 'stop', actor: { source: 'api', id: 'key:0123456789ab' }, detail: {} },
    ]);

    // A database that no longer answers: recording resolves anyway (the tick goes on).
    const gone = await new DataSource(databaseOptions(db.url)).initialize();
    await gone.destroy();
    await expect(new PgDispatchEventLog(gone).record({ kind: 'breaker-opened', detail: {} })).resolves.toBeUndefined();
  });

  it('writes a replay and its operator log entry in one transaction: when the entry cannot be written, nothing is replayed', async () => {
    const [id] = await insert(1, 'failed');
    const forged = { source: 'somewhere-else', id: 'x' } as unknown as Actor;

    await expect(repository.replayMatching({ statuses: ['failed'] }, T0, false, { actor: forged })).rejects.toThrow(/operator_audit_source_check/);
    await expect(repository.replay(id, T0, forged)).rejects.toThrow(/operator_audit_source_check/);
    await expect(repository.settle((await insert(1, 'unknown'))[0], { outcome: 'failed', reason: 'x' }, T0, forged)).rejects.toThrow(
      /operator_audit_source_check/,
    );

    const { rows } = await db.sql.query(`SELECT status, count(*)::int AS n FROM messages GROUP BY status ORDER BY status`);
    expect(rows).toEqual([
      { status: 'failed', n: 1 },
      { status: 'unknown', n: 1 },
    ]);
    expect((await db.sql.query('SELECT count(*)::int AS n FROM message_replays')).rows[0].n).toBe(0);
    expect((await db.sql.query('SELECT count(*)::int AS n FROM message_decisions')).rows[0].n).toBe(0);
    expect((await db.sql.query('SELECT count(*)::int AS n FROM operator_audit')).rows[0].n).toBe(0);
  });

  // Last: it takes the migration down and up again.
  it('backfills the counts from the sent rows that predate the migration, and goes down and up cleanly', async () => {
    const operatorTools = MIGRATIONS.find((m) => m.name === 'OperatorTools1795700000000');
    if (!operatorTools) throw new Error('migration OperatorTools1795700000000 is not registered');
    const runner = dataSource.createQueryRunner();
    try {
      await new operatorTools().down(runner);
      const ids = await insert(3);
      await db.sql.query(`UPDATE messages SET status = 'sent', sent_at = $2 WHERE id = ANY($1::uuid[])`, [ids.slice(0, 2), at(30_000)]);
      await db.sql.query(`UPDATE messages SET status = 'sent', sent_at = $2 WHERE id = $1`, [ids[2], at(10 * 60_000)]);

      await new operatorTools().up(runner);
    } finally {
      await runner.release();
    }

    expect(await perMinute()).toEqual([
      { minute: minute(0).toISOString(), sent: 2 },
      { minute: minute(10).toISOString(), sent: 1 },
    ]);
  });
});
