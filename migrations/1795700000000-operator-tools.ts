import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What operators need besides curl: an operator log, manual settlements, sends per minute for a
 * chart, the breaker's openings, and searches of the message list that stay indexed.
 *
 * - operator_audit: one row per start, stop, replay and manual settlement, from the API or the
 *   dashboard. `at` is the database's clock; `id` orders the rows (the primary key serves the
 *   newest-first keyset pages, operator_audit_action_idx the pages of one action).
 * - message_decisions: an operator's settlement of a message in doubt, shown in its history.
 * - sent_per_minute: messages that became `sent`, per minute of their sent_at (UTC), kept by
 *   statement-level triggers with transition tables (one INSERT ... ON CONFLICT per statement,
 *   minutes in order so that two statements lock them in the same order), like the status counts
 *   of MessageStatusCounts1795400000000: a send costs the dispatch path no extra round trip and no
 *   per-row trigger. A row that is sent already and updated again is not counted twice. Backfilled
 *   from the sent rows that predate it (creating the triggers locks out writers until this commits).
 * - dispatch_events: the circuit breaker's openings (best effort, written by the leader).
 * - Indexes for GET /api/v1/messages?q=: messages_gateway_message_id_idx (a UUID may be the
 *   gateway's messageId; partial, only sent rows have one), messages_phone_seq_idx (a phone number,
 *   newest first: the keyset order, no sort), messages_failure_reason_trgm_idx (pg_trgm, a substring
 *   of the failure reason, ignoring case; partial, rows without a reason cost nothing). A message id
 *   is found by the primary key.
 *
 * Cost on a large table: each index is built by one scan of messages (the partial ones keep only
 * their rows), and the backfill reads the sent rows once, inside the migrations' transaction
 * (writers wait for it, as for MessagePriority1795600000000). pg_trgm ships with PostgreSQL
 * (contrib) and is a trusted extension: the database owner may create it.
 */
export class OperatorTools1795700000000 implements MigrationInterface {
  name = 'OperatorTools1795700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);

    await queryRunner.query(`
      CREATE TABLE operator_audit (
        id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at            timestamptz NOT NULL DEFAULT now(),
        source        text        NOT NULL CONSTRAINT operator_audit_source_check CHECK (source IN ('api', 'dashboard')),
        actor         text        NOT NULL,
        action        text        NOT NULL CONSTRAINT operator_audit_action_check CHECK (action IN ('start', 'stop', 'replay', 'settle')),
        message_count integer     NOT NULL DEFAULT 0,
        detail        jsonb       NOT NULL DEFAULT '{}'
      )`);
    await queryRunner.query(`CREATE INDEX operator_audit_action_idx ON operator_audit (action, id DESC)`);

    await queryRunner.query(`
      CREATE TABLE message_decisions (
        id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        message_id         uuid        NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        at                 timestamptz NOT NULL,
        source             text        NOT NULL,
        actor              text        NOT NULL,
        outcome            text        NOT NULL CONSTRAINT message_decisions_outcome_check CHECK (outcome IN ('sent', 'failed')),
        reason             text        NOT NULL,
        gateway_message_id text,
        previous_reason    text
      )`);
    await queryRunner.query(`CREATE INDEX message_decisions_message_idx ON message_decisions (message_id, id)`);

    await queryRunner.query(`
      CREATE TABLE dispatch_events (
        id     bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at     timestamptz NOT NULL DEFAULT now(),
        kind   text        NOT NULL,
        detail jsonb       NOT NULL DEFAULT '{}'
      )`);
    await queryRunner.query(`CREATE INDEX dispatch_events_at_idx ON dispatch_events (at)`);

    await queryRunner.query(`
      CREATE TABLE sent_per_minute (
        minute timestamptz PRIMARY KEY,
        sent   integer     NOT NULL
      )`);
    // A sent row without sent_at (written by hand) counts in the minute of the statement.
    await queryRunner.query(`
      CREATE FUNCTION sent_per_minute_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO sent_per_minute (minute, sent)
        SELECT date_trunc('minute', coalesce(n.sent_at, now()), 'UTC') AS minute, count(*)
          FROM new_rows n
         WHERE n.status = 'sent'
           AND NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.id = n.id AND o.status = 'sent')
         GROUP BY 1 ORDER BY 1
        ON CONFLICT (minute) DO UPDATE SET sent = sent_per_minute.sent + EXCLUDED.sent;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION sent_per_minute_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO sent_per_minute (minute, sent)
        SELECT date_trunc('minute', coalesce(n.sent_at, now()), 'UTC') AS minute, count(*)
          FROM new_rows n
         WHERE n.status = 'sent'
         GROUP BY 1 ORDER BY 1
        ON CONFLICT (minute) DO UPDATE SET sent = sent_per_minute.sent + EXCLUDED.sent;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER messages_sent_per_minute_update AFTER UPDATE ON messages
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sent_per_minute_on_update()`);
    await queryRunner.query(`
      CREATE TRIGGER messages_sent_per_minute_insert AFTER INSERT ON messages
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sent_per_minute_on_insert()`);
    await queryRunner.query(`
      INSERT INTO sent_per_minute (minute, sent)
      SELECT date_trunc('minute', coalesce(sent_at, updated_at), 'UTC'), count(*) FROM messages WHERE status = 'sent' GROUP BY 1`);

    await queryRunner.query(`CREATE INDEX messages_gateway_message_id_idx ON messages (gateway_message_id) WHERE gateway_message_id IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX messages_phone_seq_idx ON messages (phone_number, seq DESC)`);
    await queryRunner.query(
      `CREATE INDEX messages_failure_reason_trgm_idx ON messages USING gin (failure_reason gin_trgm_ops) WHERE failure_reason IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX messages_failure_reason_trgm_idx`);
    await queryRunner.query(`DROP INDEX messages_phone_seq_idx`);
    await queryRunner.query(`DROP INDEX messages_gateway_message_id_idx`);
    await queryRunner.query(`DROP TRIGGER messages_sent_per_minute_insert ON messages`);
    await queryRunner.query(`DROP TRIGGER messages_sent_per_minute_update ON messages`);
    await queryRunner.query(`DROP FUNCTION sent_per_minute_on_insert()`);
    await queryRunner.query(`DROP FUNCTION sent_per_minute_on_update()`);
    await queryRunner.query(`DROP TABLE sent_per_minute`);
    await queryRunner.query(`DROP TABLE dispatch_events`);
    await queryRunner.query(`DROP TABLE message_decisions`);
    await queryRunner.query(`DROP TABLE operator_audit`);
    // pg_trgm stays: other objects of the database may use it.
  }
}
