import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { databaseOptions, runMigrationsLocked } from '@app/infrastructure';

export interface TestDatabase {
  url: string;
  /** A small pool for the test's own SQL (inserting rows, reading them back). */
  sql: pg.Pool;
  close(): Promise<void>;
}

function adminUrl(): string {
  return process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

/**
 * A new, migrated database for one test file, named after the run so that global-teardown
 * drops it even if the file crashes. Migrations run exactly as at boot.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `${process.env.TEST_RUN_ID ?? `dispatcher_test_adhoc_${process.pid}`}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  const dataSource = await new DataSource(databaseOptions(url.toString())).initialize();
  await runMigrationsLocked(dataSource);
  await dataSource.destroy();

  const sql = new pg.Pool({ connectionString: url.toString(), max: 3 });
  // Fault tests cut connections on purpose; an idle client's error must not crash the run.
  sql.on('error', () => undefined);
  return {
    url: url.toString(),
    sql,
    close: async () => {
      await sql.end();
      const client = new pg.Client({ connectionString: adminUrl() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => client.end());
    },
  };
}
