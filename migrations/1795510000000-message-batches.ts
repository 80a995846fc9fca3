import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency-Keys of batch creates (POST /api/v1/messages/batch), a namespace of their own beside
 * the single creates' messages.idempotency_key. A row holds the batch's whole answer (one result
 * per item, in request order: an id or an error) and the fingerprint of the request that got it.
 * It is written by the same statement as the batch's messages, so a key exists exactly when its
 * messages do; the primary key makes concurrent requests with one key meet: one inserts, the
 * others wait for it to commit and then read its answer. A batch without a key stores no row.
 */
export class MessageBatches1795510000000 implements MigrationInterface {
  name = 'MessageBatches1795510000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE message_batches (
        idempotency_key text        PRIMARY KEY,
        request_hash    text        NOT NULL,
        results         jsonb       NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE message_batches`);
  }
}
