import type { Clock, Timer } from '@app/domain';

/**
 * Runs `task` every `intervalMs`, start to start, the first run at once. Runs never overlap:
 * a run that takes longer than the interval delays the next one, which then starts as soon as
 * it ends. A run may ask for another delay before the next one by returning it (ms from its
 * end). Our own loop on purpose (no cron package): it is small, and the Clock port lets tests
 * drive it without sleeping.
 */
export class Ticker {
  private active = false;
  private timer: Timer | null = null;
  private inFlight: Promise<void> | null = null;
  private kicked = false;
  private last: Date | null = null;
  private next: Date | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly task: () => Promise<number | void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  get running(): boolean {
    return this.active;
  }
  get tickInProgress(): boolean {
    return this.inFlight !== null;
  }
  get lastTickAt(): Date | null {
    return this.last;
  }
  get nextTickAt(): Date | null {
    return this.next;
  }

  /**
   * Idempotent. The first run starts now; if a run is still in flight (stop then start), the
   * loop goes on from it at the usual cadence instead of starting a second one.
   */
  start(): void {
    if (this.active) return;
    this.active = true;
    if (!this.inFlight) this.schedule(0);
  }

  /** Runs the task now instead of at its time (or right after the run in flight). */
  kick(): void {
    if (!this.active) return;
    if (this.inFlight) {
      this.kicked = true;
      return;
    }
    this.timer?.cancel();
    this.schedule(0);
  }

  /** Idempotent. No run starts after this; resolves once the run in flight (if any) has ended. */
  async stop(): Promise<void> {
    this.active = false;
    this.timer?.cancel();
    this.timer = null;
    this.next = null;
    await this.inFlight;
  }

  /** Resolves once no run is in flight. */
  async idle(): Promise<void> {
    await this.inFlight;
  }

  private schedule(delayMs: number): void {
    this.next = new Date(this.clock.now().getTime() + delayMs);
    this.timer = this.clock.setTimer(delayMs, () => void this.run());
  }

  private async run(): Promise<void> {
    this.timer = null;
    if (!this.active || this.inFlight) return;
    const startedAt = this.clock.now();
    this.last = startedAt;
    this.next = null;
    this.kicked = false;
    let requested: number | void = undefined;
    // A failed run is reported and the loop goes on: one bad tick must not stop sending.
    this.inFlight = this.task().then(
      (delay) => void (requested = delay),
      (error: unknown) => this.onError(error),
    );
    await this.inFlight;
    this.inFlight = null;
    if (this.active && !this.timer) {
      const elapsed = this.clock.now().getTime() - startedAt.getTime();
      this.schedule(this.kicked ? 0 : Math.max(0, requested ?? this.intervalMs - elapsed));
    }
  }
}
