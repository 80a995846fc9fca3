import type { InDoubtPolicy, RetrySettings } from '@app/domain';

/** The knobs of sending, handed to the use cases by the app that wires them (from its config). */
export class DispatchSettings {
  intervalMs!: number;
  batchSize!: number;
  /** Sends of one batch in flight at once (1: strictly oldest first at the gateway). */
  concurrency!: number;
  autostart!: boolean;
  maxContentLength!: number;
  retry!: RetrySettings;
  /** How long a claim holds; longer than the webhook timeout. */
  leaseMs!: number;
  inDoubtPolicy!: InDoubtPolicy;
  breaker!: { failures: number; cooldownMs: number };
  /** Alert after this many ticks in a row that had work and sent nothing. */
  alertAfterFailedTicks!: number;
  /** Longest wait for sends in flight on shutdown. */
  shutdownGraceMs!: number;
}
