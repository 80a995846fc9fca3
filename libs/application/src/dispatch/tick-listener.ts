import { Injectable, Logger, Optional } from '@nestjs/common';
import { AlertNotifier, Clock, DispatchEventLog, Leadership } from '@app/domain';
import { DispatchSettings } from '../dispatch-settings.js';
import { CircuitBreakerGateway } from './circuit-breaker-gateway.js';
import { DispatchMetrics, NO_DISPATCH_METRICS } from './dispatch-metrics.js';
import type { BreakerOpening, TickReport, TickResult } from './tick-report.js';

/** The counts of TickReport that add up across ticks. */
const COUNTED = ['claimed', 'sent', 'retried', 'failed', 'unknown', 'invalid', 'expired', 'dropped', 'released'] as const;
export type TickTotals = Pick<TickReport, (typeof COUNTED)[number]> & { ticks: number };

/**
 * The one listener on what ticks did: metrics, the log lines, this replica's totals and the
 * alerts (the breaker opened; too many ticks in a row had work and sent nothing), and the
 * breaker's openings in the dispatch event log (for the operators' chart). The dispatch use case
 * only reports; everything that follows from a report happens here.
 */
@Injectable()
export class TickListener {
  // The contexts operators already filter on: tick lines from the scheduler, sends from the batch.
  private readonly logger = new Logger('DispatchScheduler');
  private readonly sendLogger = new Logger('DispatchBatch');
  private last: TickReport | null = null;
  private readonly sums: TickTotals = { ticks: 0, claimed: 0, sent: 0, retried: 0, failed: 0, unknown: 0, invalid: 0, expired: 0, dropped: 0, released: 0 };
  private failedTickStreak = 0;

  constructor(
    private readonly alerts: AlertNotifier,
    private readonly leadership: Leadership,
    private readonly clock: Clock,
    private readonly settings: DispatchSettings,
    private readonly gateway: CircuitBreakerGateway,
    @Optional() private readonly metrics: DispatchMetrics = NO_DISPATCH_METRICS,
    @Optional() private readonly events?: DispatchEventLog,
  ) {}

  /** The last tick this replica ran. */
  get lastTick(): TickReport | null {
    return this.last;
  }

  /** Since this replica started. */
  totals(): TickTotals {
    return { ...this.sums };
  }

  onTick({ report, attempts, breakerOpened }: TickResult): void {
    for (const attempt of attempts) {
      this.metrics.attemptRecorded(attempt.answer, attempt.latencyMs, attempt.outcome);
      if (attempt.outcome === 'sent') continue;
      const { answer, reason, ...fields } = attempt;
      this.sendLogger.warn({ msg: 'attempt failed', ...fields, answer, reason });
    }
    this.metrics.tickFinished(report);
    this.last = report;
    this.sums.ticks += 1;
    for (const key of COUNTED) this.sums[key] += report[key];
    const { startedAt, ...counts } = report;
    this.logger.log({ msg: 'tick', tickStartedAt: startedAt, ...counts });
    if (breakerOpened) {
      void this.alertBreakerOpened(breakerOpened);
      void this.recordBreakerOpened(breakerOpened);
    }
    this.followStreak(report);
  }

  /** A scheduler step threw: no tick ran. */
  onStepFailed(error: unknown): void {
    this.metrics.stepFailed();
    this.logger.error(`scheduler step failed (retrying next interval): ${error instanceof Error ? error.message : String(error)}`);
  }

  private followStreak(report: TickReport): void {
    // A tick counts against sending when the breaker held it back, or when it called the gateway
    // and nothing went out. Ticks that only met invalid or expired rows, or were stopped before
    // their first send, say nothing about the gateway.
    const attempted = report.sent + report.retried + report.failed + report.unknown;
    if (report.skipped === null && (attempted === 0 || report.sent > 0)) {
      this.failedTickStreak = 0;
      return;
    }
    this.failedTickStreak += 1;
    if (this.failedTickStreak !== this.settings.alertAfterFailedTicks) return;
    void this.alerts.notify({
      kind: 'ticks-without-sending',
      message: `${this.failedTickStreak} ticks in a row had messages to send and sent none`,
      instanceId: this.leadership.instanceId,
      at: this.clock.now(),
      details: { lastTick: report, breaker: this.gateway.status() },
    });
  }

  /** On the side and best effort, like the alert: a slow or failing database write never fails or holds up a tick. */
  private async recordBreakerOpened(opening: BreakerOpening): Promise<void> {
    try {
      await this.events?.record({ kind: 'breaker-opened', detail: { ...opening, instanceId: this.leadership.instanceId } });
    } catch (error) {
      this.logger.warn(`breaker opening not recorded: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** On the side: a slow alert receiver must not hold up sending. */
  private async alertBreakerOpened(opening: BreakerOpening): Promise<void> {
    this.sendLogger.error(`circuit breaker opened after ${opening.consecutiveFailures} consecutive failures; next probe at ${opening.probeAt?.toISOString()}`);
    await this.alerts.notify({
      kind: 'breaker-opened',
      message: `The SMS gateway failed ${opening.consecutiveFailures} times in a row; sending pauses until ${opening.probeAt?.toISOString()}`,
      instanceId: this.leadership.instanceId,
      at: this.clock.now(),
      details: { ...opening },
    });
  }
}
