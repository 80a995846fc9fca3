import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The cluster's tick permit, granted by PostgreSQL's clock (issue 12).
 *
 * - tick_no: counts the permits granted; a claim or a group start made under permit N succeeds
 *   only while N is the latest, so a replica that lost its permit to a newer one claims and
 *   starts nothing more.
 * - last_tick_by: the instance id that holds the latest permit (for operators).
 * - last_tick_at (already there) is from now on written with the database's clock only.
 */
export class TickPermit1795800000000 implements MigrationInterface {
  name = 'TickPermit1795800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE dispatcher_state ADD COLUMN tick_no bigint NOT NULL DEFAULT 0, ADD COLUMN last_tick_by text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE dispatcher_state DROP COLUMN last_tick_by, DROP COLUMN tick_no`);
  }
}
