import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Priority lanes: `priority` (higher goes first, -100 to 100, default 0, so a plain SQL insert
 * still queues at the default), the claim's index in the claim's order, and the trigger-kept
 * counts per status and priority.
 *
 * - The claim takes `ORDER BY priority DESC, seq`: the highest priority first, the oldest first
 *   within one, seq (unique) breaking every tie. messages_pending_claim_idx (seq) is replaced by
 *   messages_pending_priority_idx (priority DESC, seq), partial on the pending rows like it, so a
 *   claim still reads only the few index entries it takes. The old index has no other reader:
 *   oldestDueSince walks the new one lane by lane.
 * - messages_priority_seq_idx serves `GET /messages?priority=` for a priority other than the
 *   default; partial, so the (usual) rows at 0 cost inserts nothing more. Listing priority 0 walks
 *   the newest rows, which are mostly at 0.
 * - message_status_counts gains `priority`: the triggers count per status and priority, so the
 *   pending count per priority is as cheap as the count per status. The existing deltas get 0,
 *   which is right: every row has priority 0 until this migration commits.
 *
 * Cost on a large table: the new column has a constant default, so adding it rewrites nothing;
 * the CHECK is verified by one scan of the table, and each index is built by one scan (the partial
 * ones sort only their rows). The migrations run in one transaction (runMigrationsLocked), which
 * holds an ACCESS EXCLUSIVE lock on messages from the ALTER to the commit: sending and creates
 * wait for it. Measured on this project's machine: about 1 s per million rows (see the README).
 * CREATE INDEX CONCURRENTLY cannot run inside that transaction, and would not shorten the lock
 * the ALTER takes anyway.
 */
export class MessagePriority1795600000000 implements MigrationInterface {
  name = 'MessagePriority1795600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE messages
        ADD COLUMN priority smallint NOT NULL DEFAULT 0
          CONSTRAINT messages_priority_check CHECK (priority BETWEEN -100 AND 100)`);
    await queryRunner.query(`DROP INDEX messages_pending_claim_idx`);
    await queryRunner.query(`CREATE INDEX messages_pending_priority_idx ON messages (priority DESC, seq) WHERE status = 'pending'`);
    await queryRunner.query(`CREATE INDEX messages_priority_seq_idx ON messages (priority, seq DESC) WHERE priority <> 0`);

    await queryRunner.query(`ALTER TABLE message_status_counts ADD COLUMN priority smallint NOT NULL DEFAULT 0`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION message_status_counts_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO message_status_counts (status, priority, delta) SELECT status, priority, count(*) FROM new_rows GROUP BY status, priority;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION message_status_counts_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO message_status_counts (status, priority, delta)
        SELECT status, priority, sum(change) FROM (
          SELECT status, priority, -1 AS change FROM old_rows
          UNION ALL
          SELECT status, priority, 1 AS change FROM new_rows
        ) changes GROUP BY status, priority HAVING sum(change) <> 0;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION message_status_counts_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO message_status_counts (status, priority, delta) SELECT status, priority, -count(*) FROM old_rows GROUP BY status, priority;
        RETURN NULL;
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // The functions of MessageStatusCounts1795400000000, as they were.
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION message_status_counts_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO message_status_counts (status, delta) SELECT status, count(*) FROM new_rows GROUP BY status;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION message_status_counts_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO message_status_counts (status, delta)
        SELECT status, sum(change) FROM (
          SELECT status, -1 AS change FROM old_rows
          UNION ALL
          SELECT status, 1 AS change FROM new_rows
        ) changes GROUP BY status HAVING sum(change) <> 0;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION message_status_counts_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO message_status_counts (status, delta) SELECT status, -count(*) FROM old_rows GROUP BY status;
        RETURN NULL;
      END $$`);
    // Folded per status first: a status's count is the sum of its deltas over every priority.
    await queryRunner.query(`
      WITH folded AS (DELETE FROM message_status_counts RETURNING status, delta)
      INSERT INTO message_status_counts (status, delta) SELECT status, sum(delta) FROM folded GROUP BY status HAVING sum(delta) <> 0`);
    await queryRunner.query(`ALTER TABLE message_status_counts DROP COLUMN priority`);

    await queryRunner.query(`DROP INDEX messages_priority_seq_idx`);
    await queryRunner.query(`DROP INDEX messages_pending_priority_idx`);
    await queryRunner.query(`CREATE INDEX messages_pending_claim_idx ON messages (seq) WHERE status = 'pending'`);
    await queryRunner.query(`ALTER TABLE messages DROP COLUMN priority`);
  }
}
