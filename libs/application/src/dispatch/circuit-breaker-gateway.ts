import { type Clock, type GatewayResult, MessageGateway, type OutboundSms } from '@app/domain';
import { type BreakerStatus, CircuitBreaker } from './circuit-breaker.js';
import { withoutContent } from './content-masking.js';
import type { BreakerOpening } from './tick-report.js';

/**
 * The gateway port with a circuit breaker around it (a decorator: the use cases see a gateway).
 * It sees every answer; when the gateway keeps failing it opens, and `admit` lets no new send
 * start until the cooldown has passed, then one probe. It also turns an exception from the
 * adapter (a bug: the port promises not to throw) into an `unknown` answer, since nobody can
 * tell whether that request went out.
 */
export class CircuitBreakerGateway extends MessageGateway {
  private readonly breaker: CircuitBreaker;
  private probing = false;
  private lastError: string | null = null;
  private opening: BreakerOpening | null = null;

  constructor(
    private readonly inner: MessageGateway,
    settings: { failures: number; cooldownMs: number },
    private readonly clock: Clock,
  ) {
    super();
    this.breaker = new CircuitBreaker(settings.failures, settings.cooldownMs);
  }

  /** How many of `wanted` new sends may start now: all of them, one probe, or none. */
  admit(wanted: number): number {
    const allowance = this.breaker.allowance(wanted, this.clock.now());
    return this.probing && this.breaker.status().state === 'half-open' ? 0 : allowance;
  }

  async send(sms: OutboundSms): Promise<GatewayResult> {
    const probe = this.breaker.status().state === 'half-open';
    if (probe) this.probing = true;
    const started = performance.now();
    let result: GatewayResult;
    try {
      result = await this.inner.send(sms);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      result = { kind: 'unknown', statusCode: null, error: `gateway client error: ${reason}`, latencyMs: performance.now() - started };
    } finally {
      if (probe) this.probing = false;
    }
    if (result.kind !== 'accepted') this.lastError = withoutContent(result.error, sms.content);
    if (this.breaker.record([result], this.clock.now())) this.opening = { ...this.breaker.status(), lastError: this.lastError };
    return result;
  }

  status(): BreakerStatus {
    return this.breaker.status();
  }

  /** The breaker's opening since the last call, if it opened (a failed probe re-opens it quietly). */
  takeOpening(): BreakerOpening | null {
    const opening = this.opening;
    this.opening = null;
    return opening;
  }
}
