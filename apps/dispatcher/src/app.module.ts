import { type DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ApplicationModule, type DispatchSettings } from '@app/application';
import { type AppConfig, InfrastructureModule } from '@app/infrastructure';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { HealthController } from './health/health.controller.js';
import { MessagesController } from './http/messages.controller.js';
import { SchedulerController } from './http/scheduler.controller.js';
import { AuditController } from './http/audit.controller.js';
import { LoggingModule } from './logging/logging.module.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { StateGauges } from './metrics/state-gauges.js';
import { VersionController } from './version/version.controller.js';

export function dispatchSettings(config: AppConfig): DispatchSettings {
  return {
    ...config.dispatch,
    maxContentLength: config.messageMaxLength,
    retry: config.retry,
    leaseMs: config.claimLeaseMs,
    inDoubtPolicy: config.inDoubtPolicy,
    breaker: config.breaker,
    alertAfterFailedTicks: config.alerts.afterFailedTicks,
    shutdownGraceMs: config.shutdownGraceMs,
  };
}

/** The dispatcher: REST API, health and the scheduler, over the adapters built from `config`. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    // One application module (one scheduler), shared by the API's controllers and the dashboard.
    const application = ApplicationModule.forDispatcher(dispatchSettings(config));
    return {
      module: AppModule,
      imports: [
        LoggingModule.forRoot(config),
        InfrastructureModule.forRoot(config),
        MetricsModule.forRoot(),
        application,
        DashboardModule.forRoot(application),
        TerminusModule.forRoot({ errorLogStyle: 'json', gracefulShutdownTimeoutMs: 0 }),
      ],
      controllers: [MessagesController, SchedulerController, AuditController, HealthController, MetricsController, VersionController],
      // Registers the scrape-time gauges when the app is created (providers are built eagerly).
      providers: [StateGauges],
    };
  }
}
