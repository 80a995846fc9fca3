import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Message counts per status without scanning `messages`: statement-level triggers append one
 * signed delta per status that a statement changed, and a reader sums the (few) delta rows.
 * Appending never blocks a concurrent writer, unlike a single counter row per status would.
 * The leader folds the deltas into one row per status at every step (compactStatusCounts).
 * Covers writes from anywhere, the service or SQL run by hand; TRUNCATE resets the counts.
 */
export class MessageStatusCounts1795400000000 implements MigrationInterface {
  name = 'MessageStatusCounts1795400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE message_status_counts (
        id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        status text   NOT NULL,
        delta  bigint NOT NULL
      )`);
    await queryRunner.query(`
      CREATE FUNCTION message_status_counts_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO message_status_counts (status, delta) SELECT status, count(*) FROM new_rows GROUP BY status;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION message_status_counts_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
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
      CREATE FUNCTION message_status_counts_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO message_status_counts (status, delta) SELECT status, -count(*) FROM old_rows GROUP BY status;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION message_status_counts_on_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM message_status_counts;
        RETURN NULL;
      END $$`);
    // Creating the triggers locks out writers until this migration commits, so the backfill
    // below counts exactly the rows that predate them.
    await queryRunner.query(`
      CREATE TRIGGER messages_status_counts_insert AFTER INSERT ON messages
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION message_status_counts_on_insert()`);
    await queryRunner.query(`
      CREATE TRIGGER messages_status_counts_update AFTER UPDATE ON messages
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION message_status_counts_on_update()`);
    await queryRunner.query(`
      CREATE TRIGGER messages_status_counts_delete AFTER DELETE ON messages
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION message_status_counts_on_delete()`);
    await queryRunner.query(`
      CREATE TRIGGER messages_status_counts_truncate AFTER TRUNCATE ON messages
        FOR EACH STATEMENT EXECUTE FUNCTION message_status_counts_on_truncate()`);
    await queryRunner.query(`INSERT INTO message_status_counts (status, delta) SELECT status, count(*) FROM messages GROUP BY status`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const op of ['insert', 'update', 'delete', 'truncate']) {
      await queryRunner.query(`DROP TRIGGER messages_status_counts_${op} ON messages`);
      await queryRunner.query(`DROP FUNCTION message_status_counts_on_${op}()`);
    }
    await queryRunner.query(`DROP TABLE message_status_counts`);
  }
}
