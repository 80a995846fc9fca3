import { beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { FakeClock } from '../../../../test/support/fake-clock.js';
import { FakeMessageGateway, FakeMessageRepository, FakeSentMessageCache, gatewayResult, settle } from '../../../../test/support/fakes.js';
import type { DispatchSettings } from '../dispatch-settings.js';
import { DispatchBatch } from './dispatch-batch.use-case.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');

function settingsWith(overrides: Partial<DispatchSettings> = {}): DispatchSettings {
  return {
    intervalMs: 120_000,
    batchSize: 2,
    autostart: true,
    maxContentLength: 160,
    retry: { baseMs: 1_000, maxMs: 300_000, maxAttempts: 5 },
    ...overrides,
  };
}

describe(DispatchBatch.name, () => {
  let clock: FakeClock;
  let messages: FakeMessageRepository;
  let gateway: FakeMessageGateway;
  let cache: FakeSentMessageCache;
  let sut: DispatchBatch;

  const build = (overrides: Partial<DispatchSettings> = {}) => {
    sut = new DispatchBatch(messages, gateway, cache, clock, settingsWith(overrides));
  };

  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  beforeEach(() => {
    clock = new FakeClock(NOW);
    messages = new FakeMessageRepository(clock);
    gateway = new FakeMessageGateway();
    cache = new FakeSentMessageCache();
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
    messages.seed({ nextAttemptAt: new Date(NOW.getTime() + 1) });
    const due = messages.seed({ nextAttemptAt: NOW, attemptCount: 1 });

    await sut.execute();

    expect(gateway.received.map((s) => s.idempotencyKey)).toEqual([due.id]);
  });

  it('records every outcome: sent, pending for a retry, failed, and failed "outcome unknown"', async () => {
    build({ batchSize: 4 });
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
      nextAttemptAt: new Date(NOW.getTime() + 30_000),
      failureReason: 'gateway answered 429',
    });
    expect(messages.get(rejected.id)).toMatchObject({ status: 'failed', attemptCount: 1, failureReason: 'gateway answered 400: invalid recipient', nextAttemptAt: null });
    expect(messages.get(unknown.id)).toMatchObject({
      status: 'failed',
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
    expect(report).toEqual({ startedAt: NOW, durationMs: 0, claimed: 4, sent: 1, retried: 1, failed: 2, invalid: 0 });
  });

  it('backs off exponentially on a retry and fails once the attempts are used up', async () => {
    const third = messages.seed({ attemptCount: 2 });
    const last = messages.seed({ attemptCount: 4 });
    gateway.answer(gatewayResult.retryable(503), gatewayResult.retryable(503));

    const report = await sut.execute();

    expect(messages.get(third.id)).toMatchObject({ status: 'pending', attemptCount: 3, nextAttemptAt: new Date(NOW.getTime() + 4_000) });
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

    const report = await sut.execute();

    expect(gateway.received).toEqual([]);
    expect(messages.attempts).toEqual([]);
    expect(report).toEqual({ startedAt: NOW, durationMs: 0, claimed: 0, sent: 0, retried: 0, failed: 0, invalid: 0 });
  });

  it('caches a receipt for each sent message only', async () => {
    build({ batchSize: 3 });
    const [sent, retried, failed] = [messages.seed(), messages.seed(), messages.seed()];
    gateway.answer(gatewayResult.accepted('gw-1'), gatewayResult.retryable(), gatewayResult.rejected());

    await sut.execute();

    expect(cache.puts).toEqual([{ id: sent.id, receipt: { messageId: 'gw-1', sentAt: NOW } }]);
    await expect(cache.get(retried.id)).resolves.toBeNull();
    await expect(cache.get(failed.id)).resolves.toBeNull();
  });

  it('still records the outcomes when the cache rejects', async () => {
    const message = messages.seed();
    gateway.answer(gatewayResult.accepted('gw-1'));
    cache.rejectPutsWith(new Error('redis down'));

    await sut.execute().catch(() => undefined);

    expect(messages.get(message.id)).toMatchObject({ status: 'sent', gatewayMessageId: 'gw-1' });
    expect(messages.attempts).toHaveLength(1);
    expect(cache.puts).toHaveLength(1);
  });

  // Known bug: DispatchBatch.cacheReceipts awaits Promise.all over cache.put, so a rejecting cache
  // turns a fully sent and recorded tick into a rejected execute() and its report is lost.
  // Turn this into a plain `it` once cacheReceipts ignores (and logs) cache failures.
  it('returns its report when the cache rejects (a cache failure never fails the tick)', async () => {
    messages.seed();
    cache.rejectPutsWith(new Error('redis down'));

    await expect(sut.execute()).resolves.toMatchObject({ claimed: 1, sent: 1 });
  });

  it('fails a message with "outcome unknown" when the gateway client throws, and sends the others', async () => {
    const [broken, fine] = [messages.seed(), messages.seed()];
    gateway.throwOnNext(new Error('socket hang up')).answer(gatewayResult.accepted('gw-2'));

    const report = await sut.execute();

    expect(messages.get(broken.id)).toMatchObject({ status: 'failed', attemptCount: 1, failureReason: 'outcome unknown: gateway client error: socket hang up' });
    expect(messages.attempts[0]).toMatchObject({ messageId: broken.id, outcome: 'unknown', statusCode: null });
    expect(messages.get(fine.id).status).toBe('sent');
    expect(report).toMatchObject({ claimed: 2, sent: 1, failed: 1, retried: 0 });
  });

  it('marks the batch sending before any call returns, sends concurrently, and times the tick', async () => {
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

    const finished = new Date(NOW.getTime() + 1_500);
    expect(messages.get(a.id)).toMatchObject({ status: 'sent', sentAt: finished });
    expect(messages.get(b.id)).toMatchObject({ status: 'pending', nextAttemptAt: new Date(finished.getTime() + 1_000) });
    expect(report).toEqual({ startedAt: NOW, durationMs: 1_500, claimed: 2, sent: 1, retried: 1, failed: 0, invalid: 0 });
  });
});
