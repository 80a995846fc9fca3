import { type DynamicModule, Global, Module } from '@nestjs/common';
import { ApplicationModule } from '@app/application';
import { Clock } from '@app/domain';
import { PersistenceModule, SystemClock } from '@app/infrastructure';

@Global()
@Module({ providers: [{ provide: Clock, useClass: SystemClock }], exports: [Clock] })
class ClockModule {}

/** Only what seeding needs: the database and the message use cases. No HTTP, no scheduler. */
@Module({})
export class SeedModule {
  static forRoot(databaseUrl: string, maxContentLength: number): DynamicModule {
    return {
      module: SeedModule,
      imports: [
        ClockModule,
        PersistenceModule.forRoot(databaseUrl),
        ApplicationModule.forMessagesOnly({
          maxContentLength,
          // The seed never dispatches; these are not used.
          intervalMs: 0,
          batchSize: 0,
          concurrency: 1,
          autostart: false,
          retry: { baseMs: 0, maxMs: 0, maxAttempts: 0 },
          leaseMs: 0,
          inDoubtPolicy: 'hold',
          breaker: { failures: 0, cooldownMs: 0 },
          alertAfterFailedTicks: 0,
          shutdownGraceMs: 0,
        }),
      ],
    };
  }
}
