import { Injectable, Logger } from '@nestjs/common';
import {
  Clock,
  type DeliveryOutcome,
  type GatewayResult,
  type Message,
  MessageGateway,
  MessageRepository,
  RetryPolicy,
  SentMessageCache,
} from '@app/domain';
import { DispatchSettings } from '../dispatch-settings.js';

export interface TickReport {
  startedAt: Date;
  durationMs: number;
  claimed: number;
  sent: number;
  retried: number;
  failed: number;
  invalid: number;
}

/** How many extra claims one tick may make to replace invalid rows it found. */
const MAX_REFILL_ROUNDS = 5;
const RECORD_ATTEMPTS = 4;
const RECORD_RETRY_DELAY_MS = 250;

/**
 * One tick of sending: claim up to batchSize due messages (committed before any HTTP call),
 * fail the invalid ones without sending, send the rest concurrently, record every outcome in
 * one write, then cache the receipts of the sent ones.
 */
@Injectable()
export class DispatchBatch {
  private readonly logger = new Logger(DispatchBatch.name);
  private readonly policy: RetryPolicy;

  constructor(
    private readonly messages: MessageRepository,
    private readonly gateway: MessageGateway,
    private readonly cache: SentMessageCache,
    private readonly clock: Clock,
    private readonly settings: DispatchSettings,
  ) {
    this.policy = new RetryPolicy(settings.retry);
  }

  async execute(): Promise<TickReport> {
    const startedAt = this.clock.now();
    const report: TickReport = { startedAt, durationMs: 0, claimed: 0, sent: 0, retried: 0, failed: 0, invalid: 0 };

    const sendable = await this.claimSendable(report);
    const results = await Promise.all(sendable.map((message) => this.sendOne(message)));

    const finishedAt = this.clock.now();
    const outcomes: DeliveryOutcome[] = results.map(({ message, result }) => ({
      message,
      attempt: message.applyDelivery(result, this.policy, finishedAt),
    }));
    if (outcomes.length > 0) await this.recordWithRetry(outcomes);

    for (const { message, attempt } of outcomes) {
      if (message.status === 'sent') report.sent += 1;
      else if (message.status === 'pending') report.retried += 1;
      else report.failed += 1;
      if (message.status !== 'sent') {
        this.logger.warn(`message ${message.id} attempt ${attempt?.attemptNo} ${attempt?.outcome}: ${attempt?.error} -> ${message.status}`);
      }
    }
    await this.cacheReceipts(outcomes.map((o) => o.message).filter((m) => m.status === 'sent'));

    report.durationMs = this.clock.now().getTime() - startedAt.getTime();
    return report;
  }

  /** Claims due messages; rows that break the rules are failed at once and replaced by others. */
  private async claimSendable(report: TickReport): Promise<Message[]> {
    const sendable: Message[] = [];
    for (let round = 0; round <= MAX_REFILL_ROUNDS && sendable.length < this.settings.batchSize; round += 1) {
      const claimed = await this.messages.claimBatch(this.settings.batchSize - sendable.length, this.clock.now());
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
   * The sends have happened: losing their outcome to a passing database error would leave the
   * rows in `sending`, so the write is tried a few times before the tick gives up.
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

  private async sendOne(message: Message): Promise<{ message: Message; result: GatewayResult }> {
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

  /** Best effort: the messages are sent and recorded already; a cache failure only costs the receipt. */
  private async cacheReceipts(sent: Message[]): Promise<void> {
    const results = await Promise.allSettled(
      sent.map((m) => this.cache.put(m.id, { messageId: m.gatewayMessageId as string, sentAt: m.sentAt as Date })),
    );
    const failures = results.filter((r) => r.status === 'rejected').length;
    if (failures > 0) this.logger.warn(`${failures} receipt(s) not cached`);
  }
}
