import { Logger } from '@nestjs/common';
import { type ClaimRef, type Clock, type Message, MessageRepository, type RetryPolicy } from '@app/domain';
import type { DispatchSettings } from '../dispatch-settings.js';
import type { CircuitBreakerGateway } from './circuit-breaker-gateway.js';
import { withoutContent } from './content-masking.js';
import type { OutcomeWriter } from './outcome-writer.js';
import type { SendPacer } from './send-pacer.js';
import type { AttemptReport, SendOutcome, TickReport } from './tick-report.js';

export function sendOutcome(message: Message): SendOutcome {
  if (message.status === 'pending') return 'retry';
  return message.status === 'sent' || message.status === 'unknown' ? message.status : 'failed';
}

export interface PipelineParts {
  messages: MessageRepository;
  gateway: CircuitBreakerGateway;
  writer: OutcomeWriter;
  clock: Clock;
  policy: RetryPolicy;
  settings: DispatchSettings;
  /** At most a batch per interval at the gateway: a group starts only as far as it has room. */
  pacer: SendPacer;
  /** The cluster's tick permit the batch runs under: every group start is fenced by it. */
  tick?: number;
}

/**
 * The sends of one claimed batch, in claim order, with at most DISPATCH_CONCURRENCY requests in
 * flight. As slots free up, the next group of rows (as many as there are free slots, and as the
 * breaker admits) is marked "request about to go out" in one fenced statement, then sent: one
 * slow request never holds the other slots idle. With concurrency 1 the gateway receives the
 * messages strictly in claim order (the highest priority first, the oldest first within one),
 * and at most one row can be in doubt at any moment. A group is also no larger than the
 * gateway's window has room for (SendPacer): when the last interval's answers fill it, the next
 * group waits until the oldest of them leaves. Stops taking new groups when `stop` is aborted or
 * the breaker opens; the rows it never started are handed back at once (pending again, no
 * attempt counted), while the requests in flight finish.
 */
export class SendPipeline {
  private readonly logger = new Logger(SendPipeline.name);
  private inFlight = 0;
  private readonly sends = new Set<Promise<void>>();
  private wake: (() => void) | null = null;
  private batch: readonly Message[] = [];
  /** The next row of the batch to take. */
  private next = 0;
  /** No group starts any more: told to stop, the breaker refused, or the database failed. */
  private halted = false;
  private readonly unstarted: Message[] = [];
  /** Set when no group could start because the gateway's window is full: how long until it has room. */
  private pacedMs: number | null = null;
  readonly attempts: AttemptReport[] = [];

  constructor(
    private readonly parts: PipelineParts,
    private readonly report: TickReport,
    private readonly stop: AbortSignal,
  ) {}

  async run(batch: readonly Message[]): Promise<void> {
    this.batch = batch;
    let pending = this.startNextGroup();
    for (;;) {
      if (pending === null) {
        if (this.halted || this.next >= batch.length) break;
        await this.slotFreed(this.pacedMs);
        pending = this.startNextGroup();
        continue;
      }
      const { group, now } = pending;
      let started: Set<string>;
      try {
        started = new Set(await pending.started);
      } catch (error) {
        // Not sent: without the database the claims cannot be proven ours. Nothing more starts.
        this.inFlight -= group.length;
        this.parts.pacer.cancel(group.length);
        this.logger.warn(`${group.length} message(s) not sent: their claims could not be checked (${(error as Error).message})`);
        this.unstarted.push(...group);
        this.halted = true;
        pending = null;
        continue;
      }
      // None of the group started: the claims are not ours any more, or the tick's permit passed
      // to a newer one (another replica leads now). Start nothing more; what is still ours goes back.
      if (started.size === 0) this.halted = true;
      // The next group's statement goes out first, with the slots freed meanwhile; building
      // this group's requests takes a while, and the database need not wait for it.
      pending = this.startNextGroup();
      for (const message of group) {
        if (started.has(message.id)) {
          message.markRequestStarted(now);
          this.launch(message);
        } else {
          this.inFlight -= 1;
          this.parts.pacer.cancel(1);
          this.report.dropped += 1;
          // Handed back if it is still ours (its token fences the release): a fenced-out start.
          this.unstarted.push(message);
          this.logger.warn(`message ${message.id} was not sent: this sender no longer holds its claim, or its tick's permit`);
        }
      }
    }
    await this.release([...this.unstarted, ...batch.slice(this.next)]);
    await Promise.all(this.sends);
  }

  /**
   * Takes the next group (as many rows as there are free slots, room in the gateway's window and
   * the breaker admits; expired ones are expired instead) and sends its start statement. Null
   * when no slot is free, the window is full (`pacedMs` says for how long), or the batch is done:
   * all rows taken, told to stop, or the breaker admits nothing more (`halted`).
   */
  private startNextGroup(): { group: Message[]; now: Date; started: Promise<string[]> } | null {
    const { concurrency, leaseMs } = this.parts.settings;
    const { clock, gateway, writer, pacer } = this.parts;
    this.pacedMs = null;
    if (this.stop.aborted) this.halted = true;
    while (!this.halted && this.next < this.batch.length && this.inFlight < concurrency) {
      const room = pacer.room();
      if (room === 0) {
        this.pacedMs = pacer.waitMs(1);
        break;
      }
      const admitted = gateway.admit(Math.min(concurrency - this.inFlight, this.batch.length - this.next, room));
      if (admitted === 0) {
        this.halted = true;
        break;
      }
      const now = clock.now();
      const group: Message[] = [];
      while (group.length < admitted && this.next < this.batch.length) {
        const message = this.batch[this.next++];
        if (message.isExpiredAt(now)) {
          message.expire(now);
          writer.add({ message, attempt: null });
          this.report.expired += 1;
        } else {
          group.push(message);
        }
      }
      if (group.length === 0) continue;
      this.inFlight += group.length;
      pacer.reserve(group.length);
      const started = writer.start(group.map(claimOf), now, new Date(now.getTime() + leaseMs), this.parts.tick);
      // Awaited by run() right after; this only keeps a failure from counting as unhandled meanwhile.
      started.catch(() => undefined);
      return { group, now, started };
    }
    return null;
  }

  private launch(message: Message): void {
    const send = this.send(message).finally(() => {
      this.parts.pacer.answer();
      this.inFlight -= 1;
      this.sends.delete(send);
      this.wake?.();
    });
    this.sends.add(send);
  }

  private async send(message: Message): Promise<void> {
    const { gateway, writer, clock, policy, settings } = this.parts;
    const result = await gateway.send({ to: message.phoneNumber, content: message.content, idempotencyKey: message.id });
    const attempt = message.applyDelivery(result, policy, clock.now(), settings.inDoubtPolicy);
    writer.add({ message, attempt });
    const outcome = sendOutcome(message);
    const counter = ({ sent: 'sent', retry: 'retried', failed: 'failed', unknown: 'unknown' } as const)[outcome];
    this.report[counter] += 1;
    this.attempts.push({
      messageId: message.id,
      attemptNo: attempt.attemptNo,
      answer: attempt.outcome,
      statusCode: attempt.statusCode,
      latencyMs: attempt.latencyMs,
      outcome,
      reason: attempt.error === null ? null : withoutContent(attempt.error, message.content),
      nextAttemptAt: message.nextAttemptAt,
    });
  }

  /** Resolves when a send ends, the batch is told to stop, or (given) after `timeoutMs`. */
  private slotFreed(timeoutMs: number | null): Promise<void> {
    return new Promise((resolve) => {
      const timer = timeoutMs === null ? null : this.parts.clock.setTimer(Math.max(1, timeoutMs), () => wake());
      const wake = () => {
        timer?.cancel();
        this.wake = null;
        this.stop.removeEventListener('abort', wake);
        resolve();
      };
      this.wake = wake;
      this.stop.addEventListener('abort', wake, { once: true });
    });
  }

  /** Rows claimed but never started go back to the queue now rather than when their lease runs out. */
  private async release(unstarted: readonly Message[]): Promise<void> {
    if (unstarted.length === 0) return;
    try {
      this.report.released += await this.parts.messages.releaseClaims(unstarted.map(claimOf), this.parts.clock.now());
    } catch (error) {
      this.logger.warn(`${unstarted.length} unsent message(s) stay claimed until their lease runs out: ${(error as Error).message}`);
    }
  }
}

function claimOf(message: Message): ClaimRef {
  return { id: message.id, claimToken: message.claimToken as string };
}
