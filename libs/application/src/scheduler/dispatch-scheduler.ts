import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap, Optional } from '@nestjs/common';
import { AlertNotifier, Clock, Leadership, SchedulerState } from '@app/domain';
import type { BreakerStatus } from '../dispatch/circuit-breaker.js';
import { DispatchBatch, type TickReport } from '../dispatch/dispatch-batch.use-case.js';
import { DispatchMetrics, NO_DISPATCH_METRICS } from '../dispatch/dispatch-metrics.js';
import { DispatchSettings } from '../dispatch-settings.js';
import { Ticker } from './ticker.js';

/** The counts of TickReport that add up across ticks. */
const COUNTED = ['claimed', 'sent', 'retried', 'failed', 'unknown', 'invalid', 'expired'] as const;
export type TickTotals = Pick<TickReport, (typeof COUNTED)[number]> & { ticks: number };

export interface SchedulerStatus {
  /** The cluster's decision: sending is on. */
  running: boolean;
  intervalMs: number;
  batchSize: number;
  /** When the cluster's last tick began, whichever replica ran it. */
  lastTickAt: Date | null;
  nextTickAt: Date | null;
  tickInProgress: boolean;
  /** The last tick this replica ran. */
  lastTick: TickReport | null;
  totals: TickTotals;
  instanceId: string;
  isLeader: boolean;
  leaderId: string | null;
  breaker: BreakerStatus;
  /** Shutting down: no new claims, finishing what is in flight. */
  draining: boolean;
}

/**
 * The scheduler of one replica. A loop runs on every replica from boot to shutdown; at each
 * step the replica reads the cluster's start/stop decision (PostgreSQL), tries to be or stay the
 * leader, and only the leader settles abandoned claims and ticks, at the cluster's cadence: never
 * sooner than DISPATCH_INTERVAL_MS after the last tick of any replica.
 */
@Injectable()
export class DispatchScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DispatchScheduler.name);
  private readonly loop: Ticker;
  private running = false;
  /** Bumped by start() and stop(), so that a step never applies a decision read before them. */
  private decisionVersion = 0;
  private draining = false;
  private tickInFlight = false;
  private clusterLastTickAt: Date | null = null;
  private lastTick: TickReport | null = null;
  private readonly totals: TickTotals = { ticks: 0, claimed: 0, sent: 0, retried: 0, failed: 0, unknown: 0, invalid: 0, expired: 0 };
  private failedTickStreak = 0;

  constructor(
    private readonly dispatchBatch: DispatchBatch,
    private readonly state: SchedulerState,
    private readonly leadership: Leadership,
    private readonly alerts: AlertNotifier,
    private readonly settings: DispatchSettings,
    private readonly clock: Clock,
    @Optional() private readonly metrics: DispatchMetrics = NO_DISPATCH_METRICS,
  ) {
    this.loop = new Ticker(clock, settings.intervalMs, () => this.step(), (error) => {
      this.metrics.stepFailed();
      this.logger.error(`scheduler step failed (retrying next interval): ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  /** This replica's view, without I/O: for metrics scraped every few seconds. */
  snapshot(): { running: boolean; isLeader: boolean; draining: boolean; breaker: BreakerStatus } {
    return { running: this.running, isLeader: this.leadership.isLeader, draining: this.draining, breaker: this.dispatchBatch.breakerStatus() };
  }

  get isDraining(): boolean {
    return this.draining;
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  /** SIGTERM: take no new work, let sends in flight finish (bounded), hand leadership over. */
  async beforeApplicationShutdown(): Promise<void> {
    this.draining = true;
    let timer: { cancel(): void } | undefined;
    const grace = new Promise<'timeout'>((resolve) => (timer = this.clock.setTimer(this.settings.shutdownGraceMs, () => resolve('timeout'))));
    if ((await Promise.race([this.loop.stop(), grace])) === 'timeout') {
      this.logger.warn(`sends still in flight after SHUTDOWN_GRACE_MS (${this.settings.shutdownGraceMs} ms); their rows settle when their lease runs out`);
    }
    timer?.cancel();
    await this.leadership.release();
  }

  async start(): Promise<SchedulerStatus> {
    await this.state.setDesired('running', this.leadership.instanceId);
    this.decisionVersion += 1;
    this.running = true;
    this.loop.kick();
    return this.status();
  }

  /** Stops the cluster; when this replica is ticking, resolves once its tick has finished. */
  async stop(): Promise<SchedulerStatus> {
    await this.state.setDesired('stopped', this.leadership.instanceId);
    this.decisionVersion += 1;
    this.running = false;
    await this.loop.idle();
    return this.status();
  }

  async status(): Promise<SchedulerStatus> {
    const [leaderId, lastTickAt] = await Promise.all([
      this.leadership.leaderId().catch(() => null),
      this.state.lastTickAt().catch(() => this.clusterLastTickAt),
    ]);
    const nextTickAt = !this.running
      ? null
      : this.leadership.isLeader
        ? this.loop.nextTickAt
        : lastTickAt && new Date(lastTickAt.getTime() + this.settings.intervalMs);
    return {
      running: this.running,
      intervalMs: this.settings.intervalMs,
      batchSize: this.settings.batchSize,
      lastTickAt,
      nextTickAt,
      tickInProgress: this.tickInFlight,
      lastTick: this.lastTick,
      totals: { ...this.totals },
      instanceId: this.leadership.instanceId,
      isLeader: this.leadership.isLeader,
      leaderId,
      breaker: this.dispatchBatch.breakerStatus(),
      draining: this.draining,
    };
  }

  /** One step of the loop; returns the delay before the next step. */
  private async step(): Promise<number> {
    const interval = this.settings.intervalMs;
    const version = this.decisionVersion;
    const desired = await this.state.desired();
    // A start() or stop() on this replica during the read is newer than what was read.
    if (version === this.decisionVersion) this.running = desired === 'running' || (desired === null && this.settings.autostart);
    const wasLeader = this.leadership.isLeader;
    const leader = await this.leadership.acquire();
    if (leader !== wasLeader) this.logger.log(leader ? `${this.leadership.instanceId} leads: it sends for the cluster` : `${this.leadership.instanceId} no longer leads`);
    if (!leader || this.draining) return interval;

    await this.dispatchBatch.housekeeping();
    if (!this.running) return interval;

    const now = this.clock.now();
    const last = await this.state.lastTickAt();
    this.clusterLastTickAt = last;
    if (last && now.getTime() - last.getTime() < interval) return last.getTime() + interval - now.getTime();

    // The decision or a shutdown may have come in during the awaits above.
    if (!this.running || this.draining) return interval;
    await this.state.recordTick(now);
    this.clusterLastTickAt = now;
    if (!this.running || this.draining) return interval;
    this.tickInFlight = true;
    try {
      this.record(await this.dispatchBatch.execute());
    } finally {
      this.tickInFlight = false;
    }
    return Math.max(0, interval - (this.clock.now().getTime() - now.getTime()));
  }

  private record(report: TickReport): void {
    this.metrics.tickFinished(report);
    this.lastTick = report;
    this.totals.ticks += 1;
    for (const key of COUNTED) this.totals[key] += report[key];
    const { startedAt, ...counts } = report;
    this.logger.log({ msg: 'tick', tickStartedAt: startedAt, ...counts });
    const hadWork = report.claimed > 0 || report.skipped !== null;
    if (!hadWork || report.sent > 0) {
      this.failedTickStreak = 0;
      return;
    }
    this.failedTickStreak += 1;
    if (this.failedTickStreak === this.settings.alertAfterFailedTicks) {
      void this.alerts.notify({
        kind: 'ticks-without-sending',
        message: `${this.failedTickStreak} ticks in a row had messages to send and sent none`,
        instanceId: this.leadership.instanceId,
        at: this.clock.now(),
        details: { lastTick: report, breaker: this.dispatchBatch.breakerStatus() },
      });
    }
  }
}
