import { beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { type DeliveryOutcome, type SendStep } from '@app/domain';
import { FakeClock } from '@test/support/fake-clock.js';
import { deferred, FakeMessageRepository, FakeSentMessageCache, gatewayResult, settle } from '@test/support/fakes.js';
import { RetryPolicy } from '@app/domain';
import { OutcomeWriter } from './outcome-writer.js';

const T0 = new Date('2026-11-22T10:00:00.000Z');
const POLICY = new RetryPolicy({ baseMs: 1_000, maxMs: 10_000, maxAttempts: 5 });

/** Keeps every statement; a statement can be held open to see what queues behind it. */
class StepRepository extends FakeMessageRepository {
  readonly steps: SendStep[] = [];
  hold: Promise<void> | null = null;

  override async recordAndStart(step: SendStep): Promise<string[]> {
    this.steps.push(step);
    if (this.hold) await this.hold;
    return super.recordAndStart(step);
  }
}

describe(OutcomeWriter.name, () => {
  let clock: FakeClock;
  let messages: StepRepository;
  let cache: FakeSentMessageCache;
  let sut: OutcomeWriter;

  /** Claims a fresh message and applies an accepted answer to it. */
  const delivered = async (): Promise<DeliveryOutcome> => {
    messages.seed();
    const [message] = await messages.claimBatch(1, clock.now(), { owner: 'test', leaseMs: 60_000 });
    const attempt = message.applyDelivery(gatewayResult.accepted(), POLICY, clock.now());
    return { message, attempt };
  };

  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  beforeEach(() => {
    clock = new FakeClock(T0);
    messages = new StepRepository(clock);
    cache = new FakeSentMessageCache();
    sut = new OutcomeWriter(messages, cache, clock, { maxOutcomes: 3, maxDelayMs: 25 });
  });

  it('writes nothing until N outcomes are waiting or M ms have passed', async () => {
    sut.add(await delivered());
    sut.add(await delivered());
    await settle();
    expect(messages.steps).toHaveLength(0);

    await clock.advance(25);
    expect(messages.steps.map((s) => s.outcomes.length)).toEqual([2]);

    for (let i = 0; i < 3; i += 1) sut.add(await delivered());
    await settle();
    expect(messages.steps.map((s) => s.outcomes.length)).toEqual([2, 3]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('sends what is buffered with the next group start, in the same statement', async () => {
    const done = await delivered();
    sut.add(done);
    messages.seed();
    const [next] = await messages.claimBatch(1, clock.now(), { owner: 'test', leaseMs: 60_000 });

    const started = await sut.start([{ id: next.id, claimToken: next.claimToken as string }], clock.now(), new Date(T0.getTime() + 60_000));

    expect(started).toEqual([next.id]);
    expect(messages.steps).toEqual([expect.objectContaining({ outcomes: [done], start: [{ id: next.id, claimToken: next.claimToken }] })]);
    expect(messages.get(done.message.id).status).toBe('sent');
    expect(clock.pendingTimers).toBe(0);
  });

  it('writes one statement at a time; what arrives meanwhile goes with the next one', async () => {
    const gate = deferred();
    messages.hold = gate.promise;
    sut.add(await delivered());
    await clock.advance(25);
    expect(messages.steps).toHaveLength(1);

    sut.add(await delivered());
    sut.add(await delivered());
    const closing = sut.close();
    await settle();
    expect(messages.steps).toHaveLength(1);

    messages.hold = null;
    gate.resolve();
    await closing;
    expect(messages.steps.map((s) => s.outcomes.length)).toEqual([1, 2]);
  });

  it('caches the receipts of a write in one call, after it is recorded', async () => {
    for (let i = 0; i < 3; i += 1) sut.add(await delivered());
    await sut.close();

    expect(cache.batches).toEqual([3]);
  });

  it('keeps the outcomes of a write that keeps failing, and fails close()', async () => {
    const failing = new (class extends StepRepository {
      override async recordAndStart(): Promise<string[]> {
        throw new Error('database is down');
      }
    })(clock);
    sut = new OutcomeWriter(failing, cache, clock, { maxOutcomes: 3, maxDelayMs: 25 });
    sut.add(await delivered());

    const closing = sut.close();
    const failed = expect(closing).rejects.toThrow('database is down');
    for (let i = 0; i < 4; i += 1) {
      await settle();
      await clock.advance(1_000);
    }
    await failed;
    expect(cache.batches).toEqual([]);
  });
});
