import { afterAll, beforeAll } from '@jest/globals';
import { DataSource } from 'typeorm';
import type { MessageProps } from '@app/domain';
import { databaseOptions, PgOperatorLog, TypeOrmMessageRepository } from '@app/infrastructure';
import { describeOperatorLogContract } from '@test/contract/operator-log.contract.js';
import { createTestDatabase, type TestDatabase } from '@test/support/database.js';

/** The operator log's contract on PostgreSQL: a fresh migrated database for this file, emptied before each test. */

const COLUMNS: Partial<Record<keyof MessageProps, string>> = {
  phoneNumber: 'phone_number',
  content: 'content',
  status: 'status',
  failureReason: 'failure_reason',
  sentAt: 'sent_at',
  gatewayMessageId: 'gateway_message_id',
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

describeOperatorLogContract('PostgreSQL', async () => {
  await db.sql.query('TRUNCATE messages, message_attempts, message_replays, message_decisions, operator_audit');
  return {
    log: new PgOperatorLog(dataSource),
    repository: new TypeOrmMessageRepository(dataSource),
    async seed(row = {}) {
      const values: Partial<MessageProps> = { phoneNumber: '+905551111111', content: 'hello', ...row };
      const keys = Object.keys(values) as (keyof MessageProps)[];
      const missing = keys.filter((k) => !COLUMNS[k]);
      if (missing.length > 0) throw new Error(`seed does not know the columns of ${missing.join(', ')}`);
      const { rows } = await db.sql.query<{ id: string }>(
        `INSERT INTO messages (${keys.map((k) => COLUMNS[k]).join(', ')}) VALUES (${keys.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
        keys.map((k) => values[k]),
      );
      return rows[0].id;
    },
    close: async () => undefined,
  };
});
