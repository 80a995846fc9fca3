import { describe, expect, it } from '@jest/globals';
import { DatabaseClock } from './database-clock.js';

/** A host whose wall clock runs `skewMs` off the database's, and a monotonic clock the test moves. */
function host(skewMs: number) {
  let monotonic = 1_000;
  const databaseAt = (m: number) => Date.parse('2026-12-02T12:00:00.000Z') + (m - 1_000);
  return {
    clock: new DatabaseClock(
      () => monotonic,
      () => databaseAt(monotonic) + skewMs,
    ),
    advance: (ms: number) => (monotonic += ms),
    get monotonic() {
      return monotonic;
    },
    /** The database's true time at a monotonic instant. */
    databaseAt,
    /** A query that takes `roundTripMs`, answered with the database's time at `answeredAfterMs` into it. */
    reading(roundTripMs: number, answeredAfterMs = roundTripMs / 2) {
      const sentAt = monotonic;
      const databaseTime = new Date(databaseAt(sentAt + answeredAfterMs));
      monotonic += roundTripMs;
      return { databaseTime, sentAt, receivedAt: monotonic };
    },
  };
}

describe(DatabaseClock.name, () => {
  it("is the host's clock until the database has been read", () => {
    const h = host(5_000);

    expect(h.clock.offsetMs).toBeNull();
    expect(h.clock.now().getTime()).toBe(h.databaseAt(h.monotonic) + 5_000);
  });

  it("tells the database's time after one reading, whatever the host's clock says, and runs on from it", () => {
    for (const skew of [5_000, -5_000, 3_600_000]) {
      const h = host(skew);
      h.clock.observe(h.reading(4));

      expect(h.clock.now().getTime()).toBe(h.databaseAt(h.monotonic));
      expect(h.clock.offsetMs).toBe(-skew);
      h.advance(90_000);
      expect(h.clock.now().getTime()).toBe(h.databaseAt(h.monotonic));
    }
  });

  it('is off by at most half the round trip of its reading, and says so', () => {
    const h = host(0);
    // The database answered at the very start of a 10 ms round trip: the worst case.
    h.clock.observe(h.reading(10, 0));

    expect(Math.abs(h.clock.now().getTime() - h.databaseAt(h.monotonic))).toBeLessThanOrEqual(5);
    expect(h.clock.uncertaintyMs).toBeCloseTo(5, 5);
  });

  it('keeps the estimate steady through slower readings that agree with it, and takes a more precise one', () => {
    const h = host(0);
    h.clock.observe(h.reading(2, 0));
    const before = h.clock.now().getTime() - h.databaseAt(h.monotonic);

    h.clock.observe(h.reading(40, 35));
    expect(h.clock.now().getTime() - h.databaseAt(h.monotonic)).toBe(before);

    h.clock.observe(h.reading(0.5, 0.25));
    // A Date holds whole milliseconds.
    expect(Math.abs(h.clock.now().getTime() - h.databaseAt(h.monotonic))).toBeLessThan(1);
    expect(h.clock.uncertaintyMs).toBeCloseTo(0.25, 5);
  });

  it("follows the database's clock when it is set, even by a slower reading", () => {
    const h = host(0);
    h.clock.observe(h.reading(1));
    const { sentAt, receivedAt, databaseTime } = h.reading(30);

    h.clock.observe({ sentAt, receivedAt, databaseTime: new Date(databaseTime.getTime() + 2_000) });

    expect(h.clock.now().getTime()).toBe(h.databaseAt(h.monotonic) + 2_000);
  });

  it('runs its timers on the host, a delay being a duration', async () => {
    const h = host(-5_000);
    h.clock.observe(h.reading(1));

    const fired = await new Promise<boolean>((resolve) => h.clock.setTimer(5, () => resolve(true)));

    expect(fired).toBe(true);
  });
});
