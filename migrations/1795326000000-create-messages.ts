import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The messages table and the history of delivery attempts.
 * A row needs only phone_number and content: everything else has a default, so that
 * `INSERT INTO messages (phone_number, content) VALUES (...)` queues a pending message.
 */
export class CreateMessages1795326000000 implements MigrationInterface {
  name = 'CreateMessages1795326000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE messages (
        id                 uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
        seq                bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
        phone_number       text        NOT NULL,
        content            text        NOT NULL,
        status             text        NOT NULL DEFAULT 'pending'
                                       CONSTRAINT messages_status_check CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
        attempt_count      integer     NOT NULL DEFAULT 0,
        next_attempt_at    timestamptz,
        gateway_message_id text,
        sent_at            timestamptz,
        failure_reason     text,
        created_at         timestamptz NOT NULL DEFAULT now(),
        updated_at         timestamptz NOT NULL DEFAULT now()
      )`);
    // The claim walks pending rows in insertion order; the index holds only those rows, so it
    // stays small however many sent rows pile up behind it.
    await queryRunner.query(`CREATE INDEX messages_pending_claim_idx ON messages (seq) WHERE status = 'pending'`);
    // Keyset pagination of the sent list, most recently sent first.
    await queryRunner.query(`CREATE INDEX messages_sent_list_idx ON messages (sent_at DESC, seq DESC) WHERE status = 'sent'`);
    // Listing by status, newest first.
    await queryRunner.query(`CREATE INDEX messages_status_seq_idx ON messages (status, seq DESC)`);

    await queryRunner.query(`
      CREATE TABLE message_attempts (
        id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        message_id  uuid        NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        attempt_no  integer     NOT NULL,
        at          timestamptz NOT NULL,
        status_code integer,
        outcome     text        NOT NULL,
        error       text,
        latency_ms  integer     NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX message_attempts_message_idx ON message_attempts (message_id, id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE message_attempts`);
    await queryRunner.query(`DROP TABLE messages`);
  }
}
