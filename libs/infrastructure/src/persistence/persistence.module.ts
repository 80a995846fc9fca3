import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DispatchEventLog, MessageRepository, OperatorLog, SendHistory } from '@app/domain';
import { databaseOptions } from './database-options.js';
import { MigrationRunner } from './migration-runner.js';
import { PgDispatchEventLog } from './pg-dispatch-event-log.js';
import { PgOperatorLog } from './pg-operator-log.js';
import { PgSendHistory } from './pg-send-history.js';
import { TypeOrmMessageRepository } from './typeorm-message.repository.js';

/** PostgreSQL: the connection pool, migrations at boot, the MessageRepository and the operator's logs and counts. Global. */
@Module({})
export class PersistenceModule {
  static forRoot(databaseUrl: string): DynamicModule {
    return {
      module: PersistenceModule,
      global: true,
      imports: [TypeOrmModule.forRoot({ ...databaseOptions(databaseUrl), retryAttempts: 5, retryDelay: 2_000 })],
      providers: [
        { provide: MessageRepository, useClass: TypeOrmMessageRepository },
        { provide: OperatorLog, useClass: PgOperatorLog },
        { provide: SendHistory, useClass: PgSendHistory },
        { provide: DispatchEventLog, useClass: PgDispatchEventLog },
        MigrationRunner,
      ],
      exports: [MessageRepository, OperatorLog, SendHistory, DispatchEventLog, TypeOrmModule],
    };
  }
}
