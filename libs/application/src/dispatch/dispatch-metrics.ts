import type { AttemptOutcome } from '@app/domain';
import type { SendOutcome, TickReport } from './tick-report.js';

/**
 * The events the dispatcher reports to its metrics (an adapter in the app turns them into
 * Prometheus series). Optional everywhere: without an adapter, NO_DISPATCH_METRICS drops them.
 */
export abstract class DispatchMetrics {
  /** One gateway call finished: its answer's kind, how long it took, and what it made of the message. */
  abstract attemptRecorded(answer: AttemptOutcome, latencyMs: number, outcome: SendOutcome): void;
  /** A tick ran to its end (including a tick the open breaker skipped). */
  abstract tickFinished(report: TickReport): void;
  /** A scheduler step threw (database down, ...): no tick ran. */
  abstract stepFailed(): void;
}

class NoDispatchMetrics extends DispatchMetrics {
  attemptRecorded(): void {}
  tickFinished(): void {}
  stepFailed(): void {}
}

export const NO_DISPATCH_METRICS: DispatchMetrics = new NoDispatchMetrics();
