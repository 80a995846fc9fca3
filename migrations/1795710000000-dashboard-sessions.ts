import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sessions of the operator dashboard (/dashboard), in PostgreSQL so that every replica accepts a
 * session and signing out ends it on all of them.
 *
 * - token_hash: the SHA-256 (hex) of the cookie's token; the token itself is never stored.
 * - csrf_token: the session's CSRF token, sent back in every form.
 * - label: a short, non-secret name for the session ("who did it"); key_fingerprint: the first
 *   12 hex digits of the SHA-256 of the API key that signed in, never the key.
 * - created_at, last_seen_at, expires_at: 8 hours at most (expires_at), 30 minutes idle
 *   (last_seen_at), checked by the dashboard; ended rows are deleted at the next sign-in.
 *
 * A handful of rows at any time (one per operator sign-in): no index beside the primary key.
 */
export class DashboardSessions1795710000000 implements MigrationInterface {
  name = 'DashboardSessions1795710000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE dashboard_sessions (
        token_hash      text        PRIMARY KEY CONSTRAINT dashboard_sessions_token_hash_check CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        csrf_token      text        NOT NULL,
        label           text        NOT NULL,
        key_fingerprint text        NOT NULL,
        created_at      timestamptz NOT NULL,
        last_seen_at    timestamptz NOT NULL,
        expires_at      timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE dashboard_sessions`);
  }
}
