import { type DynamicModule, Module } from '@nestjs/common';
import { ApplicationModule } from '@app/application';
import { PersistenceModule } from '@app/infrastructure';

/** Only what seeding needs: the database and the message use cases. No HTTP, no scheduler. */
@Module({})
export class SeedModule {
  static forRoot(databaseUrl: string, maxContentLength: number): DynamicModule {
    return {
      module: SeedModule,
      imports: [
        PersistenceModule.forRoot(databaseUrl),
        ApplicationModule.forMessagesOnly({
          maxContentLength,
          // The seed never dispatches; these are not used.
          intervalMs: 0,
          batchSize: 0,
          autostart: false,
          retry: { baseMs: 0, maxMs: 0, maxAttempts: 0 },
        }),
      ],
    };
  }
}
