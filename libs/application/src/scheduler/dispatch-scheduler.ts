import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Clock, SchedulerState } from '@app/domain';
import { DispatchBatch, type TickReport } from '../dispatch/dispatch-batch.use-case.js';
import { DispatchSettings } from '../dispatch-settings.js';
import { Ticker } from './ticker.js';

export interface SchedulerStatus {
  running: boolean;
  intervalMs: number;
  batchSize: number;
  lastTickAt: Date | null;
  nextTickAt: Date | null;
  tickInProgress: boolean;
  lastTick: TickReport | null;
  totals: { ticks: number; claimed: number; sent: number; retried: number; failed: number; invalid: number };
}

/**
 * Owns the ticker that runs DispatchBatch at the configured cadence. Starts at boot when the
 * stored decision says so (or, with no decision yet, when DISPATCH_AUTOSTART is on); on shutdown
 * it takes no new work and waits for the tick in flight.
 */
@Injectable()
export class DispatchScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DispatchScheduler.name);
  private readonly ticker: Ticker;
  private lastTick: TickReport | null = null;
  private readonly totals = { ticks: 0, claimed: 0, sent: 0, retried: 0, failed: 0, invalid: 0 };

  constructor(
    private readonly dispatchBatch: DispatchBatch,
    private readonly state: SchedulerState,
    private readonly settings: DispatchSettings,
    clock: Clock,
  ) {
    this.ticker = new Ticker(clock, settings.intervalMs, () => this.tick(), (error) =>
      this.logger.error(`tick failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    const desired = await this.state.desired();
    if (desired === 'running' || (desired === null && this.settings.autostart)) {
      this.ticker.start();
      this.logger.log(`sending started: up to ${this.settings.batchSize} messages every ${this.settings.intervalMs} ms`);
    } else {
      this.logger.log(`sending is stopped (${desired === null ? 'DISPATCH_AUTOSTART=false' : 'stopped by an operator'})`);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.ticker.stop();
  }

  async start(): Promise<SchedulerStatus> {
    await this.state.setDesired('running');
    this.ticker.start();
    return this.status();
  }

  /** Resolves once no tick is running, so nothing is sent after the caller hears back. */
  async stop(): Promise<SchedulerStatus> {
    await this.state.setDesired('stopped');
    await this.ticker.stop();
    return this.status();
  }

  status(): SchedulerStatus {
    return {
      running: this.ticker.running,
      intervalMs: this.settings.intervalMs,
      batchSize: this.settings.batchSize,
      lastTickAt: this.ticker.lastTickAt,
      nextTickAt: this.ticker.nextTickAt,
      tickInProgress: this.ticker.tickInProgress,
      lastTick: this.lastTick,
      totals: { ...this.totals },
    };
  }

  private async tick(): Promise<void> {
    const report = await this.dispatchBatch.execute();
    this.lastTick = report;
    this.totals.ticks += 1;
    this.totals.claimed += report.claimed;
    this.totals.sent += report.sent;
    this.totals.retried += report.retried;
    this.totals.failed += report.failed;
    this.totals.invalid += report.invalid;
    if (report.claimed > 0) {
      this.logger.log(
        `tick: claimed ${report.claimed}, sent ${report.sent}, retry ${report.retried}, failed ${report.failed}, invalid ${report.invalid} in ${report.durationMs} ms`,
      );
    }
  }
}
