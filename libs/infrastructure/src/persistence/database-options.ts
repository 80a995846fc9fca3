import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '@app/migrations';

/** The one place the PostgreSQL connection is described: used by the app and by the migrate command. */
export function databaseOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    migrationsRun: false,
    // Off: TypeORM's logger prints failed queries with their parameters (message content) as
    // plain text. A failed query throws, and the code that catches it logs the error (JSON).
    logging: false,
    extra: { max: 10, connectionTimeoutMillis: 5_000, application_name: 'message-dispatcher' },
  };
}
