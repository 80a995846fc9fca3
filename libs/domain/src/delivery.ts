/**
 * What one call to the gateway came to, and how long to wait before trying again.
 *
 * - accepted:  HTTP 202 with a JSON body holding a non-empty string messageId.
 * - retryable: the gateway certainly did not take the message (connection refused, DNS failure,
 *              429, 5xx); trying again later cannot send it twice.
 * - rejected:  a permanent answer (other 4xx, or a success that breaks the contract).
 * - unknown:   the request went out and no usable answer came back (timeout, dropped
 *              connection): the gateway may have sent the SMS, so it must not be re-sent blindly.
 */
export type GatewayResult =
  | { kind: 'accepted'; statusCode: number; gatewayMessageId: string; latencyMs: number }
  | { kind: 'retryable'; statusCode: number | null; error: string; latencyMs: number; retryAfterMs?: number }
  | { kind: 'rejected'; statusCode: number | null; error: string; latencyMs: number }
  | { kind: 'unknown'; statusCode: number | null; error: string; latencyMs: number };

export type AttemptOutcome = GatewayResult['kind'];

/** One attempt as it is kept in the message's history. */
export interface AttemptRecord {
  messageId: string;
  attemptNo: number;
  at: Date;
  statusCode: number | null;
  outcome: AttemptOutcome;
  error: string | null;
  latencyMs: number;
}

export interface RetrySettings {
  baseMs: number;
  maxMs: number;
  maxAttempts: number;
}

/**
 * What to do when a send's outcome is unknown (timeout, dropped connection, a sender that died
 * mid-send): `hold` parks the message in `unknown` for an operator; `resend` sends it again with
 * the same Idempotency-Key, for gateways that deduplicate on it.
 */
export type InDoubtPolicy = 'hold' | 'resend';
export const IN_DOUBT_POLICIES: readonly InDoubtPolicy[] = ['hold', 'resend'];

/**
 * Exponential backoff with full jitter: the delay before the next attempt is drawn uniformly
 * from [0, min(maxMs, baseMs * 2^(attempts-1))], so that many messages failing together do not
 * retry together. A Retry-After from the gateway is a floor (within maxMs).
 */
export class RetryPolicy {
  constructor(
    private readonly settings: RetrySettings,
    private readonly random: () => number = Math.random,
  ) {}

  get maxAttempts(): number {
    return this.settings.maxAttempts;
  }

  /** Delay before attempt `attemptsMade + 1`, given that `attemptsMade` attempts have failed. */
  delayAfter(attemptsMade: number, retryAfterMs?: number): number {
    const exponent = Math.max(0, attemptsMade - 1);
    const ceiling = Math.min(this.settings.maxMs, this.settings.baseMs * 2 ** Math.min(exponent, 40));
    const jittered = Math.round(this.random() * ceiling);
    return Math.max(jittered, Math.min(retryAfterMs ?? 0, this.settings.maxMs));
  }

  hasAttemptsLeft(attemptsMade: number): boolean {
    return attemptsMade < this.settings.maxAttempts;
  }
}
