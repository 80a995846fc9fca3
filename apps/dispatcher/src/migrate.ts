import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ConfigError, ConfigSchema, databaseOptions, ENV_VARIABLES, runMigrationsLocked } from '@app/infrastructure';

/** What migrating reads from the environment: the database only. */
const MIGRATE_CONFIG = new ConfigSchema({ databaseUrl: ENV_VARIABLES.DATABASE_URL });

/** `npm run migration:run`: applies pending migrations to DATABASE_URL and exits. */
async function migrate(): Promise<void> {
  let databaseUrl: string;
  try {
    ({ databaseUrl } = MIGRATE_CONFIG.read(process.env));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  const dataSource = await new DataSource(databaseOptions(databaseUrl)).initialize();
  try {
    const applied = await runMigrationsLocked(dataSource);
    console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'schema is up to date');
  } finally {
    await dataSource.destroy();
  }
}

void migrate();
