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
    logging: ['error'],
    extra: { max: 10, connectionTimeoutMillis: 5_000, application_name: 'message-dispatcher' },
  };
}
