import { Injectable, Logger, Optional } from '@nestjs/common';
import {
  AlertNotifier,
  Clock,
  type DeliveryOutcome,
  type GatewayResult,
  Leadership,
  type Message,
  MessageGateway,
  MessageRepository,
  RetryPolicy,
  SentMessageCache,
} from '@app/domain';
import { DispatchSettings } from '../dispatch-settings.js';
import { type BreakerStatus, CircuitBreaker } from './circuit-breaker.js';
import { DispatchMetrics, NO_DISPATCH_METRICS, type SendOutcome } from './dispatch-metrics.js';

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
  /** Why the tick sent nothing on purpose, if it did. */
  skipped: 'breaker-open' | null;
}

export interface Housekeeping {
  /** Rows left `sending` by a sender that died, now `unknown` (or pending again, under resend). */
  abandoned: number;
  expired: number;
}

/** `text` with every occurrence of the message's content (and its JSON-escaped form) masked. */
export function withoutContent(text: string, content: string): string {
  let masked = text;
  for (const form of new Set([content, JSON.stringify(content).slice(1, -1)])) {
    if (form.trim().length >= MIN_MASKED_LENGTH) masked = masked.split(form).join('[content]');
  }
  return masked;
}

/** Shorter contents ("ok", "1") would mask ordinary words of an error, and reveal nothing. */
const MIN_MASKED_LENGTH = 3;

function sendOutcome(message: Message): SendOutcome {
  if (message.status === 'pending') return 'retry';
  return message.status === 'sent' || message.status === 'unknown' ? message.status : 'failed';
}

/** How many extra claims one tick may make to replace invalid rows it found. */
const MAX_REFILL_ROUNDS = 5;
const RECORD_ATTEMPTS = 4;
const RECORD_RETRY_DELAY_MS = 250;

/**
 * One tick of sending: claim up to batchSize due messages under a lease (committed before any
 * HTTP call), fail the invalid ones without sending, then for each of the rest check the claim is
 * still ours and send, concurrently; record every outcome in one write; cache receipts.
 */
@Injectable()
export class DispatchBatch {
  private readonly logger = new Logger(DispatchBatch.name);
  private readonly policy: RetryPolicy;
  private readonly breaker: CircuitBreaker;

  constructor(
    private readonly messages: MessageRepository,
    private readonly gateway: MessageGateway,
    private readonly cache: SentMessageCache,
    private readonly clock: Clock,
    private readonly leadership: Leadership,
    private readonly alerts: AlertNotifier,
    private readonly settings: DispatchSettings,
    @Optional() private readonly metrics: DispatchMetrics = NO_DISPATCH_METRICS,
  ) {
    this.policy = new RetryPolicy(settings.retry);
    this.breaker = new CircuitBreaker(settings.breaker.failures, settings.breaker.cooldownMs);
  }

  breakerStatus(): BreakerStatus {
    return this.breaker.status();
  }

  /** Settles what crashed senders and deadlines left behind; run by the leader every step. */
  async housekeeping(): Promise<Housekeeping> {
    const now = this.clock.now();
    const abandoned = await this.messages.releaseAbandonedClaims(now, this.settings.inDoubtPolicy);
    const expired = await this.messages.expireOverdue(now);
    await this.messages.compactStatusCounts();
    if (abandoned > 0) {
      this.logger.warn({ msg: `${abandoned} message(s) were left sending by a sender that died: ${this.settings.inDoubtPolicy === 'hold' ? 'now unknown' : 'queued again'}`, abandoned, inDoubtPolicy: this.settings.inDoubtPolicy });
    }
    if (expired > 0) this.logger.log({ msg: `${expired} message(s) expired before they could be sent`, expired });
    return { abandoned, expired };
  }

  async execute(): Promise<TickReport> {
    const startedAt = this.clock.now();
    const report: TickReport = { startedAt, durationMs: 0, claimed: 0, sent: 0, retried: 0, failed: 0, unknown: 0, invalid: 0, expired: 0, dropped: 0, skipped: null };

    const allowance = this.breaker.allowance(this.settings.batchSize, startedAt);
    if (allowance === 0) {
      report.skipped = 'breaker-open';
      return report;
    }

    const sendable = await this.claimSendable(allowance, report);
    const delivered = await this.sendAll(sendable, report);
    const outcomes = delivered.map((d) => d.outcome);

    for (const { message, attempt } of outcomes) {
      if (message.status === 'sent') report.sent += 1;
      else if (message.status === 'pending') report.retried += 1;
      else if (message.status === 'unknown') report.unknown += 1;
      else report.failed += 1;
      if (message.status !== 'sent' && attempt) {
        this.logger.warn({
          msg: 'attempt failed',
          messageId: message.id,
          attemptNo: attempt.attemptNo,
          answer: attempt.outcome,
          statusCode: attempt.statusCode,
          // A gateway may echo the message in its error; the content never goes to the logs.
          reason: withoutContent(attempt.error ?? '', message.content),
          outcome: sendOutcome(message),
          nextAttemptAt: message.nextAttemptAt,
          latencyMs: attempt.latencyMs,
        });
      }
    }
    // The alert goes out on the side: a slow alert receiver must not hold up sending.
    if (this.breaker.record(delivered.map((d) => d.result), this.clock.now())) void this.alertBreakerOpened(delivered);
    await this.cacheReceipts(outcomes.map((o) => o.message).filter((m) => m.status === 'sent'));

    report.durationMs = this.clock.now().getTime() - startedAt.getTime();
    return report;
  }

  /** Claims due messages; rows that break the rules are failed at once and replaced by others. */
  private async claimSendable(allowance: number, report: TickReport): Promise<Message[]> {
    const sendable: Message[] = [];
    const claim = { owner: this.leadership.instanceId, leaseMs: this.settings.leaseMs };
    for (let round = 0; round <= MAX_REFILL_ROUNDS && sendable.length < allowance; round += 1) {
      const claimed = await this.messages.claimBatch(allowance - sendable.length, this.clock.now(), claim);
      report.claimed += claimed.length;
      const invalid: DeliveryOutcome[] = [];
      for (const message of claimed) {
        const reason = message.invalidReason(this.settings.maxContentLength);
        if (reason === null) {
          sendable.push(message);
        } else {
          message.rejectAsInvalid(reason, this.clock.now());
          invalid.push({ message, attempt: null });
          this.logger.warn(`message ${message.id} is invalid and will not be sent: ${reason}`);
        }
      }
      if (invalid.length > 0) await this.messages.recordOutcomes(invalid);
      report.invalid += invalid.length;
      if (invalid.length === 0) break;
    }
    return sendable;
  }

  /**
   * Sends in claim order, DISPATCH_CONCURRENCY at a time: with 1 (the default) the gateway
   * receives them strictly oldest first; more trades that order within a batch for throughput.
   * Each outcome is written as soon as its answer is in, so a crash right after loses (to
   * `unknown`) at most the sends in flight, not the whole batch.
   */
  private async sendAll(messages: Message[], report: TickReport): Promise<{ outcome: DeliveryOutcome; result: GatewayResult }[]> {
    const delivered: { index: number; outcome: DeliveryOutcome; result: GatewayResult }[] = [];
    let next = 0;
    const worker = async () => {
      while (next < messages.length) {
        const index = next++;
        const sent = await this.sendOne(messages[index], report);
        if (!sent) continue;
        const attempt = sent.message.applyDelivery(sent.result, this.policy, this.clock.now(), this.settings.inDoubtPolicy);
        const outcome = { message: sent.message, attempt };
        await this.recordWithRetry([outcome]);
        this.metrics.attemptRecorded(sent.result.kind, sent.result.latencyMs, sendOutcome(sent.message));
        delivered.push({ index, outcome, result: sent.result });
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.settings.concurrency, messages.length) }, worker));
    return delivered.sort((a, b) => a.index - b.index);
  }

  /**
   * Sends one claimed message, unless its deadline has passed or its claim is no longer ours
   * (fencing: the lease is re-checked and extended right before the HTTP call).
   */
  private async sendOne(message: Message, report: TickReport): Promise<{ message: Message; result: GatewayResult } | null> {
    const now = this.clock.now();
    try {
      if (message.isExpiredAt(now)) {
        message.expire(now);
        await this.messages.recordOutcomes([{ message, attempt: null }]);
        report.expired += 1;
        return null;
      }
      const leaseUntil = new Date(now.getTime() + this.settings.leaseMs);
      if (!message.claimToken || !(await this.messages.renewClaim(message.id, message.claimToken, leaseUntil))) {
        report.dropped += 1;
        this.logger.warn(`message ${message.id} was not sent: this sender no longer holds its claim`);
        return null;
      }
    } catch (error) {
      // Not sent: without the database we cannot prove the claim is ours. The row settles when
      // its lease runs out; the other messages of the batch go on.
      report.dropped += 1;
      this.logger.warn(`message ${message.id} was not sent: its claim could not be checked (${(error as Error).message})`);
      return null;
    }
    const started = Date.now();
    try {
      const result = await this.gateway.send({ to: message.phoneNumber, content: message.content, idempotencyKey: message.id });
      return { message, result };
    } catch (error) {
      // The adapter maps every gateway answer; an exception here means we cannot tell what happened.
      const reason = error instanceof Error ? error.message : String(error);
      return { message, result: { kind: 'unknown', statusCode: null, error: `gateway client error: ${reason}`, latencyMs: Date.now() - started } };
    }
  }

  /**
   * The sends have happened: losing their outcome to a passing database error would leave the
   * rows in `sending` (until their lease runs out), so the write is tried a few times first.
   */
  private async recordWithRetry(outcomes: DeliveryOutcome[]): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.messages.recordOutcomes(outcomes);
        return;
      } catch (error) {
        if (attempt >= RECORD_ATTEMPTS) throw error;
        this.logger.warn(`recording outcomes failed (attempt ${attempt}), retrying: ${String(error)}`);
        await new Promise<void>((resolve) => this.clock.setTimer(RECORD_RETRY_DELAY_MS * attempt, resolve));
      }
    }
  }

  private async alertBreakerOpened(delivered: { outcome: DeliveryOutcome; result: GatewayResult }[]): Promise<void> {
    const status = this.breaker.status();
    const last = delivered[delivered.length - 1];
    this.logger.error(`circuit breaker opened after ${status.consecutiveFailures} consecutive failures; next probe at ${status.probeAt?.toISOString()}`);
    await this.alerts.notify({
      kind: 'breaker-opened',
      message: `The SMS gateway failed ${status.consecutiveFailures} times in a row; sending pauses until ${status.probeAt?.toISOString()}`,
      instanceId: this.leadership.instanceId,
      at: this.clock.now(),
      // Alerts go to chat rooms: a gateway error echoing the message is masked there too.
      details: { ...status, lastError: last && last.result.kind !== 'accepted' ? withoutContent(last.result.error, last.outcome.message.content) : null },
    });
  }

  /** Best effort: the messages are sent and recorded already; a cache failure only costs the receipt. */
  private async cacheReceipts(sent: Message[]): Promise<void> {
    const results = await Promise.allSettled(
      sent.map((m) => this.cache.put(m.id, { messageId: m.gatewayMessageId as string, sentAt: m.sentAt as Date })),
    );
    const failures = results.filter((r) => r.status === 'rejected').length;
    if (failures > 0) this.logger.warn(`${failures} receipt(s) not cached`);
  }
}
