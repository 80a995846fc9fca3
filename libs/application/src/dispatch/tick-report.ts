import type { AttemptOutcome } from '@app/domain';
import type { BreakerStatus } from './circuit-breaker.js';

/** What a send attempt left the message as: sent, queued for a retry, failed for good, or in doubt. */
export type SendOutcome = 'sent' | 'retry' | 'failed' | 'unknown';

/** One tick, in counts: what the status route shows as `lastTick`. */
export interface TickReport {
  startedAt: Date;
  durationMs: number;
  claimed: number;
  sent: number;
  retried: number;
  failed: number;
  unknown: number;
  invalid: number;
  expired: number;
  /** Claims lost before the send (lease expired or message replayed): not sent by this tick. */
  dropped: number;
  /** Claimed but handed back unsent (breaker opened, stop or shutdown mid-batch): pending again. */
  released: number;
  /** Why the tick sent nothing on purpose, if it did. */
  skipped: 'breaker-open' | null;
}

/** One gateway call of a tick, for metrics and logs; the content never appears in it. */
export interface AttemptReport {
  messageId: string;
  attemptNo: number;
  answer: AttemptOutcome;
  statusCode: number | null;
  latencyMs: number;
  outcome: SendOutcome;
  /** Why the attempt did not send the message (content masked); null when it did. */
  reason: string | null;
  nextAttemptAt: Date | null;
}

/** The circuit breaker opened during the tick: its state then, and the last error (content masked). */
export type BreakerOpening = BreakerStatus & { lastError: string | null };

/** Everything a tick did, handed to the tick listener (metrics, totals, logs, alerts). */
export interface TickResult {
  report: TickReport;
  attempts: AttemptReport[];
  breakerOpened: BreakerOpening | null;
}

export function emptyTickReport(startedAt: Date): TickReport {
  return { startedAt, durationMs: 0, claimed: 0, sent: 0, retried: 0, failed: 0, unknown: 0, invalid: 0, expired: 0, dropped: 0, released: 0, skipped: null };
}
