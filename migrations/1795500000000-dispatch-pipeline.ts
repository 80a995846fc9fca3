import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The batched send pipeline keeps "claimed" and "a request may be under way" apart, and fences
 * late outcomes by data instead of by the text of a reason:
 *
 * - request_started_at: set (with the lease extended) in the same statement that lets a claimed
 *   row's request go out; null while the row is merely claimed. When a lease runs out, a row
 *   without it cannot have reached the gateway and goes back to pending by itself; only a row
 *   with it may be in doubt. Kept after the outcome, as evidence of when the last request began.
 * - lease_lost_at: set by the lease sweep when it marked a started row `unknown`; a late outcome
 *   under the same claim token may still settle such a row (and only such a row).
 */
export class DispatchPipeline1795500000000 implements MigrationInterface {
  name = 'DispatchPipeline1795500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE messages
        ADD COLUMN request_started_at timestamptz,
        ADD COLUMN lease_lost_at      timestamptz`);
    // Rows an older version left in flight: it renewed the lease right before each request, so
    // any of them may have gone out.
    await queryRunner.query(`UPDATE messages SET request_started_at = updated_at WHERE status = 'sending'`);
    // The last time the reason's text is read: rows the old sweep parked keep their right to a
    // late outcome. The text is the one DeliveryGuarantees' sweep wrote, fixed here on purpose.
    await queryRunner.query(`UPDATE messages SET lease_lost_at = updated_at WHERE status = 'unknown' AND failure_reason = $1`, [
      'sender lost its claim mid-send (it died or stalled past CLAIM_LEASE_MS)',
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE messages DROP COLUMN request_started_at, DROP COLUMN lease_lost_at`);
  }
}
