import { beforeEach, describe, expect, it } from '@jest/globals';
import { FakeClock } from '@test/support/fake-clock.js';
import { type Deferred, deferred, settle } from '@test/support/fakes.js';
import { Ticker } from './ticker.js';

const T0 = new Date('2026-11-22T10:00:00.000Z');
const INTERVAL_MS = 60_000;
const seconds = (s: number) => new Date(T0.getTime() + s * 1_000);

/** The task the ticker runs: records when each run started, and can hold runs open or fail them. */
class TaskProbe {
  /** Start of each run, in seconds since T0. */
  readonly starts: number[] = [];
  maxConcurrent = 0;
  holdRuns = false;
  private concurrent = 0;
  private readonly held: Deferred<void>[] = [];
  private readonly failures: unknown[] = [];

  constructor(private readonly clock: FakeClock) {}

  /** Delays the next runs ask for, one per run (none: the ticker's own interval). */
  readonly delays: number[] = [];

  readonly run = async (): Promise<number | void> => {
    this.starts.push((this.clock.now().getTime() - T0.getTime()) / 1_000);
    this.concurrent += 1;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
    try {
      if (this.failures.length > 0) throw this.failures.shift();
      if (this.holdRuns) {
        const run = deferred();
        this.held.push(run);
        await run.promise;
      }
      return this.delays.shift();
    } finally {
      this.concurrent -= 1;
    }
  };

  failNextRun(error: unknown): void {
    this.failures.push(error);
  }

  /** Ends the oldest held run and lets the ticker react to it. */
  async finishRun(): Promise<void> {
    const run = this.held.shift();
    if (!run) throw new Error('no run is being held');
    run.resolve();
    await settle();
  }
}

describe(Ticker.name, () => {
  let clock: FakeClock;
  let task: TaskProbe;
  let errors: unknown[];
  let sut: Ticker;

  beforeEach(() => {
    clock = new FakeClock(T0);
    task = new TaskProbe(clock);
    errors = [];
    sut = new Ticker(clock, INTERVAL_MS, task.run, (error) => errors.push(error));
  });

  it('runs the task at once when started, then every interval', async () => {
    sut.start();
    expect(sut.running).toBe(true);
    expect(sut.nextTickAt).toEqual(T0);

    await clock.advance(0);
    expect(task.starts).toEqual([0]);
    expect(sut.lastTickAt).toEqual(T0);
    expect(sut.nextTickAt).toEqual(seconds(60));

    await clock.advance(3 * INTERVAL_MS);
    expect(task.starts).toEqual([0, 60, 120, 180]);
  });

  it('keeps a start-to-start cadence when a run takes part of the interval', async () => {
    task.holdRuns = true;
    sut.start();
    await clock.advance(0);

    await clock.advance(20_000);
    expect(sut.tickInProgress).toBe(true);
    expect(sut.nextTickAt).toBeNull();
    await task.finishRun();
    expect(sut.tickInProgress).toBe(false);
    expect(sut.nextTickAt).toEqual(seconds(60));

    await clock.advance(39_999);
    expect(task.starts).toEqual([0]);
    await clock.advance(1);
    expect(task.starts).toEqual([0, 60]);
  });

  it('never overlaps runs: one longer than the interval delays the next, which starts as soon as it ends', async () => {
    task.holdRuns = true;
    sut.start();
    await clock.advance(0);

    await clock.advance(90_000);
    expect(task.starts).toEqual([0]);
    expect(sut.tickInProgress).toBe(true);

    await task.finishRun();
    await clock.advance(0);
    expect(task.starts).toEqual([0, 90]);

    await task.finishRun();
    await clock.advance(INTERVAL_MS);
    expect(task.starts).toEqual([0, 90, 150]);
    expect(task.maxConcurrent).toBe(1);
  });

  it('resolves stop() only once the run in flight has ended, and starts no run afterwards', async () => {
    task.holdRuns = true;
    sut.start();
    await clock.advance(0);

    let stopped = false;
    const stopping = sut.stop().then(() => {
      stopped = true;
    });
    await settle();
    expect(stopped).toBe(false);
    expect(sut.running).toBe(false);
    expect(sut.tickInProgress).toBe(true);

    await task.finishRun();
    await stopping;
    expect(stopped).toBe(true);
    expect(sut.tickInProgress).toBe(false);
    expect(sut.nextTickAt).toBeNull();

    await clock.advance(10 * INTERVAL_MS);
    expect(task.starts).toEqual([0]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('never runs when stopped before the first run, and stop() is idempotent', async () => {
    sut.start();
    await sut.stop();
    await sut.stop();

    await clock.advance(10 * INTERVAL_MS);
    expect(task.starts).toEqual([]);
    expect(sut.running).toBe(false);
  });

  it('runs one loop when start() is called twice', async () => {
    sut.start();
    sut.start();

    await clock.advance(0);
    await clock.advance(3 * INTERVAL_MS);
    expect(task.starts).toEqual([0, 60, 120, 180]);
  });

  it('runs one loop, without overlap, when restarted while a stopped run is still in flight', async () => {
    task.holdRuns = true;
    sut.start();
    await clock.advance(0);
    const stopping = sut.stop();
    await clock.advance(10_000);

    sut.start();
    sut.start();
    expect(sut.running).toBe(true);
    await clock.advance(0);
    expect(task.starts).toEqual([0]);

    await clock.advance(20_000);
    task.holdRuns = false;
    await task.finishRun();
    await stopping;
    await clock.advance(10 * INTERVAL_MS);

    // Ten minutes after the first run ended, at one run per interval: ten more runs, no more.
    expect(task.starts).toHaveLength(11);
    expect(task.starts[1]).toBeGreaterThanOrEqual(30);
    expect(task.starts[1]).toBeLessThanOrEqual(60);
    const gaps = task.starts.slice(2).map((s, i) => s - task.starts[i + 1]);
    expect(new Set(gaps)).toEqual(new Set([60]));
    expect(task.maxConcurrent).toBe(1);
  });

  it('reports a run that fails and keeps the loop going', async () => {
    const failure = new Error('database unreachable');
    task.failNextRun(failure);
    sut.start();

    await clock.advance(0);
    expect(errors).toEqual([failure]);
    expect(sut.running).toBe(true);
    expect(sut.nextTickAt).toEqual(seconds(60));

    await clock.advance(INTERVAL_MS);
    expect(task.starts).toEqual([0, 60]);
    expect(errors).toHaveLength(1);
  });

  it('starts the next run after the delay a run asks for, instead of the interval', async () => {
    task.delays.push(15_000, 0);
    sut.start();

    await clock.advance(0);
    expect(sut.nextTickAt).toEqual(seconds(15));
    await clock.advance(15_000);
    expect(task.starts).toEqual([0, 15, 15]);
    await clock.advance(INTERVAL_MS);
    expect(task.starts).toEqual([0, 15, 15, 75]);
  });

  describe('kick', () => {
    it('runs the task at once instead of at its time, and goes on at the usual cadence from there', async () => {
      sut.start();
      await clock.advance(20_000);

      sut.kick();
      await clock.advance(0);

      expect(task.starts).toEqual([0, 20]);
      expect(sut.nextTickAt).toEqual(seconds(80));
      await clock.advance(INTERVAL_MS);
      expect(task.starts).toEqual([0, 20, 80]);
    });

    it('runs once more right after the run in flight, never alongside it', async () => {
      task.holdRuns = true;
      sut.start();
      await clock.advance(0);

      sut.kick();
      sut.kick();
      await clock.advance(5_000);
      expect(task.starts).toEqual([0]);
      await task.finishRun();
      await clock.advance(0);

      expect(task.starts).toEqual([0, 5]);
      expect(task.maxConcurrent).toBe(1);
      task.holdRuns = false;
      await task.finishRun();
    });

    it('does nothing while the ticker is stopped', async () => {
      sut.kick();
      await clock.advance(10 * INTERVAL_MS);

      expect(task.starts).toEqual([]);
      expect(clock.pendingTimers).toBe(0);
    });
  });

  it('resolves idle() once the run in flight has ended, and keeps the loop going', async () => {
    task.holdRuns = true;
    sut.start();
    await clock.advance(0);
    let idle = false;
    const waiting = sut.idle().then(() => (idle = true));

    await settle();
    expect(idle).toBe(false);
    task.holdRuns = false;
    await task.finishRun();
    await waiting;

    expect(sut.running).toBe(true);
    expect(sut.nextTickAt).toEqual(seconds(60));
    await expect(sut.idle()).resolves.toBeUndefined();
  });
});
