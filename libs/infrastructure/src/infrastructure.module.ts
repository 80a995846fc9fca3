import { type DynamicModule, Module } from '@nestjs/common';
import { AlertNotifier, Clock, Leadership, MessageGateway, SchedulerState, SentMessageCache } from '@app/domain';
import { HttpAlertNotifier } from './alerts/http-alert-notifier.js';
import { DisabledSentMessageCache } from './cache/disabled-sent-message.cache.js';
import { RedisSentMessageCache } from './cache/redis-sent-message.cache.js';
import { DatabaseClock } from './clock/database-clock.js';
import { AppConfig } from './config/app-config.js';
import { HttpMessageGateway } from './gateway/http-message.gateway.js';
import { PersistenceModule } from './persistence/persistence.module.js';
import { PgAdvisoryLeadership } from './scheduler/pg-advisory-leadership.js';
import { PgSchedulerState } from './scheduler/pg-scheduler-state.js';

/**
 * The adapters behind every port, wired from the validated config. Global, so the application
 * module's use cases find their ports without importing infrastructure.
 */
@Module({})
export class InfrastructureModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: InfrastructureModule,
      global: true,
      imports: [PersistenceModule.forRoot(config.databaseUrl)],
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: MessageGateway, useClass: HttpMessageGateway },
        {
          provide: SentMessageCache,
          useFactory: () => (config.redisUrl ? new RedisSentMessageCache(config.redisUrl, config.cacheTtlSeconds) : new DisabledSentMessageCache()),
        },
        // Every replica tells time by the database's clock (issue 12): see DatabaseClock.
        { provide: DatabaseClock, useFactory: () => new DatabaseClock() },
        { provide: Clock, useExisting: DatabaseClock },
        { provide: SchedulerState, useClass: PgSchedulerState },
        { provide: Leadership, useFactory: () => new PgAdvisoryLeadership(config.databaseUrl, config.instanceId) },
        { provide: AlertNotifier, useFactory: () => new HttpAlertNotifier(config.alerts.webhookUrl) },
      ],
      exports: [AppConfig, MessageGateway, SentMessageCache, Clock, DatabaseClock, SchedulerState, Leadership, AlertNotifier],
    };
  }
}
