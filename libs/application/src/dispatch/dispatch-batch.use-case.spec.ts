import { beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { type Alert, LEASE_LOST } from '@app/domain';
import { FakeClock } from '../../../../test/support/fake-clock.js';
import {
  deferred,
  FakeMessageGateway,
  FakeMessageRepository,
  FakeSentMessageCache,
  gatewayResult,
  RecordingAlertNotifier,
  settle,
  SoloLeadership,
  tickReport,
} from '../../../../test/support/fakes.js';
import type { DispatchSettings } from '../dispatch-settings.js';
import { DispatchBatch, type TickReport, withoutContent } from './dispatch-batch.use-case.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const at = (ms: number) => new Date(NOW.getTime() + ms);
const LEASE_MS = 60_000;

function settingsWith(overrides: Partial<DispatchSettings> = {}): DispatchSettings {
  return {
    intervalMs: 120_000,
    batchSize: 2,
    concurrency: 2,
    autostart: true,
    maxContentLength: 160,
    retry: { baseMs: 1_000, maxMs: 300_000, maxAttempts: 5 },
    leaseMs: LEASE_MS,
    inDoubtPolicy: 'hold',
    breaker: { failures: 5, cooldownMs: 60_000 },
    alertAfterFailedTicks: 3,
    shutdownGraceMs: 15_000,
    ...overrides,
  };
}

const emptyReport = (overrides: Partial<TickReport> = {}): TickReport => tickReport(NOW, overrides);

/** The retry time of a message is drawn with full jitter: somewhere in [from, from + ceilingMs]. */
const within = (from: Date, ceilingMs: number) => ({
  asymmetricMatch: (actual: unknown) =>
    actual instanceof Date && actual.getTime() >= from.getTime() && actual.getTime() <= from.getTime() + ceilingMs,
  toString: () => `a Date within ${ceilingMs} ms after ${from.toISOString()}`,
});

describe(DispatchBatch.name, () => {
  let clock: FakeClock;
  let messages: FakeMessageRepository;
  let gateway: FakeMessageGateway;
  let cache: FakeSentMessageCache;
  let leadership: SoloLeadership;
  let alerts: RecordingAlertNotifier;
  let sut: DispatchBatch;

  const build = (overrides: Partial<DispatchSettings> = {}) => {
    sut = new DispatchBatch(messages, gateway, cache, clock, leadership, alerts, settingsWith(overrides));
  };

  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  beforeEach(() => {
    clock = new FakeClock(NOW);
    messages = new FakeMessageRepository(clock);
    gateway = new FakeMessageGateway();
    cache = new FakeSentMessageCache();
    leadership = new SoloLeadership();
    alerts = new RecordingAlertNotifier();
    build();
  });

  it('claims at most batchSize due messages, oldest first, and leaves the rest pending', async () => {
    const [first, second, third] = [
      messages.seed({ phoneNumber: '+905551111111', content: 'first' }),
      messages.seed({ phoneNumber: '+905552222222', content: 'second' }),
      messages.seed({ phoneNumber: '+905553333333', content: 'third' }),
    ];

    const report = await sut.execute();

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

    const report = await sut.execute();

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

    const report = await sut.execute();

    expect(messages.get(accepted.id)).toMatchObject({ status: 'sent', gatewayMessageId: 'gw-accepted', sentAt: NOW, attemptCount: 1, failureReason: null });
    expect(messages.get(retryable.id)).toMatchObject({
      status: 'pending',
      attemptCount: 1,
      nextAttemptAt: at(30_000),
      failureReason: 'gateway answered 429',
    });
    expect(messages.get(rejected.id)).toMatchObject({ status: 'failed', attemptCount: 1, failureReason: 'gateway answered 400: invalid recipient', nextAttemptAt: null });
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

    const report = await sut.execute();

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

    const report = await sut.execute();

    expect(gateway.received.map((s) => s.idempotencyKey)).toEqual([valid1.id, valid2.id]);
    expect(messages.get(badPhone.id)).toMatchObject({ status: 'failed', attemptCount: 0, failureReason: expect.stringMatching(/^invalid message: phoneNumber must be in E\.164/) });
    expect(messages.get(tooLong.id)).toMatchObject({ status: 'failed', attemptCount: 0, failureReason: 'invalid message: content must be at most 160 characters (got 161)' });
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

    const report = await sut.execute();

    expect(gateway.received).toEqual([]);
    expect(messages.get(long.id).failureReason).toBe('invalid message: content must be at most 5 characters (got 6)');
    expect(report).toMatchObject({ claimed: 1, invalid: 1, sent: 0 });
  });

  it('sends nothing and reports zeros when nothing is due', async () => {
    messages.seed({ status: 'sent', gatewayMessageId: 'gw-0', sentAt: NOW, attemptCount: 1 });
    messages.seed({ status: 'failed' });
    messages.seed({ status: 'unknown' });
    messages.seed({ status: 'expired' });

    const report = await sut.execute();

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

    await expect(sut.execute()).resolves.toMatchObject({ claimed: 1, sent: 1 });

    expect(messages.get(message.id)).toMatchObject({ status: 'sent', gatewayMessageId: 'gw-1' });
    expect(messages.attempts).toHaveLength(1);
    expect(cache.puts).toHaveLength(1);
  });

  it('marks a message unknown when the gateway client throws, and sends the others', async () => {
    const [broken, fine] = [messages.seed(), messages.seed()];
    gateway.throwOnNext(new Error('socket hang up')).answer(gatewayResult.accepted('gw-2'));

    const report = await sut.execute();

    expect(messages.get(broken.id)).toMatchObject({ status: 'unknown', attemptCount: 1, failureReason: 'outcome unknown: gateway client error: socket hang up' });
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
    const report = await running;

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
      const report = await running;

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
      await expect(running).resolves.toMatchObject({ claimed: 3, sent: 3 });
      expect(gateway.maxInFlight).toBe(2);
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
      const report = await running;

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

    it('drops a message whose claim was lost before its turn (lease ran out), and lets the late answer of the other settle it', async () => {
      build({ concurrency: 1, leaseMs: 5_000 });
      const [slow, waiting] = [messages.seed(), messages.seed()];
      const held = gateway.holdNext();

      const running = sut.execute();
      await settle();
      await clock.advance(6_000);
      await expect(messages.releaseAbandonedClaims(clock.now(), 'hold')).resolves.toBe(2);
      held.resolve(gatewayResult.accepted('gw-late'));
      const report = await running;

      expect(gateway.received.map((s) => s.idempotencyKey)).toEqual([slow.id]);
      expect(messages.get(slow.id)).toMatchObject({ status: 'sent', gatewayMessageId: 'gw-late' });
      expect(messages.get(waiting.id)).toMatchObject({ status: 'unknown', failureReason: LEASE_LOST, attemptCount: 0 });
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
      const report = await running;

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

      const report = await sut.execute();
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

      const first = await sut.execute();
      expect(messages.get(message.id)).toMatchObject({ status: 'pending', attemptCount: 1, nextAttemptAt: within(NOW, 1_000) });
      expect(first).toMatchObject({ unknown: 0, retried: 1 });

      await clock.advance(1_000);
      await sut.execute();

      expect(gateway.received.map((s) => s.idempotencyKey)).toEqual([message.id, message.id]);
      expect(messages.get(message.id)).toMatchObject({ status: 'sent', attemptCount: 2, gatewayMessageId: 'gw-2' });
    });
  });

  describe('circuit breaker', () => {
    beforeEach(() => {
      build({ batchSize: 2, breaker: { failures: 2, cooldownMs: 60_000 } });
    });

    /** One tick in which both messages get no answer (held as unknown): opens the breaker (threshold 2). */
    const failTwice = async () => {
      messages.seed();
      messages.seed();
      gateway.answer(gatewayResult.unknown('connect ETIMEDOUT'), gatewayResult.unknown());
      return sut.execute();
    };

    it('opens after the configured number of consecutive failures and alerts once', async () => {
      await failTwice();

      expect(sut.breakerStatus()).toMatchObject({ state: 'open', consecutiveFailures: 2, openedAt: NOW, probeAt: at(60_000) });
      expect(alerts.alerts).toEqual([
        {
          kind: 'breaker-opened',
          message: expect.stringContaining('failed 2 times in a row'),
          instanceId: leadership.instanceId,
          at: NOW,
          details: expect.objectContaining({ state: 'open', consecutiveFailures: 2, lastError: 'no answer from the gateway in time' }),
        },
      ]);

      await clock.advance(10_000);
      await sut.execute();
      await clock.advance(10_000);
      await sut.execute();
      expect(alerts.alerts).toHaveLength(1);
    });

    it('does not wait for a slow alert receiver before ending the tick', async () => {
      const hanging = deferred();
      alerts = new (class extends RecordingAlertNotifier {
        override async notify(alert: Alert): Promise<void> {
          await super.notify(alert);
          await hanging.promise;
        }
      })();
      build({ batchSize: 2, breaker: { failures: 2, cooldownMs: 60_000 } });

      await expect(failTwice()).resolves.toMatchObject({ claimed: 2, unknown: 2 });

      expect(alerts.alerts.map((a) => a.kind)).toEqual(['breaker-opened']);
      hanging.resolve();
    });

    it('skips ticks while open, without claiming anything', async () => {
      await failTwice();
      const fresh = messages.seed();
      await clock.advance(30_000);

      const report = await sut.execute();

      expect(report).toEqual(emptyReport({ startedAt: at(30_000), skipped: 'breaker-open' }));
      expect(gateway.received).toHaveLength(2);
      expect(messages.get(fresh.id)).toMatchObject({ status: 'pending', claimToken: null });
    });

    it('sends one probe after the cooldown, then whole batches again once it is accepted', async () => {
      await failTwice();
      const fresh = [messages.seed(), messages.seed(), messages.seed()];
      await clock.advance(60_000);

      const probe = await sut.execute();
      expect(probe).toMatchObject({ claimed: 1, sent: 1, skipped: null });
      expect(sut.breakerStatus()).toMatchObject({ state: 'closed', consecutiveFailures: 0 });

      const next = await sut.execute();
      expect(next).toMatchObject({ claimed: 2, sent: 2 });
      expect(fresh.map((m) => messages.get(m.id).status)).toEqual(['sent', 'sent', 'sent']);
    });

    it('opens again when the probe fails', async () => {
      await failTwice();
      messages.seed();
      await clock.advance(60_000);
      gateway.answer(gatewayResult.retryable(503));

      await expect(sut.execute()).resolves.toMatchObject({ claimed: 1, sent: 0, retried: 1 });
      await clock.advance(1_000);

      await expect(sut.execute()).resolves.toMatchObject({ claimed: 0, skipped: 'breaker-open' });
      expect(sut.breakerStatus()).toMatchObject({ state: 'open', openedAt: at(60_000) });
    });

    it('does not count invalid rows as gateway failures', async () => {
      messages.seed({ content: '' });
      messages.seed({ phoneNumber: '12' });
      messages.seed({ content: '' });

      await sut.execute();

      expect(sut.breakerStatus().state).toBe('closed');
      expect(alerts.alerts).toEqual([]);
    });
  });

  describe('housekeeping', () => {
    /** Claims like a sender that then died: the row stays `sending` until its lease runs out. */
    const claimByDeadSender = async (leaseMs: number) => {
      messages.seed();
      const [claimed] = await messages.claimBatch(1, clock.now(), { owner: 'dead-instance', leaseMs });
      return claimed;
    };

    it('makes rows abandoned past their lease unknown under hold, and leaves live claims alone', async () => {
      const abandoned = await claimByDeadSender(5_000);
      const live = await claimByDeadSender(60_000);
      await clock.advance(5_001);

      await expect(sut.housekeeping()).resolves.toEqual({ abandoned: 1, expired: 0 });

      expect(messages.get(abandoned.id)).toMatchObject({ status: 'unknown', failureReason: LEASE_LOST });
      expect(messages.get(live.id).status).toBe('sending');
    });

    it('queues abandoned rows again under resend', async () => {
      build({ inDoubtPolicy: 'resend' });
      const abandoned = await claimByDeadSender(5_000);
      await clock.advance(5_001);

      await expect(sut.housekeeping()).resolves.toEqual({ abandoned: 1, expired: 0 });

      expect(messages.get(abandoned.id)).toMatchObject({ status: 'pending', claimToken: null });
      await sut.execute();
      expect(gateway.received.map((s) => s.idempotencyKey)).toEqual([abandoned.id]);
    });

    it('expires pending messages whose deadline has passed, and only those', async () => {
      const overdue = messages.seed({ expiresAt: at(1_000) });
      const onTime = messages.seed({ expiresAt: at(10_000) });
      const noDeadline = messages.seed();
      await clock.advance(1_000);

      await expect(sut.housekeeping()).resolves.toEqual({ abandoned: 0, expired: 1 });

      expect(messages.get(overdue.id)).toMatchObject({ status: 'expired', failureReason: 'expired before it could be sent' });
      expect(messages.get(onTime.id).status).toBe('pending');
      expect(messages.get(noDeadline.id).status).toBe('pending');
    });
  });
});

describe(withoutContent.name, () => {
  it('masks the content, raw and JSON-escaped, wherever a gateway echoed it', () => {
    const content = 'Your code is "4711"\nbye';
    const echoed = `gateway answered 400: {"message":"bad","request":{"content":${JSON.stringify(content)}}} / raw: ${content}`;

    const masked = withoutContent(echoed, content);

    expect(masked).toBe('gateway answered 400: {"message":"bad","request":{"content":"[content]"}} / raw: [content]');
    expect(masked).not.toContain('4711');
  });

  it('leaves the text alone when the content is too short to mean anything', () => {
    expect(withoutContent('gateway answered 400: ok', 'ok')).toBe('gateway answered 400: ok');
  });
});
