import { describe, expect, it } from '@jest/globals';
import { FakeClock } from '@test/support/fake-clock.js';
import { dispatchSettings } from '@test/support/fakes.js';
import { SendPacer } from './send-pacer.js';

const INTERVAL = 1_000;

const pacerOf = (batchSize: number) => {
  const clock = new FakeClock();
  return { clock, pacer: new SendPacer(dispatchSettings({ batchSize, intervalMs: INTERVAL }), clock) };
};

/** Starts `n` requests now and answers them after `latencyMs`. */
async function send(clock: FakeClock, pacer: SendPacer, n: number, latencyMs: number): Promise<void> {
  pacer.reserve(n);
  await clock.advance(latencyMs);
  for (let i = 0; i < n; i += 1) pacer.answer();
}

describe(SendPacer.name, () => {
  it('has room for a whole batch when nothing was sent', () => {
    const { pacer } = pacerOf(3);

    expect(pacer.room()).toBe(3);
    expect(pacer.waitMs(3)).toBe(0);
  });

  it('counts requests in flight, and has no wait to offer while they alone fill the batch', () => {
    const { pacer } = pacerOf(3);
    pacer.reserve(2);

    expect(pacer.room()).toBe(1);
    expect(pacer.waitMs(1)).toBe(0);
    expect(pacer.waitMs(2)).toBeNull();
  });

  it('counts an answer for one interval after it came back, not after its request started', async () => {
    const { clock, pacer } = pacerOf(2);
    await send(clock, pacer, 2, 300);

    expect(pacer.room()).toBe(0);
    expect(pacer.waitMs(1)).toBe(INTERVAL);
    await clock.advance(INTERVAL - 1);
    expect(pacer.room()).toBe(0);
    expect(pacer.waitMs(1)).toBe(1);
    await clock.advance(1);
    expect(pacer.room()).toBe(2);
  });

  it('frees the window one answer at a time, oldest first', async () => {
    const { clock, pacer } = pacerOf(3);
    await send(clock, pacer, 1, 100); // answered at 100
    await send(clock, pacer, 1, 50); // at 150
    await send(clock, pacer, 1, 200); // at 350

    expect(pacer.waitMs(1)).toBe(100 + INTERVAL - 350);
    expect(pacer.waitMs(2)).toBe(150 + INTERVAL - 350);
    expect(pacer.waitMs(3)).toBe(350 + INTERVAL - 350);
    await clock.advance(100 + INTERVAL - 350);
    expect(pacer.room()).toBe(1);
  });

  it('lets requests that never started go without counting them', () => {
    const { pacer } = pacerOf(2);
    pacer.reserve(2);
    pacer.cancel(1);

    expect(pacer.room()).toBe(1);
    pacer.cancel(5);
    expect(pacer.room()).toBe(2);
  });

  it("starts a new leader from the cluster's requests: recorded answers as they came, unrecorded ones as answered now", async () => {
    const { clock, pacer } = pacerOf(3);
    await send(clock, pacer, 2, 10); // its own, from an earlier time as leader: the database has them too
    await clock.advance(5_000);
    const now = clock.now().getTime();

    pacer.seed([new Date(now - 400), new Date(now - 2_000)], 1);

    // The answer 2 s ago has left the window; the one 400 ms ago leaves first, the one in flight at the takeover a full interval from now.
    expect(pacer.room()).toBe(1);
    expect(pacer.waitMs(2)).toBe(INTERVAL - 400);
    expect(pacer.waitMs(3)).toBe(INTERVAL);
  });

  /**
   * The promise, checked on a simulated gateway: requests whose time from start to arrival varies
   * (a slow first tick after boot, then quick ones) never put more than a batch into any window of
   * one interval at the gateway, when each starts only as the pacer has room.
   */
  it('keeps any window of one interval at the gateway to a batch, whatever each request takes to arrive', async () => {
    const { clock, pacer } = pacerOf(2);
    const arrivals: number[] = [];
    const start = clock.now().getTime();
    // Per tick: the time from the tick to each request's arrival, and on to its answer.
    const ticks = [
      [400, 450],
      [5, 20],
      [300, 320],
      [1, 2],
      [1, 2],
    ];
    for (const [n, [toArrival, toAnswer]] of ticks.entries()) {
      const tickAt = start + n * INTERVAL;
      await clock.advance(Math.max(0, tickAt - clock.now().getTime()));
      for (let sent = 0; sent < 2;) {
        const wait = pacer.waitMs(1);
        if (wait === null) throw new Error('nothing in flight between requests here');
        await clock.advance(wait);
        pacer.reserve(1);
        await clock.advance(toArrival);
        arrivals.push(clock.now().getTime());
        await clock.advance(toAnswer - toArrival);
        pacer.answer();
        sent += 1;
      }
    }

    const busiest = Math.max(...arrivals.map((a) => arrivals.filter((b) => b >= a && b < a + INTERVAL).length));
    expect(busiest).toBe(2);
    // Unpaced, tick 1's requests (at 400 and 850) and tick 2's (at 1,005 and 1,025) would have
    // put all four into one interval.
    expect(arrivals[2] - arrivals[0]).toBeGreaterThanOrEqual(INTERVAL);
  });
});
