import { type DynamicModule, Global, Module } from '@nestjs/common';
import { ApplicationModule } from '@app/application';
import { Clock } from '@app/domain';
import { PersistenceModule, SystemClock } from '@app/infrastructure';
import type { SeedConfig } from './seed-config.js';

@Global()
@Module({ providers: [{ provide: Clock, useClass: SystemClock }], exports: [Clock] })
class ClockModule {}

/** Only what seeding needs: the database and the message use cases. No HTTP, no scheduler. */
@Module({})
export class SeedModule {
  static forRoot(config: SeedConfig): DynamicModule {
    return {
      module: SeedModule,
      imports: [ClockModule, PersistenceModule.forRoot(config.databaseUrl), ApplicationModule.forMessagesOnly({ maxContentLength: config.messageMaxLength })],
    };
  }
}
