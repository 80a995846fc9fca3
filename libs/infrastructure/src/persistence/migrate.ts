import type { DataSource } from 'typeorm';

/** Any constant shared by every replica; only the migration runner takes this lock. */
const MIGRATION_LOCK_KEY = 7_301_955_301;

/**
 * Runs pending migrations while holding a PostgreSQL advisory lock, so that replicas booting
 * together migrate one after the other instead of racing on the same DDL.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<string[]> {
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'all' });
    return applied.map((m) => m.name);
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.release();
  }
}
