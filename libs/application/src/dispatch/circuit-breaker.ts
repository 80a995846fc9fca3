import type { GatewayResult } from '@app/domain';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerStatus {
  state: BreakerState;
  consecutiveFailures: number;
  openedAt: Date | null;
  /** When an open breaker lets one probe through. */
  probeAt: Date | null;
}

/**
 * Stops calling a gateway that keeps failing. After `threshold` consecutive failures (429, 5xx,
 * unreachable, or no answer in time) it opens: no calls for `cooldownMs`. Then it lets one
 * message through as a probe (half-open): an answer from the gateway closes it, a failure opens
 * it again. Any answer that proves the gateway works (202, or a 4xx about the message) resets it.
 */
export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private failures = 0;
  private openedAt: Date | null = null;

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
  ) {}

  /** How many messages this tick may send: all of them, one probe, or none. */
  allowance(batchSize: number, now: Date): number {
    if (this.current === 'closed') return batchSize;
    if (this.current === 'open' && this.openedAt && now.getTime() - this.openedAt.getTime() >= this.cooldownMs) {
      this.current = 'half-open';
    }
    return this.current === 'half-open' ? 1 : 0;
  }

  /** Takes a tick's answers; true when this opened a closed breaker (a failed probe re-opens quietly). */
  record(results: readonly GatewayResult[], now: Date): boolean {
    if (results.length === 0) return false;
    if (results.some((r) => r.kind === 'accepted' || r.kind === 'rejected')) {
      this.current = 'closed';
      this.failures = 0;
      this.openedAt = null;
      return false;
    }
    this.failures += results.length;
    if (this.current === 'half-open') {
      this.current = 'open';
      this.openedAt = now;
      return false;
    }
    if (this.current === 'closed' && this.failures >= this.threshold) {
      this.current = 'open';
      this.openedAt = now;
      return true;
    }
    return false;
  }

  status(): BreakerStatus {
    return {
      state: this.current,
      consecutiveFailures: this.failures,
      openedAt: this.openedAt,
      probeAt: this.openedAt && this.current !== 'closed' ? new Date(this.openedAt.getTime() + this.cooldownMs) : null,
    };
  }
}
