import { beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { LEASE_LOST, type SendStep } from '@app/domain';
import { FakeClock } from '@test/support/fake-clock.js';
import {
  dispatchSettings,
  FakeMessageGateway,
  FakeMessageRepository,
  FakeSentMessageCache,
  gatewayResult,
  tickReport,
  settle,
  SoloLeadership,
} from '@test/support/fakes.js';
import type { DispatchSettings } from '../dispatch-settings.js';
import { CircuitBreakerGateway } from './circuit-breaker-gateway.js';
import { DispatchBatch } from './dispatch-batch.use-case.js';
import { SendPacer } from './send-pacer.js';
import type { TickReport } from './tick-report.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const at = (ms: number) => new Date(NOW.getTime() + ms);
const LEASE_MS = 60_000;

function settingsWith(overrides: Partial<DispatchSettings> = {}): DispatchSettings {
  return dispatchSettings({ concurrency: 2, leaseMs: LEASE_MS, ...overrides });
}

const emptyReport = (overrides: Partial<TickReport> = {}): TickReport => tickReport(NOW, overrides);

/** The retry time of a message is drawn with full jitter: somewhere in [from, from + ceilingMs]. */
const within = (from: Date, ceilingMs: number) => ({
  asymmetricMatch: (actual: unknown) => actual instanceof Date && actual.getTime() >= from.getTime() && actual.getTime() <= from.getTime() + ceilingMs,
  toString: () => `a Date within ${ceilingMs} ms after ${from.toISOString()}`,
});

/**
 * The fake repository, keeping every pipeline statement it was given and checking, at each one,
 * the promise of the pipeline: rows whose request started and whose outcome is not recorded are
 * never more than the concurrency.
 */
class ObservedRepository extends FakeMessageRepository {
  readonly steps: SendStep[] = [];
  mostInDoubt = 0;
  private failures: unknown[] = [];

  failNextWriteWith(error: unknown): void {
    this.failures.push(error);
  }

  override async recordAndStart(step: SendStep): Promise<string[]> {
    if (this.failures.length > 0) throw this.failures.shift();
    this.steps.push(step);
    const started = await super.recordAndStart(step);
    const inDoubt = this.all().filter((m) => m.status === 'sending' && m.requestStartedAt !== null).length;
    this.mostInDoubt = Math.max(this.mostInDoubt, inDoubt);
    return started;
  }
}

describe(DispatchBatch.name, () => {
  let clock: FakeClock;
  let messages: ObservedRepository;
  let gateway: FakeMessageGateway;
  let breaker: CircuitBreakerGateway;
  let cache: FakeSentMessageCache;
  let leadership: SoloLeadership;
  let sut: DispatchBatch;

  const build = (overrides: Partial<DispatchSettings> = {}) => {
    const settings = settingsWith(overrides);
    breaker = new CircuitBreakerGateway(gateway, settings.breaker, clock);
    sut = new DispatchBatch(messages, breaker, cache, clock, leadership, settings, new SendPacer(settings, clock));
  };

  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  beforeEach(() => {
    clock = new FakeClock(NOW);
    messages = new ObservedRepository(clock);
    gateway = new FakeMessageGateway();
    cache = new FakeSentMessageCache();
    leadership = new SoloLeadership();
    build();
  });

  it('claims at most batchSize due messages, oldest first, and leaves the rest pending', async () => {
    const [first, second, third] = [
      messages.seed({ phoneNumber: '+905551111111', content: 'first' }),
      messages.seed({ phoneNumber: '+905552222222', content: 'second' }),
      messages.seed({ phoneNumber: '+905553333333', content: 'third' }),
    ];

    const { report } = await sut.execute();

    expect(gateway.received).toEqual([
      { to: '+905551111111', content: 'first', idempotencyKey: first.id },
      { to: '+905552222222', content: 'second', idempotencyKey: second.id },
    ]);
    expect(messages.all().map((m) => m.status)).toEqual(['sent', 'sent', 'pending']);
    expect(messages.get(third.id).attemptCount).toBe(0);
    expect(report.claimed).toBe(2);
  });

  it('does not claim messages that are not due yet', async () => {
    messages.seed({ nextAttemptAt: at(1) });
    messages.seed({ sendAfter: at(1) });
    const due = messages.seed({ nextAttemptAt: NOW, attemptCount: 1 });
    const dueBySendAfter = messages.seed({ sendAfter: NOW });

    await sut.execute();

    expect(gateway.received.map((s) => s.idempotencyKey)).toEqual([due.id, dueBySendAfter.id]);
  });

  it('never claims a message whose deadline has passed', async () => {
    const overdue = messages.seed({ expiresAt: NOW });

    const { report } = await sut.execute();

    expect(gateway.received).toEqual([]);
    expect(report.claimed).toBe(0);
    expect(messages.get(overdue.id).status).toBe('pending');
  });

  it('records every outcome: sent, pending for a retry, failed, and unknown', async () => {
    build({ batchSize: 4, concurrency: 4 });
    const [accepted, retryable, rejected, unknown] = [messages.seed(), messages.seed(), messages.seed(), messages.seed()];
    gateway.answer(
      gatewayResult.accepted('gw-accepted'),
      gatewayResult.retryable(429, 30_000),
      gatewayResult.rejected(400, 'gateway answered 400: invalid recipient'),
      gatewayResult.unknown('no answer from the gateway in time (timeout of 10000ms exceeded)'),
    );

    const { report } = await sut.execute();

    expect(messages.get(accepted.id)).toMatchObject({ status: 'sent', gatewayMessageId: 'gw-accepted', sentAt: NOW, attemptCount: 1, failureReason: null });
    expect(messages.get(retryable.id)).toMatchObject({
      status: 'pending',
      attemptCount: 1,
      nextAttemptAt: at(30_000),
      failureReason: 'gateway answered 429',
    });
    expect(messages.get(rejected.id)).toMatchObject({
      status: 'failed',
      attemptCount: 1,
      failureReason: 'gateway answered 400: invalid recipient',
      nextAttemptAt: null,
    });
    expect(messages.get(unknown.id)).toMatchObject({
      status: 'unknown',
      attemptCount: 1,
      failureReason: 'outcome unknown: no answer from the gateway in time (timeout of 10000ms exceeded)',
      nextAttemptAt: null,
    });
    expect(messages.attempts.map((a) => [a.messageId, a.attemptNo, a.outcome, a.statusCode])).toEqual([
      [accepted.id, 1, 'accepted', 202],
      [retryable.id, 1, 'retryable', 429],
      [rejected.id, 1, 'rejected', 400],
      [unknown.id, 1, 'unknown', null],
    ]);
    expect(report).toEqual(emptyReport({ claimed: 4, sent: 1, retried: 1, failed: 1, unknown: 1 }));
  });

  it('backs off with jitter within the exponential ceiling and fails once the attempts are used up', async () => {
    const third = messages.seed({ attemptCount: 2 });
    const last = messages.seed({ attemptCount: 4 });
    gateway.answer(gatewayResult.retryable(503), gatewayResult.retryable(503));

    const { report } = await sut.execute();

    expect(messages.get(third.id)).toMatchObject({ status: 'pending', attemptCount: 3, nextAttemptAt: within(NOW, 4_000) });
    expect(messages.get(last.id)).toMatchObject({ status: 'failed', attemptCount: 5, failureReason: 'gave up after 5 attempts: gateway answered 503' });
    expect(report).toMatchObject({ claimed: 2, sent: 0, retried: 1, failed: 1 });
  });

  it('fails invalid rows without sending them and fills the batch with the next valid rows', async () => {
    const badPhone = messages.seed({ phoneNumber: '0555 111 11 11' });
    const tooLong = messages.seed({ content: 'x'.repeat(161) });
    const valid1 = messages.seed({ content: 'one' });
    const alsoBad = messages.seed({ content: '' });
    const valid2 = messages.seed({ content: 'two' });
    const untouched = messages.seed({ content: 'three' });

    const { report } = await sut.execute();

    expect(gateway.received.map((s) => s.idempotencyKey)).toEqual([valid1.id, valid2.id]);
    expect(messages.get(badPhone.id)).toMatchObject({
      status: 'failed',
      attemptCount: 0,
      failureReason: expect.stringMatching(/^invalid message: phoneNumber must be in E\.164/),
    });
    expect(messages.get(tooLong.id)).toMatchObject({
      status: 'failed',
      attemptCount: 0,
      failureReason: 'invalid message: content must be at most 160 characters (got 161)',
    });
    expect(messages.get(alsoBad.id)).toMatchObject({ status: 'failed', failureReason: 'invalid message: content must not be empty' });
    expect(messages.get(valid1.id).status).toBe('sent');
    expect(messages.get(valid2.id).status).toBe('sent');
    expect(messages.get(untouched.id).status).toBe('pending');
    expect(messages.attempts.map((a) => a.messageId)).toEqual([valid1.id, valid2.id]);
    expect(report).toMatchObject({ claimed: 5, invalid: 3, sent: 2, retried: 0, failed: 0 });
  });

  it('applies the configured maximum content length to stored rows', async () => {
    build({ maxContentLength: 5 });
    const long = messages.seed({ content: 'sixsix' });

    const { report } = await sut.execute();

    expect(gateway.received).toEqual([]);
    expect(messages.get(long.id).failureReason).toBe('invalid message: content must be at most 5 characters (got 6)');
    expect(report).toMatchObject({ claimed: 1, invalid: 1, sent: 0 });
  });

  it('sends nothing and reports zeros when nothing is due', async () => {
    messages.seed({ status: 'sent', gatewayMessageId: 'gw-0', sentAt: NOW, attemptCount: 1 });
    messages.seed({ status: 'failed' });
    messages.seed({ status: 'unknown' });
    messages.seed({ status: 'expired' });

    const { report } = await sut.execute();

    expect(gateway.received).toEqual([]);
    expect(messages.attempts).toEqual([]);
    expect(report).toEqual(emptyReport());
  });

  it('caches a receipt for each sent message only', async () => {
    build({ batchSize: 3, concurrency: 3 });
    const [sent, retried, failed] = [messages.seed(), messages.seed(), messages.seed()];
    gateway.answer(gatewayResult.accepted('gw-1'), gatewayResult.retryable(), gatewayResult.rejected());

    await sut.execute();

    expect(cache.puts).toEqual([{ id: sent.id, receipt: { messageId: 'gw-1', sentAt: NOW } }]);
    await expect(cache.get(retried.id)).resolves.toBeNull();
    await expect(cache.get(failed.id)).resolves.toBeNull();
  });

  it('records the outcomes and returns its report when the cache rejects (a cache failure never fails the tick)', async () => {
    const message = messages.seed();
    gateway.answer(gatewayResult.accepted('gw-1'));
    cache.rejectPutsWith(new Error('redis down'));

    await expect(sut.execute()).resolves.toMatchObject({ report: { claimed: 1, sent: 1 } });

    expect(messages.get(message.id)).toMatchObject({ status: 'sent', gatewayMessageId: 'gw-1' });
    expect(messages.attempts).toHaveLength(1);
    expect(cache.puts).toHaveLength(1);
  });

  it('marks a message unknown when the gateway client throws, and sends the others', async () => {
    const [broken, fine] = [messages.seed(), messages.seed()];
    gateway.throwOnNext(new Error('socket hang up')).answer(gatewayResult.accepted('gw-2'));

    const { report } = await sut.execute();

    expect(messages.get(broken.id)).toMatchObject({
      status: 'unknown',
      attemptCount: 1,
      failureReason: 'outcome unknown: gateway client error: socket hang up',
    });
    expect(messages.attempts[0]).toMatchObject({ messageId: broken.id, outcome: 'unknown', statusCode: null });
    expect(messages.get(fine.id).status).toBe('sent');
    expect(report).toMatchObject({ claimed: 2, sent: 1, unknown: 1, failed: 0, retried: 0 });
  });

  it('marks the batch sending before any call returns, sends up to DISPATCH_CONCURRENCY at once, and times the tick', async () => {
    const [a, b] = [messages.seed(), messages.seed()];
    const first = gateway.holdNext();
    const second = gateway.holdNext();

    const running = sut.execute();
    await settle();

    expect(gateway.received).toHaveLength(2);
    expect(messages.all().map((m) => m.status)).toEqual(['sending', 'sending']);
    await clock.advance(1_500);
    first.resolve(gatewayResult.accepted('gw-a'));
    second.resolve(gatewayResult.retryable(500));
    const { report } = await running;

    const finished = at(1_500);
    expect(messages.get(a.id)).toMatchObject({ status: 'sent', sentAt: finished });
    expect(messages.get(b.id)).toMatchObject({ status: 'pending', nextAttemptAt: within(finished, 1_000) });
    expect(report).toEqual(emptyReport({ durationMs: 1_500, claimed: 2, sent: 1, retried: 1 }));
    expect(gateway.maxInFlight).toBe(2);
  });

  describe('send order', () => {
    it('with concurrency 1, sends one at a time in claim order', async () => {
      build({ batchSize: 3, concurrency: 1 });
      const seeded = [messages.seed(), messages.seed(), messages.seed()];
      const held = [gateway.holdNext(), gateway.holdNext(), gateway.holdNext()];

      const running = sut.execute();
      for (let i = 0; i < 3; i += 1) {
        await settle();
        expect(gateway.received.map((s) => s.idempotencyKey)).toEqual(seeded.slice(0, i + 1).map((m) => m.id));
        held[i].resolve(gatewayResult.accepted(`gw-${i}`));
      }
      const { report } = await running;

      expect(gateway.maxInFlight).toBe(1);
      expect(report).toMatchObject({ claimed: 3, sent: 3 });
      expect(messages.all().map((m) => m.gatewayMessageId)).toEqual(['gw-0', 'gw-1', 'gw-2']);
    });

    it('with concurrency 2, keeps two calls in flight and starts the next as soon as one answers', async () => {
      build({ batchSize: 3, concurrency: 2 });
      const seeded = [messages.seed(), messages.seed(), messages.seed()];
      const held = [gateway.holdNext(), gateway.holdNext(), gateway.holdNext()];

      const running = sut.execute();
      await settle();
      expect(gateway.received.map((s) => s.idempotencyKey)).toEqual([seeded[0].id, seeded[1].id]);

      held[1].resolve(gatewayResult.accepted());
      await settle();
      expect(gateway.received.map((s) => s.idempotencyKey)).toEqual(seeded.map((m) => m.id));

      held[0].resolve(gatewayResult.accepted());
      held[2].resolve(gatewayResult.accepted());
      await expect(running).resolves.toMatchObject({ report: { claimed: 3, sent: 3 } });
      expect(gateway.maxInFlight).toBe(2);
    });
  });

  describe("the gateway's window", () => {
    it('starts a request only when the one a batch earlier was answered at least one interval ago', async () => {
      build({ batchSize: 2, concurrency: 1, intervalMs: 10_000 });
      const seeded = Array.from({ length: 4 }, () => messages.seed());
      const held = Array.from({ length: 4 }, () => gateway.holdNext());
      // Tick 1: its first answer comes 3 s late, the second at once.
      const first = sut.execute();
      await settle();
      await clock.advance(3_000);
      held[0].resolve(gatewayResult.accepted());
      await settle();
      held[1].resolve(gatewayResult.accepted());
      await first;
      expect(gateway.received).toHaveLength(2);

      // Tick 2, one interval after tick 1 began: the window still holds tick 1's first answer for 3 s.
      await clock.advance(7_000);
      const second = sut.execute();
      await settle();
      expect(gateway.received).toHaveLength(2);
      await clock.advance(2_999);
      expect(gateway.received).toHaveLength(2);
      await clock.advance(1);
      expect(gateway.received.map((s) => s.idempotencyKey)).toEqual(seeded.slice(0, 3).map((m) => m.id));
      held[2].resolve(gatewayResult.accepted());
      await settle();
      // Tick 1's second answer (at 3 s) has left the window too: the last request goes at once.
      expect(gateway.received).toHaveLength(4);
      held[3].resolve(gatewayResult.accepted());

      await expect(second).resolves.toMatchObject({ report: { claimed: 2, sent: 2, released: 0 } });
    });

    it('hands back the rows still waiting for the window when the batch is stopped', async () => {
      build({ batchSize: 2, concurrency: 2, intervalMs: 10_000 });
      const seeded = Array.from({ length: 4 }, () => messages.seed());
      await sut.execute();
      await clock.advance(5_000);
      const stop = new AbortController();

      const running = sut.execute({ signal: stop.signal });
      await settle();
      stop.abort();

      await expect(running).resolves.toMatchObject({ report: { claimed: 2, sent: 0, released: 2 } });
      expect(gateway.received).toHaveLength(2);
      expect(seeded.slice(2).map((m) => messages.get(m.id))).toEqual(
        seeded.slice(2).map(() => expect.objectContaining({ status: 'pending', attemptCount: 0, claimToken: null })),
      );
    });
  });

  describe('deadlines and claims', () => {
    it('does not send a message whose deadline passed while it waited its turn, and marks it expired', async () => {
      build({ concurrency: 1 });
      const first = messages.seed();
      const late = messages.seed({ expiresAt: at(1_000) });
      const held = gateway.holdNext();

      const running = sut.execute();
      await settle();
      await clock.advance(1_000);
      held.resolve(gatewayResult.accepted('gw-1'));
      const { report } = await running;

      expect(gateway.received.map((s) => s.idempotencyKey)).toEqual([first.id]);
      expect(messages.get(late.id)).toMatchObject({ status: 'expired', attemptCount: 0, failureReason: 'expired before it could be sent' });
      expect(messages.attempts.map((a) => a.messageId)).toEqual([first.id]);
      expect(report).toMatchObject({ claimed: 2, sent: 1, expired: 1, failed: 0 });
    });

    it('extends the lease right before each send', async () => {
      build({ concurrency: 1 });
      const [, second] = [messages.seed(), messages.seed()];
      const held = gateway.holdNext();
      const secondHeld = gateway.holdNext();

      const running = sut.execute();
      await settle();
      await clock.advance(4_000);
      held.resolve(gatewayResult.accepted());
      await settle();

      expect(messages.leases.get(second.id)).toEqual(at(4_000 + LEASE_MS));
      secondHeld.resolve(gatewayResult.accepted());
      await running;
    });

    it('drops a message whose claim was lost before its turn (lease ran out: pending again), and lets the late answer of the other settle it', async () => {
      build({ concurrency: 1, leaseMs: 5_000 });
      const [slow, waiting] = [messages.seed(), messages.seed()];
      const held = gateway.holdNext();

      const running = sut.execute();
      await settle();
      await clock.advance(6_000);
      // The sweep parks the one whose request started, and queues again the one that never started.
      await expect(messages.releaseAbandonedClaims(clock.now(), 'hold')).resolves.toEqual({ requeued: 1, inDoubt: 1 });
      expect(messages.get(slow.id)).toMatchObject({ status: 'unknown', failureReason: LEASE_LOST });
      held.resolve(gatewayResult.accepted('gw-late'));
      const { report } = await running;

      expect(gateway.received.map((s) => s.idempotencyKey)).toEqual([slow.id]);
      expect(messages.get(slow.id)).toMatchObject({ status: 'sent', gatewayMessageId: 'gw-late' });
      expect(messages.get(waiting.id)).toMatchObject({ status: 'pending', claimToken: null, attemptCount: 0 });
      expect(report).toMatchObject({ claimed: 2, sent: 1, dropped: 1, unknown: 0, failed: 0 });
    });

    it('drops a message another sender took over (resend policy), without sending it twice', async () => {
      build({ concurrency: 1, leaseMs: 5_000 });
      const [, waiting] = [messages.seed(), messages.seed()];
      const held = gateway.holdNext();

      const running = sut.execute();
      await settle();
      await clock.advance(6_000);
      await messages.releaseAbandonedClaims(clock.now(), 'resend');
      held.resolve(gatewayResult.accepted());
      const { report } = await running;

      expect(gateway.received).toHaveLength(1);
      expect(messages.get(waiting.id)).toMatchObject({ status: 'pending', claimToken: null });
      expect(report.dropped).toBe(1);
    });
  });

  describe('in-doubt policy', () => {
    it('holds a message whose send timed out as unknown under hold', async () => {
      build({ inDoubtPolicy: 'hold' });
      const message = messages.seed();
      gateway.answer(gatewayResult.unknown('timeout of 10000ms exceeded'));

      const { report } = await sut.execute();
      await clock.advance(3_600_000);
      await sut.execute();

      expect(messages.get(message.id)).toMatchObject({ status: 'unknown', nextAttemptAt: null, failureReason: 'outcome unknown: timeout of 10000ms exceeded' });
      expect(gateway.received).toHaveLength(1);
      expect(report).toMatchObject({ unknown: 1, retried: 0 });
    });

    it('sends a message whose send timed out again, with the same Idempotency-Key, under resend', async () => {
      build({ inDoubtPolicy: 'resend' });
      const message = messages.seed();
      gateway.answer(gatewayResult.unknown('timeout of 10000ms exceeded'), gatewayResult.accepted('gw-2'));

      const { report: first } = await sut.execute();
      expect(messages.get(message.id)).toMatchObject({ status: 'pending', attemptCount: 1, nextAttemptAt: within(NOW, 1_000) });
      expect(first).toMatchObject({ unknown: 0, retried: 1 });

      await clock.advance(1_000);
      await sut.execute();

      expect(gateway.received.map((s) => s.idempotencyKey)).toEqual([message.id, message.id]);
      expect(messages.get(message.id)).toMatchObject({ status: 'sent', attemptCount: 2, gatewayMessageId: 'gw-2' });
    });
  });

  describe('pipeline', () => {
    it('keeps every slot busy while one request is slow: the others go on past it', async () => {
      build({ batchSize: 6, concurrency: 2 });
      const seeded = Array.from({ length: 6 }, () => messages.seed());
      const slow = gateway.holdNext();

      const running = sut.execute();
      await settle();
      await settle();

      // The slow one holds one slot; the other slot sent the remaining five one after another.
      expect(gateway.received.map((s) => s.idempotencyKey)).toEqual(seeded.map((m) => m.id));
      expect(messages.all().map((m) => m.status)).toEqual(['sending', 'sent', 'sent', 'sent', 'sent', 'sending']);
      slow.resolve(gatewayResult.accepted('gw-slow'));
      const { report } = await running;

      expect(messages.get(seeded[0].id)).toMatchObject({ status: 'sent', gatewayMessageId: 'gw-slow' });
      expect(report).toMatchObject({ claimed: 6, sent: 6 });
      expect(gateway.maxInFlight).toBe(2);
    });

    it('marks each group "request started" in one statement that also records the outcomes finished before it', async () => {
      build({ batchSize: 3, concurrency: 1 });
      const [a, b, c] = [messages.seed(), messages.seed(), messages.seed()];

      await sut.execute();

      expect(messages.steps.map((s) => ({ start: s.start.map((x) => x.id), outcomes: s.outcomes.map((o) => o.message.id) }))).toEqual([
        { start: [a.id], outcomes: [] },
        { start: [b.id], outcomes: [a.id] },
        { start: [c.id], outcomes: [b.id] },
        { start: [], outcomes: [c.id] },
      ]);
      expect(messages.all().map((m) => m.requestStartedAt)).toEqual([NOW, NOW, NOW]);
    });

    it('starts as many rows in one statement as there are free slots', async () => {
      build({ batchSize: 10, concurrency: 4 });
      for (let i = 0; i < 10; i += 1) messages.seed();

      const { report } = await sut.execute();

      expect(report).toMatchObject({ claimed: 10, sent: 10 });
      expect(messages.steps[0].start).toHaveLength(4);
      const started = messages.steps.flatMap((s) => s.start.map((x) => x.id));
      expect(new Set(started).size).toBe(10);
      expect(messages.steps.length).toBeLessThan(10);
    });

    it('never leaves more rows in doubt than DISPATCH_CONCURRENCY, whatever the latencies', async () => {
      build({ batchSize: 40, concurrency: 3 });
      for (let i = 0; i < 40; i += 1) messages.seed();
      gateway.answer(...Array.from({ length: 40 }, (_, i) => (i % 7 === 0 ? gatewayResult.unknown() : gatewayResult.accepted())));

      const { report } = await sut.execute();

      expect(report).toMatchObject({ claimed: 40, sent: 34, unknown: 6 });
      expect(messages.mostInDoubt).toBeLessThanOrEqual(3);
      expect(messages.mostInDoubt).toBeGreaterThan(0);
    });

    it('caches the receipts of one write with one call', async () => {
      build({ batchSize: 3, concurrency: 3 });
      messages.seed();
      messages.seed();
      messages.seed();

      await sut.execute();

      expect(cache.puts).toHaveLength(3);
      expect(cache.batches.reduce((sum, n) => sum + n, 0)).toBe(3);
      expect(cache.batches.length).toBeLessThanOrEqual(messages.steps.length);
    });

    it('writes outcomes after FLUSH delay while every slot waits on a slow request', async () => {
      build({ batchSize: 2, concurrency: 2 });
      const [fast, slow] = [messages.seed(), messages.seed()];
      gateway.answer(gatewayResult.accepted('gw-fast'));
      const held = gateway.holdNext();

      const running = sut.execute();
      await settle();
      expect(messages.get(fast.id).status).toBe('sending');
      await clock.advance(25);

      expect(messages.get(fast.id)).toMatchObject({ status: 'sent', gatewayMessageId: 'gw-fast' });
      held.resolve(gatewayResult.accepted());
      await running;
      expect(messages.get(slow.id).status).toBe('sent');
    });

    it('tries a failed write again, so that a database hiccup after the sends loses no outcome', async () => {
      build({ batchSize: 1, concurrency: 1 });
      const message = messages.seed();
      gateway.answer(gatewayResult.accepted('gw-1'));

      const running = sut.execute();
      await settle();
      messages.failNextWriteWith(new Error('connection terminated'));
      await clock.advance(250);
      const { report } = await running;

      expect(report).toMatchObject({ sent: 1 });
      expect(messages.get(message.id)).toMatchObject({ status: 'sent', gatewayMessageId: 'gw-1' });
    });

    it('sends nothing of a group whose start cannot be written, and hands the rows back', async () => {
      build({ batchSize: 3, concurrency: 3 });
      const seeded = [messages.seed(), messages.seed(), messages.seed()];
      for (let i = 0; i < 4; i += 1) messages.failNextWriteWith(new Error('database is down'));

      const running = sut.execute();
      for (let retry = 0; retry < 4; retry += 1) {
        await settle();
        await clock.advance(1_000);
      }
      const { report } = await running;

      expect(gateway.received).toEqual([]);
      expect(report).toMatchObject({ claimed: 3, sent: 0, released: 3 });
      expect(seeded.map((m) => messages.get(m.id))).toEqual(
        seeded.map(() => expect.objectContaining({ status: 'pending', claimToken: null, attemptCount: 0 })),
      );
    });

    it('stops starting groups when asked to stop, lets the request in flight finish and hands the rest back', async () => {
      build({ batchSize: 3, concurrency: 1 });
      const [first, second, third] = [messages.seed(), messages.seed(), messages.seed()];
      const held = gateway.holdNext();
      const stop = new AbortController();

      const running = sut.execute({ signal: stop.signal });
      await settle();
      stop.abort();
      await settle();
      // Handed back at once, while the request in flight still waits for its answer.
      expect([second, third].map((m) => messages.get(m.id).status)).toEqual(['pending', 'pending']);
      held.resolve(gatewayResult.accepted('gw-1'));
      const { report } = await running;

      expect(gateway.received.map((s) => s.idempotencyKey)).toEqual([first.id]);
      expect(messages.get(first.id).status).toBe('sent');
      expect([second, third].map((m) => messages.get(m.id))).toEqual(
        [second, third].map(() => expect.objectContaining({ status: 'pending', claimToken: null, attemptCount: 0 })),
      );
      expect(report).toMatchObject({ claimed: 3, sent: 1, released: 2 });
    });
  });

  describe('circuit breaker', () => {
    beforeEach(() => {
      // An interval shorter than the cooldown: the probe is not held back by the gateway's window.
      build({ batchSize: 2, intervalMs: 30_000, breaker: { failures: 2, cooldownMs: 60_000 } });
    });

    /** One tick in which both messages get no answer (held as unknown): opens the breaker (threshold 2). */
    const failTwice = async () => {
      messages.seed();
      messages.seed();
      gateway.answer(gatewayResult.unknown('connect ETIMEDOUT'), gatewayResult.unknown());
      return sut.execute();
    };

    it('reports the opening once, with the last error', async () => {
      const { breakerOpened } = await failTwice();

      expect(breakerOpened).toEqual({
        state: 'open',
        consecutiveFailures: 2,
        openedAt: NOW,
        probeAt: at(60_000),
        lastError: 'no answer from the gateway in time',
      });
      await clock.advance(10_000);
      await expect(sut.execute()).resolves.toMatchObject({ breakerOpened: null });
    });

    it('skips ticks while open, without claiming anything', async () => {
      await failTwice();
      const fresh = messages.seed();
      await clock.advance(30_000);

      const { report } = await sut.execute();

      expect(report).toEqual(emptyReport({ startedAt: at(30_000), skipped: 'breaker-open' }));
      expect(gateway.received).toHaveLength(2);
      expect(messages.get(fresh.id)).toMatchObject({ status: 'pending', claimToken: null });
    });

    it('stops the batch when it opens mid-batch and hands the unsent rows back, no attempt counted', async () => {
      build({ batchSize: 5, concurrency: 1, breaker: { failures: 2, cooldownMs: 60_000 } });
      const seeded = Array.from({ length: 5 }, () => messages.seed());
      gateway.answer(gatewayResult.retryable(503), gatewayResult.retryable(503));

      const { report, breakerOpened } = await sut.execute();

      expect(gateway.received).toHaveLength(2);
      expect(report).toMatchObject({ claimed: 5, retried: 2, released: 3 });
      expect(breakerOpened).toMatchObject({ state: 'open', consecutiveFailures: 2 });
      expect(seeded.slice(2).map((m) => messages.get(m.id))).toEqual(
        seeded.slice(2).map(() => expect.objectContaining({ status: 'pending', attemptCount: 0, claimToken: null })),
      );
    });

    it('sends one probe after the cooldown, then whole batches again once it is accepted', async () => {
      await failTwice();
      const fresh = [messages.seed(), messages.seed(), messages.seed()];
      await clock.advance(60_000);

      const { report: probe } = await sut.execute();
      expect(probe).toMatchObject({ claimed: 1, sent: 1, skipped: null });
      expect(breaker.status()).toMatchObject({ state: 'closed', consecutiveFailures: 0 });

      await clock.advance(30_000);
      const { report: next } = await sut.execute();
      expect(next).toMatchObject({ claimed: 2, sent: 2 });
      expect(fresh.map((m) => messages.get(m.id).status)).toEqual(['sent', 'sent', 'sent']);
    });

    it('opens again when the probe fails', async () => {
      await failTwice();
      messages.seed();
      await clock.advance(60_000);
      gateway.answer(gatewayResult.retryable(503));

      await expect(sut.execute()).resolves.toMatchObject({ report: { claimed: 1, sent: 0, retried: 1 } });
      await clock.advance(1_000);

      await expect(sut.execute()).resolves.toMatchObject({ report: { claimed: 0, skipped: 'breaker-open' } });
      expect(breaker.status()).toMatchObject({ state: 'open', openedAt: at(60_000) });
    });

    it('does not count invalid rows as gateway failures', async () => {
      messages.seed({ content: '' });
      messages.seed({ phoneNumber: '12' });
      messages.seed({ content: '' });

      const { breakerOpened } = await sut.execute();

      expect(breaker.status().state).toBe('closed');
      expect(breakerOpened).toBeNull();
    });
  });
});
