import { type DynamicModule, Global, Module } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { DispatchMetrics } from '@app/application';
import { PrometheusDispatchMetrics } from './prometheus-dispatch-metrics.js';

/**
 * One Prometheus registry per app instance (never prom-client's global one, so two apps in one
 * process, as in tests, do not share series), with Node's process metrics, and the dispatcher's
 * event metrics offered to the use cases as their DispatchMetrics port.
 */
@Global()
@Module({})
export class MetricsModule {
  static forRoot(): DynamicModule {
    return {
      module: MetricsModule,
      providers: [
        {
          provide: Registry,
          useFactory: () => {
            const registry = new Registry();
            collectDefaultMetrics({ register: registry });
            return registry;
          },
        },
        PrometheusDispatchMetrics,
        { provide: DispatchMetrics, useExisting: PrometheusDispatchMetrics },
      ],
      exports: [Registry, DispatchMetrics],
    };
  }
}
