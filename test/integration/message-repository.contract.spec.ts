import { afterAll, beforeAll } from '@jest/globals';
import { DataSource } from 'typeorm';
import type { MessageProps } from '@app/domain';
import { databaseOptions, TypeOrmMessageRepository } from '@app/infrastructure';
import { describeMessageRepositoryContract, type RepositoryHarness, type StoredMessage } from '@test/contract/message-repository.contract.js';
import { createTestDatabase, type TestDatabase } from '@test/support/database.js';

/** The repository's contract on PostgreSQL: a fresh migrated database for this file, emptied before each test. */

const COLUMNS: Record<keyof MessageProps, string> = {
  id: 'id',
  phoneNumber: 'phone_number',
  content: 'content',
  status: 'status',
  attemptCount: 'attempt_count',
  nextAttemptAt: 'next_attempt_at',
  gatewayMessageId: 'gateway_message_id',
  sentAt: 'sent_at',
  failureReason: 'failure_reason',
  sendAfter: 'send_after',
  expiresAt: 'expires_at',
  priority: 'priority',
  replayCount: 'replay_count',
  claimToken: 'claim_token',
  requestStartedAt: 'request_started_at',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};

let db: TestDatabase;
let dataSource: DataSource;

beforeAll(async () => {
  db = await createTestDatabase();
  dataSource = await new DataSource(databaseOptions(db.url)).initialize();
});

afterAll(async () => {
  await dataSource?.destroy();
  await db?.close();
});

async function postgresHarness(): Promise<RepositoryHarness> {
  await db.sql.query('TRUNCATE messages, message_attempts, message_replays, message_batches, message_decisions, operator_audit');
  return {
    repository: new TypeOrmMessageRepository(dataSource),
    async seed(row = {}) {
      // Plain SQL: the columns given, the table's defaults for the rest.
      const values: Partial<MessageProps> = { phoneNumber: '+905551111111', content: 'hello', ...row };
      const keys = Object.keys(values) as (keyof MessageProps)[];
      const { rows } = await db.sql.query<{ id: string }>(
        `INSERT INTO messages (${keys.map((k) => COLUMNS[k]).join(', ')}) VALUES (${keys.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
        keys.map((k) => values[k]),
      );
      return rows[0].id;
    },
    async stored(id) {
      const { rows } = await db.sql.query<Record<string, any>>('SELECT * FROM messages WHERE id = $1', [id]);
      if (rows.length === 0) throw new Error(`no message ${id} in the database`);
      const row = rows[0];
      const props = Object.fromEntries(Object.entries(COLUMNS).map(([prop, column]) => [prop, row[column]])) as unknown as MessageProps;
      return { ...props, claimedBy: row.claimed_by, leaseUntil: row.lease_until, leaseLostAt: row.lease_lost_at } satisfies StoredMessage;
    },
    close: async () => undefined,
  };
}

describeMessageRepositoryContract('PostgreSQL', postgresHarness);
