import { Injectable } from '@nestjs/common';
import { Clock } from '@app/domain';
import { DispatchSettings } from '../dispatch-settings.js';

/**
 * Keeps this replica's requests to at most DISPATCH_BATCH_SIZE in any window of
 * DISPATCH_INTERVAL_MS as the gateway receives them, not only as the ticks are spaced. The time
 * from a tick to its requests varies (the claim, the start statement, a cold connection after
 * boot, a busy machine), so two ticks exactly one interval apart can put more than a batch into
 * one interval at the gateway when one tick's requests came late and the next one's early.
 *
 * The rule: a request starts only while fewer than DISPATCH_BATCH_SIZE requests are in flight or
 * were answered less than one interval ago. Why that suffices: take any window of one interval at
 * the gateway and the request in it that started last. Every other request the gateway received
 * in that window started earlier, and was answered after the gateway received it, so after that
 * last request's start less one interval: when the last request started, each of them was in
 * flight or answered less than one interval before, and was counted. So the window holds at most
 * the batch. No clock of the gateway's is needed, only that both measure durations alike.
 *
 * The cost: each slot of the batch is used once per interval plus the request's latency, so a
 * tick that waits for the window comes that much later (milliseconds against the interval). A
 * batch that takes longer than the interval to send never waits: its oldest answers have left the
 * window by the next tick. A new leader starts from what the database knows of the old leader's
 * requests (`seed`), so the window holds across a takeover too.
 */
@Injectable()
export class SendPacer {
  private inFlight = 0;
  /** When answers came back (ms, ascending); entries before `head` have left the window. */
  private answered: number[] = [];
  private head = 0;

  constructor(
    private readonly settings: DispatchSettings,
    private readonly clock: Clock,
  ) {}

  /** How many requests may start now. */
  room(): number {
    this.prune(this.now());
    return Math.max(0, this.settings.batchSize - this.inFlight - this.counted());
  }

  /**
   * How long until `n` more requests may start, if nothing in flight is answered meanwhile: 0 when
   * they may start now; null when the requests in flight alone leave no room (an answer must come
   * first).
   */
  waitMs(n = 1): number | null {
    const now = this.now();
    this.prune(now);
    // How many of the answers may still be in the window when the n requests start.
    const mayStay = this.settings.batchSize - this.inFlight - n;
    if (mayStay < 0) return null;
    const counted = this.counted();
    if (counted <= mayStay) return 0;
    // The oldest (counted - mayStay) answers have to leave the window first.
    return this.answered[this.head + counted - mayStay - 1] + this.settings.intervalMs - now;
  }

  /** `n` requests are about to start: their start statement goes out now. */
  reserve(n: number): void {
    this.inFlight += n;
  }

  /** Reserved requests that never started (fenced out, or their start statement failed). */
  cancel(n: number): void {
    this.inFlight = Math.max(0, this.inFlight - n);
  }

  /**
   * Starts from the cluster's requests as the database knows them (a new leader, nothing of its
   * own in flight): their recorded answer times, this replica's own included, and the requests
   * that may still be in flight or whose answer is not recorded, counted as answered now (they
   * cannot have reached the gateway later than that).
   */
  seed(answeredAt: readonly Date[], inFlight: number): void {
    const now = this.now();
    this.answered = [...answeredAt.map((at) => Math.min(at.getTime(), now)), ...Array<number>(inFlight).fill(now)].sort((a, b) => a - b);
    this.head = 0;
    this.prune(now);
  }

  /** A request's answer came back (an error or a timeout too): it counts for one more interval. */
  answer(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    const now = this.now();
    this.prune(now);
    // Ascending even if the clock was corrected backwards: later is the safe side.
    const last = this.counted() > 0 ? this.answered[this.answered.length - 1] : -Infinity;
    this.answered.push(Math.max(now, last));
  }

  private now(): number {
    return this.clock.now().getTime();
  }

  private counted(): number {
    return this.answered.length - this.head;
  }

  private prune(now: number): void {
    const leftBy = now - this.settings.intervalMs;
    while (this.head < this.answered.length && this.answered[this.head] <= leftBy) this.head += 1;
    if (this.head > 0 && this.head >= this.counted()) {
      this.answered = this.answered.slice(this.head);
      this.head = 0;
    }
  }
}
