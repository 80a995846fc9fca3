import { beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { type InDoubtPolicy, LEASE_LOST, type Message } from '@app/domain';
import { FakeClock } from '@test/support/fake-clock.js';
import { dispatchSettings, FakeMessageRepository } from '@test/support/fakes.js';
import type { DispatchSettings } from '../dispatch-settings.js';
import { Housekeeping } from './housekeeping.use-case.js';

const T0 = new Date('2026-11-22T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const LEASE_MS = 30_000;

function settingsWith(inDoubtPolicy: InDoubtPolicy): DispatchSettings {
  return dispatchSettings({ intervalMs: 60_000, batchSize: 10, leaseMs: LEASE_MS, inDoubtPolicy });
}

describe(Housekeeping.name, () => {
  let clock: FakeClock;
  let messages: FakeMessageRepository;

  const sutWith = (policy: InDoubtPolicy) => new Housekeeping(messages, clock, settingsWith(policy));

  /** What a sender that died left behind: `count` rows claimed now, under a lease of LEASE_MS. */
  const claimedByDeadSender = (count: number) => messages.claimBatch(count, clock.now(), { owner: 'dead-instance', leaseMs: LEASE_MS });

  /** The claims' requests went out: from here on the rows are in doubt if their sender dies. */
  const startRequests = async (claimed: readonly Message[]) => {
    const now = clock.now();
    const started = await messages.recordAndStart({
      outcomes: [],
      start: claimed.map((m) => ({ id: m.id, claimToken: m.claimToken as string })),
      now,
      leaseUntil: new Date(now.getTime() + LEASE_MS),
    });
    expect(started).toEqual(claimed.map((m) => m.id));
  };

  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  beforeEach(() => {
    clock = new FakeClock(T0);
    messages = new FakeMessageRepository(clock);
  });

  describe.each<InDoubtPolicy>(['hold', 'resend'])('under DISPATCH_IN_DOUBT_POLICY=%s', (policy) => {
    it('requeues claims whose requests never started once their lease ran out: pending again, no attempt counted', async () => {
      const seeded = messages.seed({ attemptCount: 2, failureReason: 'gateway answered 503' });
      await claimedByDeadSender(1);
      await clock.advance(LEASE_MS + 1);

      await expect(sutWith(policy).execute()).resolves.toEqual({ requeued: 1, inDoubt: 0, expired: 0 });

      expect(messages.get(seeded.id)).toMatchObject({
        status: 'pending',
        attemptCount: 2,
        claimToken: null,
        requestStartedAt: null,
        failureReason: 'gateway answered 503',
        updatedAt: at(LEASE_MS + 1),
      });
      await expect(messages.claimBatch(10, clock.now())).resolves.toHaveLength(1);
    });

    it('expires pending messages whose deadline has passed, and only those', async () => {
      const overdue = [messages.seed({ expiresAt: at(1_000) }), messages.seed({ expiresAt: at(2_000) })];
      const later = messages.seed({ expiresAt: at(60_000) });
      const open = messages.seed();
      const failed = messages.seed({ status: 'failed', expiresAt: at(1_000), failureReason: 'gateway answered 400: bad request' });
      await clock.advance(2_000);

      await expect(sutWith(policy).execute()).resolves.toEqual({ requeued: 0, inDoubt: 0, expired: 2 });

      for (const message of overdue) {
        expect(messages.get(message.id)).toMatchObject({ status: 'expired', failureReason: 'expired before it could be sent', updatedAt: at(2_000) });
      }
      expect(messages.get(later.id).status).toBe('pending');
      expect(messages.get(open.id).status).toBe('pending');
      expect(messages.get(failed.id)).toMatchObject({ status: 'failed', failureReason: 'gateway answered 400: bad request' });
    });

    it('expires a requeued claim whose deadline passed while it was claimed, in the same pass', async () => {
      const message = messages.seed({ expiresAt: at(LEASE_MS) });
      await claimedByDeadSender(1);
      await clock.advance(LEASE_MS + 1);

      await expect(sutWith(policy).execute()).resolves.toEqual({ requeued: 1, inDoubt: 0, expired: 1 });

      expect(messages.get(message.id)).toMatchObject({ status: 'expired', attemptCount: 0 });
    });

    it('leaves live claims alone, whether their requests started or not', async () => {
      const [notStarted, started] = [messages.seed(), messages.seed()];
      const claimed = await claimedByDeadSender(2);
      await startRequests(claimed.filter((m) => m.id === started.id));
      await clock.advance(LEASE_MS - 1);

      await expect(sutWith(policy).execute()).resolves.toEqual({ requeued: 0, inDoubt: 0, expired: 0 });

      expect(messages.get(notStarted.id)).toMatchObject({ status: 'sending', claimToken: claimed[0].claimToken, requestStartedAt: null });
      expect(messages.get(started.id)).toMatchObject({ status: 'sending', claimToken: claimed[1].claimToken, requestStartedAt: T0 });
    });

    it('is harmless with nothing to settle, and settles each row once', async () => {
      messages.seed();
      await claimedByDeadSender(1);
      await clock.advance(LEASE_MS + 1);
      const sut = sutWith(policy);
      await sut.execute();

      await expect(sut.execute()).resolves.toEqual({ requeued: 0, inDoubt: 0, expired: 0 });
    });
  });

  it('holds claims whose requests may have gone out as unknown under hold: never sent twice', async () => {
    const message = messages.seed({ attemptCount: 1 });
    await startRequests(await claimedByDeadSender(1));
    await clock.advance(LEASE_MS + 1);

    await expect(sutWith('hold').execute()).resolves.toEqual({ requeued: 0, inDoubt: 1, expired: 0 });

    expect(messages.get(message.id)).toMatchObject({ status: 'unknown', failureReason: LEASE_LOST, attemptCount: 1, updatedAt: at(LEASE_MS + 1) });
    await expect(messages.claimBatch(10, clock.now())).resolves.toEqual([]);
  });

  it('queues claims whose requests may have gone out again under resend, due at once', async () => {
    const message = messages.seed({ attemptCount: 1 });
    await startRequests(await claimedByDeadSender(1));
    await clock.advance(LEASE_MS + 1);

    await expect(sutWith('resend').execute()).resolves.toEqual({ requeued: 0, inDoubt: 1, expired: 0 });

    expect(messages.get(message.id)).toMatchObject({ status: 'pending', failureReason: LEASE_LOST, claimToken: null, nextAttemptAt: null, attemptCount: 1 });
    await expect(messages.claimBatch(10, clock.now())).resolves.toMatchObject([{ id: message.id }]);
  });

  it('counts each kind in one pass: requeued, in doubt and expired', async () => {
    const [requeued, inDoubt, live] = [messages.seed(), messages.seed(), messages.seed()];
    const overdue = messages.seed({ expiresAt: at(LEASE_MS) });
    const claimed = await claimedByDeadSender(2);
    await startRequests(claimed.filter((m) => m.id === inDoubt.id));
    await clock.advance(LEASE_MS / 2);
    await messages.claimBatch(1, clock.now(), { owner: 'live-instance', leaseMs: LEASE_MS });
    await clock.advance(LEASE_MS / 2 + 1);

    await expect(sutWith('hold').execute()).resolves.toEqual({ requeued: 1, inDoubt: 1, expired: 1 });

    expect(messages.get(requeued.id).status).toBe('pending');
    expect(messages.get(inDoubt.id).status).toBe('unknown');
    expect(messages.get(live.id).status).toBe('sending');
    expect(messages.get(overdue.id).status).toBe('expired');
  });
});
