import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { databaseOptions, TypeOrmMessageRepository } from '@app/infrastructure';
import { MessagePriority1795600000000 } from '../../migrations/1795600000000-message-priority.js';
import { createTestDatabase, type TestDatabase } from '@test/support/database.js';

/**
 * What the migration MessagePriority does to a table an older version filled, and the rules the
 * database itself keeps (default, range, counts per priority kept by the triggers). The claim order
 * is in the contract suite; its plan on 1,000,000 rows in claim-plan.spec.ts.
 */
describe(`migration ${MessagePriority1795600000000.name}`, () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let sut: TypeOrmMessageRepository;

  const indexes = async () =>
    (await db.sql.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE tablename = 'messages' ORDER BY indexname`)).rows.map(
      (r) => r.indexname,
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = await new DataSource(databaseOptions(db.url)).initialize();
    sut = new TypeOrmMessageRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.close();
  });

  it('gives the rows an older version left priority 0, keeps their counts, and swaps the claim index', async () => {
    const migration = new MessagePriority1795600000000();
    const runner = dataSource.createQueryRunner();
    try {
      await migration.down(runner);
      expect(await indexes()).toContain('messages_pending_claim_idx');
      await db.sql.query(`INSERT INTO messages (phone_number, content) SELECT '+905551111111', 'old ' || i FROM generate_series(1, 5) AS i`);
      await db.sql.query(`UPDATE messages SET status = 'failed', failure_reason = 'x' WHERE content = 'old 5'`);
      await migration.up(runner);
    } finally {
      await runner.release();
    }

    const { rows } = await db.sql.query<{ content: string; priority: number }>('SELECT content, priority FROM messages ORDER BY seq');
    expect(rows.map((r) => r.priority)).toEqual([0, 0, 0, 0, 0]);
    await expect(sut.countByStatus()).resolves.toMatchObject({ pending: 4, failed: 1 });
    await expect(sut.countPendingByPriority()).resolves.toEqual([{ priority: 0, pending: 4 }]);
    const names = await indexes();
    expect(names).toEqual(expect.arrayContaining(['messages_pending_priority_idx', 'messages_priority_seq_idx']));
    expect(names).not.toContain('messages_pending_claim_idx');
    const claimed = await sut.claimBatch(2, new Date(), { owner: 'test', leaseMs: 60_000 });
    expect(claimed.map((m) => m.content)).toEqual(['old 1', 'old 2']);
  });

  it('takes a plain SQL insert at priority 0 and refuses a priority out of range', async () => {
    const { rows } = await db.sql.query<{ priority: number }>(
      `INSERT INTO messages (phone_number, content) VALUES ('+905551111111', 'sql') RETURNING priority`,
    );
    expect(rows[0].priority).toBe(0);
    await db.sql.query(`INSERT INTO messages (phone_number, content, priority) VALUES ('+905551111111', 'edge', -100), ('+905551111111', 'edge', 100)`);

    for (const priority of [101, -101]) {
      await expect(db.sql.query(`INSERT INTO messages (phone_number, content, priority) VALUES ('+905551111111', 'x', $1)`, [priority])).rejects.toThrow(
        /messages_priority_check/,
      );
    }
  });

  it('keeps the pending counts per priority through updates made by hand, and folds them', async () => {
    await db.sql.query('TRUNCATE messages, message_attempts, message_replays, message_decisions');
    await db.sql.query(`INSERT INTO messages (phone_number, content, priority) SELECT '+905551111111', 'm', i % 3 FROM generate_series(1, 9) AS i`);
    await db.sql.query(`UPDATE messages SET priority = 50 WHERE priority = 2`);
    await db.sql.query(`UPDATE messages SET status = 'sent', sent_at = now() WHERE seq = (SELECT min(seq) FROM messages WHERE priority = 1)`);
    await db.sql.query(`DELETE FROM messages WHERE seq = (SELECT min(seq) FROM messages WHERE priority = 0)`);

    const expected = [
      { priority: 50, pending: 3 },
      { priority: 1, pending: 2 },
      { priority: 0, pending: 2 },
    ];
    await expect(sut.countPendingByPriority()).resolves.toEqual(expected);
    await sut.compactStatusCounts();
    await expect(sut.countPendingByPriority()).resolves.toEqual(expected);
    const { rows } = await db.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM message_status_counts');
    expect(rows[0].n).toBe(4);
    await expect(sut.countByStatus()).resolves.toMatchObject({ pending: 7, sent: 1 });
  });
});
