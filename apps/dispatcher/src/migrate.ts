import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { databaseOptions, runMigrationsLocked } from '@app/infrastructure';

/** `npm run migration:run`: applies pending migrations to DATABASE_URL and exits. */
async function migrate(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('DATABASE_URL is required (postgres://user:password@host:5432/database)');
    process.exit(1);
  }
  const dataSource = await new DataSource(databaseOptions(url)).initialize();
  try {
    const applied = await runMigrationsLocked(dataSource);
    console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'schema is up to date');
  } finally {
    await dataSource.destroy();
  }
}

void migrate();
