import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MessageRepository } from '@app/domain';
import { databaseOptions } from './database-options.js';
import { MigrationRunner } from './migration-runner.js';
import { TypeOrmMessageRepository } from './typeorm-message.repository.js';

/** PostgreSQL: the connection pool, migrations at boot and the MessageRepository. Global. */
@Module({})
export class PersistenceModule {
  static forRoot(databaseUrl: string): DynamicModule {
    return {
      module: PersistenceModule,
      global: true,
      imports: [TypeOrmModule.forRoot({ ...databaseOptions(databaseUrl), retryAttempts: 5, retryDelay: 2_000 })],
      providers: [{ provide: MessageRepository, useClass: TypeOrmMessageRepository }, MigrationRunner],
      exports: [MessageRepository, TypeOrmModule],
    };
  }
}
