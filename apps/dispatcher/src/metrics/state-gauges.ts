import { Injectable, Logger } from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';
import { CircuitBreakerGateway, DispatchScheduler, GetMessageStats, GetQueueLag } from '@app/application';
import { MESSAGE_STATUSES } from '@app/domain';
import { AppConfig, DatabaseClock } from '@app/infrastructure';
import { APP_VERSION } from '../version/app-version.js';

const BREAKER_STATES = { closed: 0, 'half-open': 1, open: 2 } as const;

/**
 * Gauges read when Prometheus scrapes: the scheduler's state from memory, the queue from two
 * cheap queries (status counts kept by triggers, and an index lookup per priority for the oldest
 * due message). A database error leaves the queue gauges at their last value and the scrape works.
 */
@Injectable()
export class StateGauges {
  private readonly logger = new Logger(StateGauges.name);

  constructor(
    registry: Registry,
    scheduler: DispatchScheduler,
    breaker: CircuitBreakerGateway,
    stats: GetMessageStats,
    lag: GetQueueLag,
    config: AppConfig,
    clock: DatabaseClock,
  ) {
    const registers = [registry];
    const snapshot = () => scheduler.snapshot();
    const flag = (name: string, help: string, read: () => boolean) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read() ? 1 : 0);
        },
      });
    flag('dispatcher_scheduler_running', 'Sending is on for the cluster (as last read by this replica): 1 running, 0 stopped', () => snapshot().running);
    flag(
      'dispatcher_scheduler_leader',
      'This replica is the leader, the one that sends: 1 yes, 0 no. The sum over replicas should be 1',
      () => snapshot().isLeader,
    );
    flag('dispatcher_scheduler_draining', 'This replica is shutting down and takes no new work: 1 yes, 0 no', () => snapshot().draining);
    new Gauge({
      name: 'dispatcher_breaker_state',
      help: 'Circuit breaker in front of the gateway on this replica: 0 closed, 1 half-open (probing), 2 open (not sending)',
      registers,
      collect() {
        this.set(BREAKER_STATES[breaker.status().state]);
      },
    });
    new Gauge({
      name: 'dispatcher_breaker_consecutive_failures',
      help: 'Gateway failures in a row seen by this replica (0 after any answer that proves the gateway works)',
      registers,
      collect() {
        this.set(breaker.status().consecutiveFailures);
      },
    });
    new Gauge({
      name: 'dispatcher_clock_offset_seconds',
      help:
        "The database's clock minus this host's, in seconds, as last read. The dispatcher tells time by the database's clock, " +
        "so this only shows how far the host's own clock (its NTP) is off; NaN until the database's clock has been read",
      registers,
      collect() {
        const offset = clock.offsetMs;
        this.set(offset === null ? NaN : offset / 1000);
      },
    });
    new Gauge({ name: 'dispatcher_dispatch_interval_seconds', help: 'DISPATCH_INTERVAL_MS, in seconds: the cadence of ticks', registers }).set(
      config.dispatch.intervalMs / 1000,
    );
    new Gauge({ name: 'dispatcher_dispatch_batch_size', help: 'DISPATCH_BATCH_SIZE: messages sent per tick at most', registers }).set(
      config.dispatch.batchSize,
    );
    new Gauge({
      name: 'dispatcher_info',
      help: 'Always 1; the labels say which version, commit and replica this is',
      labelNames: ['version', 'commit', 'instance_id'],
      registers,
    }).set({ version: APP_VERSION, commit: config.gitCommit ?? '', instance_id: config.instanceId }, 1);

    const logger = this.logger;
    const messages = new Gauge({
      name: 'dispatcher_messages',
      help: 'Messages in the database per status (cluster-wide: every replica reports the same numbers)',
      labelNames: ['status'],
      registers,
      async collect() {
        try {
          const { byStatus } = await stats.execute();
          for (const status of MESSAGE_STATUSES) this.set({ status }, byStatus[status]);
        } catch (error) {
          logger.warn(`dispatcher_messages not refreshed: ${(error as Error).message}`);
        }
      },
    });
    for (const status of MESSAGE_STATUSES) messages.set({ status }, 0);
    new Gauge({
      name: 'dispatcher_oldest_pending_age_seconds',
      help:
        'How long the longest-waiting due message has been due (pending, past its sendAfter and retry backoff; any priority, ' +
        'so a low priority waiting behind higher ones shows); 0 when nothing is due. Cluster-wide',
      registers,
      async collect() {
        try {
          this.set((await lag.execute()).oldestDueAgeSeconds);
        } catch (error) {
          logger.warn(`dispatcher_oldest_pending_age_seconds not refreshed: ${(error as Error).message}`);
        }
      },
    });
  }
}
