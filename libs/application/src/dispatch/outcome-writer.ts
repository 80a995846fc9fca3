import { Logger } from '@nestjs/common';
import { type ClaimRef, type Clock, type DeliveryOutcome, MessageRepository, SentMessageCache, type Timer } from '@app/domain';

export interface OutcomeWriterOptions {
  /** Flush once this many outcomes are waiting. */
  maxOutcomes: number;
  /** Flush an outcome at the latest this long after it arrived. */
  maxDelayMs: number;
}

/**
 * Flush sizes, chosen by measuring (README, Performance): at high rates outcomes leave with the
 * next group's start statement anyway, so these only bound how long an outcome waits while no
 * group starts (slow requests hold every slot, or the batch is draining). 25 ms costs at most
 * 40 statements a second; 256 outcomes keep a statement's arrays small.
 */
export const DEFAULT_WRITER_OPTIONS: OutcomeWriterOptions = { maxOutcomes: 256, maxDelayMs: 25 };

/** A database hiccup after the sends must not lose their outcomes: each write is tried this often. */
const WRITE_ATTEMPTS = 4;
const WRITE_RETRY_DELAY_MS = 250;

/**
 * The outcome writer of one batch. Outcomes are buffered and written together: every N outcomes
 * or M ms, and with every group start (`start`), whose statement carries whatever is buffered.
 * Writes go one at a time, in order, so that when a group's start commits, every send that had
 * finished before it is recorded: at any moment the rows in doubt in the database are at most
 * the requests in flight (the pipeline's concurrency). Receipts of sent messages are cached with
 * one Redis pipeline per write, after the commit, without holding up sending.
 */
export class OutcomeWriter {
  private readonly logger = new Logger(OutcomeWriter.name);
  private buffer: DeliveryOutcome[] = [];
  private lane: Promise<unknown> = Promise.resolve();
  private flushQueued = false;
  private timer: Timer | null = null;
  private readonly caching = new Set<Promise<void>>();

  constructor(
    private readonly messages: MessageRepository,
    private readonly cache: SentMessageCache,
    private readonly clock: Clock,
    private readonly options: OutcomeWriterOptions = DEFAULT_WRITER_OPTIONS,
  ) {}

  add(outcome: DeliveryOutcome): void {
    this.buffer.push(outcome);
    if (this.buffer.length >= this.options.maxOutcomes) this.queueFlush();
    else this.timer ??= this.clock.setTimer(this.options.maxDelayMs, () => this.queueFlush());
  }

  /**
   * Marks `claims` as "request about to go out" (lease until `leaseUntil`) in one fenced
   * statement that also records everything buffered. Resolves with the ids whose claim held.
   */
  start(claims: readonly ClaimRef[], now: Date, leaseUntil: Date, tick?: number): Promise<string[]> {
    return this.enqueue(() => this.write(claims, now, leaseUntil, tick));
  }

  /** Writes what is left and waits for the receipts to be cached. Throws if the write keeps failing. */
  async close(): Promise<void> {
    this.timer?.cancel();
    this.timer = null;
    await this.enqueue(() => this.write([], this.clock.now(), this.clock.now()));
    await Promise.all(this.caching);
  }

  private queueFlush(): void {
    this.timer?.cancel();
    this.timer = null;
    if (this.flushQueued) return;
    this.flushQueued = true;
    // A failed flush keeps its outcomes buffered for the next write; close() reports the failure.
    this.enqueue(() => {
      this.flushQueued = false;
      return this.write([], this.clock.now(), this.clock.now());
    }).catch((error: unknown) => this.logger.warn(`recording outcomes failed, will try again: ${String(error)}`));
  }

  private enqueue<T>(write: () => Promise<T>): Promise<T> {
    const result = this.lane.then(write);
    this.lane = result.catch(() => undefined);
    return result;
  }

  private async write(claims: readonly ClaimRef[], now: Date, leaseUntil: Date, tick?: number): Promise<string[]> {
    const outcomes = this.buffer;
    this.buffer = [];
    if (outcomes.length === 0 && claims.length === 0) return [];
    this.timer?.cancel();
    this.timer = null;
    let started: string[];
    try {
      started = await this.withRetries(() => this.messages.recordAndStart({ outcomes, start: claims, now, leaseUntil, tick }));
    } catch (error) {
      this.buffer = [...outcomes, ...this.buffer];
      throw error;
    }
    this.cacheReceipts(outcomes);
    return started;
  }

  private async withRetries<T>(write: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await write();
      } catch (error) {
        if (attempt >= WRITE_ATTEMPTS) throw error;
        this.logger.warn(`recording outcomes failed (attempt ${attempt}), retrying: ${String(error)}`);
        await new Promise<void>((resolve) => this.clock.setTimer(WRITE_RETRY_DELAY_MS * attempt, resolve));
      }
    }
  }

  /** Best effort: the messages are sent and recorded already; a cache failure only costs the receipt. */
  private cacheReceipts(outcomes: readonly DeliveryOutcome[]): void {
    const receipts = outcomes
      .filter((o) => o.message.status === 'sent')
      .map(({ message }) => ({ id: message.id, receipt: { messageId: message.gatewayMessageId as string, sentAt: message.sentAt as Date } }));
    if (receipts.length === 0) return;
    const caching = this.cache.putMany(receipts).catch((error: unknown) => this.logger.warn(`${receipts.length} receipt(s) not cached: ${String(error)}`));
    this.caching.add(caching);
    void caching.finally(() => this.caching.delete(caching));
  }
}
