import { performance } from 'node:perf_hooks';
import { Logger } from '@nestjs/common';
import { SystemClock } from './system-clock.js';

/** How fast a monotonic clock may drift from the database's, at worst (100 ppm): how fast a reading ages. */
const DRIFT = 1e-4;
/** A replica whose own clock is this far off the database's says so once in its log. */
const WARN_OFFSET_MS = 1_000;

/** One reading of the database's clock: its time and how long the round trip that fetched it took. */
export interface ClockReading {
  databaseTime: Date;
  /** The monotonic clock (performance.now()) when the query went out, and when its answer came back. */
  sentAt: number;
  receivedAt: number;
}

/**
 * The database's clock as this process sees it: every replica tells time by PostgreSQL's
 * clock_timestamp(), never by its own clock, so that the times one replica writes (a claim's
 * lease, a retry's due time, a tick) mean the same to every other. Readings come with queries the
 * scheduler makes anyway (each step, on every replica); between them the time runs on the
 * monotonic clock, which the host's clock being set or skewed does not move. A reading is
 * placed at the middle of its round trip, so the estimate is off by at most half the round trip
 * of the reading it rests on (`uncertaintyMs`, well under a millisecond next to the database).
 * Until the first reading (the database not reached yet) it is the host's clock.
 * Timers are the host's: delays are durations, and a host's clock being off does not bend them.
 */
export class DatabaseClock extends SystemClock {
  private readonly logger = new Logger('Clock');
  /** The database's time (ms) when performance.now() was 0; null before the first reading. */
  private base: number | null = null;
  private halfRoundTrip = Infinity;
  private readAt = 0;
  private warned = false;

  /** `monotonic` and `host` are performance.now() and Date.now(), replaced only by tests. */
  constructor(
    private readonly monotonic: () => number = () => performance.now(),
    private readonly host: () => number = () => Date.now(),
  ) {
    super();
  }

  override now(): Date {
    return new Date(this.base === null ? this.host() : this.base + this.monotonic());
  }

  /** The database's clock minus this host's (ms); null before the first reading. */
  get offsetMs(): number | null {
    return this.base === null ? null : this.base + this.monotonic() - this.host();
  }

  /** How far off the estimate may be (ms), the reading's half round trip grown by its age. */
  get uncertaintyMs(): number {
    return this.uncertaintyAt(this.monotonic());
  }

  private uncertaintyAt(monotonicMs: number): number {
    return this.halfRoundTrip + (monotonicMs - this.readAt) * DRIFT;
  }

  /**
   * Takes a reading. It replaces the one the estimate rests on when it is as precise (a round
   * trip no longer than the kept reading's aged uncertainty), or when it contradicts it (the
   * database's clock was set, or the monotonic clock drifted): otherwise the estimate stays put,
   * so that time never wobbles by a round trip from one query to the next.
   */
  observe({ databaseTime, sentAt, receivedAt }: ClockReading): void {
    const half = Math.max(0, receivedAt - sentAt) / 2;
    const base = databaseTime.getTime() - (sentAt + half);
    if (this.base !== null) {
      const kept = this.uncertaintyAt(receivedAt);
      // +1: the database's answer comes in whole milliseconds.
      const agrees = Math.abs(base - this.base) <= half + kept + 1;
      if (agrees && half > kept) return;
    }
    this.base = base;
    this.halfRoundTrip = half;
    this.readAt = receivedAt;
    const offset = this.offsetMs as number;
    if (!this.warned && Math.abs(offset) > WARN_OFFSET_MS) {
      this.warned = true;
      this.logger.warn(
        `this host's clock is ${Math.round(Math.abs(offset))} ms ${offset > 0 ? 'behind' : 'ahead of'} the database's: the dispatcher tells ` +
          `time by the database's clock (cadence, leases, due times), but the host's NTP wants a look`,
      );
    }
  }
}
