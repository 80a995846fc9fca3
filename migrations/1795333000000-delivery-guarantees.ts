import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Delivery guarantees: the `unknown` and `expired` states, claim leases with a fencing token,
 * scheduled and expiring messages, idempotent creation, replays, and the cluster's scheduler
 * state (start/stop decision and the time of the last tick, shared by every replica).
 */
export class DeliveryGuarantees1795333000000 implements MigrationInterface {
  name = 'DeliveryGuarantees1795333000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE messages DROP CONSTRAINT messages_status_check`);
    await queryRunner.query(`
      ALTER TABLE messages
        ADD CONSTRAINT messages_status_check CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'unknown', 'expired')),
        ADD COLUMN claimed_by      text,
        ADD COLUMN claim_token     uuid,
        ADD COLUMN lease_until     timestamptz,
        ADD COLUMN send_after      timestamptz,
        ADD COLUMN expires_at      timestamptz,
        ADD COLUMN idempotency_key text,
        ADD COLUMN request_hash    text,
        ADD COLUMN replay_count    integer NOT NULL DEFAULT 0`);
    // Rows a crashed older version left in `sending` get an expired lease, so the sweep settles them.
    await queryRunner.query(`UPDATE messages SET lease_until = now() WHERE status = 'sending'`);
    await queryRunner.query(`CREATE UNIQUE INDEX messages_idempotency_key_idx ON messages (idempotency_key) WHERE idempotency_key IS NOT NULL`);
    // The lease sweep looks only at rows being sent; the expiry sweep only at pending rows with a deadline.
    await queryRunner.query(`CREATE INDEX messages_sending_lease_idx ON messages (lease_until) WHERE status = 'sending'`);
    await queryRunner.query(`CREATE INDEX messages_pending_expiry_idx ON messages (expires_at) WHERE status = 'pending' AND expires_at IS NOT NULL`);

    await queryRunner.query(`
      CREATE TABLE message_replays (
        id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        message_id      uuid        NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        at              timestamptz NOT NULL,
        previous_status text        NOT NULL,
        previous_reason text
      )`);
    await queryRunner.query(`CREATE INDEX message_replays_message_idx ON message_replays (message_id, id)`);

    await queryRunner.query(`
      CREATE TABLE dispatcher_state (
        id           smallint    PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        desired      text        CHECK (desired IN ('running', 'stopped')),
        decided_by   text,
        decided_at   timestamptz,
        last_tick_at timestamptz
      )`);
    await queryRunner.query(`INSERT INTO dispatcher_state (id) VALUES (1)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE dispatcher_state`);
    await queryRunner.query(`DROP TABLE message_replays`);
    await queryRunner.query(`UPDATE messages SET status = 'failed' WHERE status IN ('unknown', 'expired')`);
    await queryRunner.query(`ALTER TABLE messages DROP CONSTRAINT messages_status_check`);
    await queryRunner.query(`
      ALTER TABLE messages
        ADD CONSTRAINT messages_status_check CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
        DROP COLUMN claimed_by, DROP COLUMN claim_token, DROP COLUMN lease_until, DROP COLUMN send_after,
        DROP COLUMN expires_at, DROP COLUMN idempotency_key, DROP COLUMN request_hash, DROP COLUMN replay_count`);
  }
}
