import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry } from 'prom-client';
import { DispatchMetrics, type SendOutcome, type TickReport } from '@app/application';
import type { AttemptOutcome } from '@app/domain';

/** Gateway latency buckets, in seconds: from a fast 202 to WEBHOOK_TIMEOUT_MS's default of 10 s. */
const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const TICK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const NOT_SENT = ['invalid', 'expired', 'dropped', 'released'] as const;

/** The dispatcher's events as Prometheus series, in the app's own registry. */
@Injectable()
export class PrometheusDispatchMetrics extends DispatchMetrics {
  private readonly sends: Counter<'outcome'>;
  private readonly gatewayLatency: Histogram<'answer'>;
  private readonly tickDuration: Histogram;
  private readonly ticks: Counter<'result'>;
  private readonly notSent: Counter<'reason'>;
  private readonly stepErrors: Counter;

  constructor(registry: Registry) {
    super();
    const registers = [registry];
    this.sends = new Counter({
      name: 'dispatcher_sends_total',
      help: 'Gateway calls by what they made of the message: sent, retry (queued again), failed (for good) or unknown (in doubt)',
      labelNames: ['outcome'],
      registers,
    });
    this.gatewayLatency = new Histogram({
      name: 'dispatcher_gateway_request_duration_seconds',
      help: 'Time from sending a message to the gateway answering (or timing out), by kind of answer: accepted, retryable, rejected, unknown',
      labelNames: ['answer'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.tickDuration = new Histogram({
      name: 'dispatcher_tick_duration_seconds',
      help: 'Duration of a tick: claim, send and record one batch',
      buckets: TICK_BUCKETS,
      registers,
    });
    this.ticks = new Counter({
      name: 'dispatcher_ticks_total',
      help: 'Ticks run by this replica: completed, or skipped because the circuit breaker is open',
      labelNames: ['result'],
      registers,
    });
    this.notSent = new Counter({
      name: 'dispatcher_messages_not_sent_total',
      help:
        'Claimed messages not sent: invalid (failed without a call), expired (deadline passed), dropped (claim lost before the call), ' +
        'released (handed back unsent: breaker opened, stop or shutdown mid-batch)',
      labelNames: ['reason'],
      registers,
    });
    this.stepErrors = new Counter({
      name: 'dispatcher_scheduler_step_errors_total',
      help: 'Scheduler steps that failed (e.g. the database did not answer); the step is retried next interval',
      registers,
    });
    // Every series exists from the first scrape, so rate() and absent() see zeros, not gaps.
    for (const outcome of ['sent', 'retry', 'failed', 'unknown'] satisfies SendOutcome[]) this.sends.inc({ outcome }, 0);
    for (const answer of ['accepted', 'retryable', 'rejected', 'unknown'] satisfies AttemptOutcome[]) this.gatewayLatency.zero({ answer });
    for (const result of ['completed', 'skipped']) this.ticks.inc({ result }, 0);
    for (const reason of NOT_SENT) this.notSent.inc({ reason }, 0);
  }

  attemptRecorded(answer: AttemptOutcome, latencyMs: number, outcome: SendOutcome): void {
    this.sends.inc({ outcome });
    this.gatewayLatency.observe({ answer }, latencyMs / 1000);
  }

  tickFinished(report: TickReport): void {
    this.ticks.inc({ result: report.skipped ? 'skipped' : 'completed' });
    this.tickDuration.observe(report.durationMs / 1000);
    for (const reason of NOT_SENT) if (report[reason] > 0) this.notSent.inc({ reason }, report[reason]);
  }

  stepFailed(): void {
    this.stepErrors.inc();
  }
}
