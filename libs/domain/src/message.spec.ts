import { beforeEach, describe, expect, it } from '@jest/globals';
import { type GatewayResult, RetryPolicy } from './delivery.js';
import { IllegalTransitionError, ReplayRefusedError } from './errors.js';
import { Message, type MessageProps, type MessageStatus, OUTCOME_UNKNOWN } from './message.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const at = (ms: number) => new Date(NOW.getTime() + ms);
/** Jitter pinned to the top of the range, so delays are the capped exponential ceiling. */
const policy = new RetryPolicy({ baseMs: 1_000, maxMs: 60_000, maxAttempts: 3 }, () => 1);

function message(status: MessageStatus = 'sending', attemptCount = 0, overrides: Partial<MessageProps> = {}): Message {
  return Message.restore({
    id: '0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11',
    phoneNumber: '+905551111111',
    content: 'hello',
    status,
    attemptCount,
    nextAttemptAt: null,
    gatewayMessageId: null,
    sentAt: null,
    failureReason: null,
    sendAfter: null,
    expiresAt: null,
    priority: 0,
    replayCount: 0,
    claimToken: status === 'sending' ? 'claim-1' : null,
    requestStartedAt: null,
    createdAt: NOW,
    updatedAt: NOW,
    ...overrides,
  });
}

const accepted: GatewayResult = { kind: 'accepted', statusCode: 202, gatewayMessageId: '67f2f8a8-ea58-4ed0-a6f9-ff217df4d849', latencyMs: 12.4 };
const retryable: GatewayResult = { kind: 'retryable', statusCode: 503, error: 'gateway answered 503', latencyMs: 5 };
const unknown: GatewayResult = { kind: 'unknown', statusCode: null, error: 'no answer in time', latencyMs: 10_000 };

describe(Message.name, () => {
  let sut: Message;

  beforeEach(() => {
    sut = message();
  });

  describe('delivery', () => {
    it('becomes sent with the gateway messageId and the time on an accepted answer', () => {
      const attempt = sut.applyDelivery(accepted, policy, NOW);
      expect(sut.status).toBe('sent');
      expect(sut.gatewayMessageId).toBe('67f2f8a8-ea58-4ed0-a6f9-ff217df4d849');
      expect(sut.sentAt).toEqual(NOW);
      expect(sut.attemptCount).toBe(1);
      expect(attempt).toEqual({ messageId: sut.id, attemptNo: 1, at: NOW, statusCode: 202, outcome: 'accepted', error: null, latencyMs: 12 });
    });

    it('goes back to pending with a backoff after a retryable failure', () => {
      const attempt = sut.applyDelivery(retryable, policy, NOW);
      expect(sut.status).toBe('pending');
      expect(sut.attemptCount).toBe(1);
      expect(sut.nextAttemptAt).toEqual(at(1_000));
      expect(sut.failureReason).toBe('gateway answered 503');
      expect(attempt.outcome).toBe('retryable');
    });

    it('honours Retry-After when it asks for longer than the backoff', () => {
      sut.applyDelivery({ ...retryable, statusCode: 429, retryAfterMs: 7_000 }, policy, NOW);
      expect(sut.nextAttemptAt).toEqual(at(7_000));
    });

    it('fails once the attempts are used up', () => {
      sut = message('sending', 2);
      sut.applyDelivery(retryable, policy, NOW);
      expect(sut.status).toBe('failed');
      expect(sut.attemptCount).toBe(3);
      expect(sut.nextAttemptAt).toBeNull();
      expect(sut.failureReason).toBe('gave up after 3 attempts: gateway answered 503');
    });

    it('fails at once on a permanent rejection, keeping the reason', () => {
      sut.applyDelivery({ kind: 'rejected', statusCode: 400, error: 'gateway answered 400: bad number', latencyMs: 3 }, policy, NOW);
      expect(sut.status).toBe('failed');
      expect(sut.failureReason).toBe('gateway answered 400: bad number');
    });

    it('fails an invalid claimed row without counting an attempt', () => {
      sut.rejectAsInvalid('content must not be empty', NOW);
      expect(sut.status).toBe('failed');
      expect(sut.attemptCount).toBe(0);
      expect(sut.failureReason).toBe('invalid message: content must not be empty');
    });

    it('refuses to record a delivery for a message it did not claim', () => {
      for (const status of ['pending', 'sent', 'failed', 'unknown', 'expired'] as const) {
        expect(() => message(status).applyDelivery(accepted, policy, NOW)).toThrow(IllegalTransitionError);
      }
    });
  });

  describe('an outcome in doubt', () => {
    it('is held as unknown by default, never scheduled for a resend', () => {
      const attempt = sut.applyDelivery(unknown, policy, NOW);

      expect(sut).toMatchObject({ status: 'unknown', attemptCount: 1, nextAttemptAt: null, failureReason: `${OUTCOME_UNKNOWN}: no answer in time` });
      expect(attempt).toMatchObject({ attemptNo: 1, outcome: 'unknown', statusCode: null, error: 'no answer in time' });
    });

    it('is held as unknown under the hold policy even with attempts left', () => {
      sut.applyDelivery(unknown, policy, NOW, 'hold');

      expect(sut.status).toBe('unknown');
      expect(sut.nextAttemptAt).toBeNull();
    });

    it('goes back to pending under resend, within the attempt budget', () => {
      sut = message('sending', 1);

      const attempt = sut.applyDelivery(unknown, policy, NOW, 'resend');

      expect(sut).toMatchObject({ status: 'pending', attemptCount: 2, nextAttemptAt: at(2_000) });
      expect(sut.failureReason).toBe(`${OUTCOME_UNKNOWN}, resending with the same Idempotency-Key: no answer in time`);
      expect(attempt).toMatchObject({ attemptNo: 2, outcome: 'unknown' });
    });

    it('becomes unknown under resend once the attempts are used up', () => {
      sut = message('sending', 2);

      sut.applyDelivery(unknown, policy, NOW, 'resend');

      expect(sut).toMatchObject({ status: 'unknown', attemptCount: 3, nextAttemptAt: null, failureReason: `${OUTCOME_UNKNOWN}: no answer in time` });
    });
  });

  describe('claims', () => {
    it('can be claimed only while pending, and carries the claim token', () => {
      const pending = message('pending');
      pending.markSending(at(5), 'token-a');
      expect(pending).toMatchObject({ status: 'sending', claimToken: 'token-a', updatedAt: at(5) });
      expect(() => pending.markSending(NOW)).toThrow(IllegalTransitionError);
    });

    it('gets a claim token even when none is given', () => {
      const pending = message('pending');
      pending.markSending(NOW);
      expect(pending.claimToken).toEqual(expect.any(String));
    });

    it('keeps "claimed" and "request started" apart: a claim starts with no request under way', () => {
      const claimed = message('pending', 0, { requestStartedAt: at(-60_000) });
      claimed.markSending(NOW, 'token-a');
      expect(claimed.requestStartedAt).toBeNull();

      claimed.markRequestStarted(at(10));
      expect(claimed).toMatchObject({ status: 'sending', requestStartedAt: at(10) });
      expect(() => claimed.markRequestStarted(at(20))).toThrow(IllegalTransitionError);
      expect(() => message('pending').markRequestStarted(NOW)).toThrow(IllegalTransitionError);
    });

    it('hands a claim back as it was while its request has not started, and never after', () => {
      const retried = message('sending', 2, { nextAttemptAt: at(-5), failureReason: 'gateway answered 503' });
      retried.releaseClaim(at(10));
      expect(retried).toMatchObject({
        status: 'pending',
        claimToken: null,
        attemptCount: 2,
        nextAttemptAt: at(-5),
        failureReason: 'gateway answered 503',
        updatedAt: at(10),
      });

      const started = message('sending');
      started.markRequestStarted(NOW);
      expect(() => started.releaseClaim(at(10))).toThrow(IllegalTransitionError);
      expect(() => message('sent').releaseClaim(NOW)).toThrow(IllegalTransitionError);
    });
  });

  describe('deadlines', () => {
    it('is expired at its expiresAt and after, never before, and never without one', () => {
      sut = message('pending', 0, { expiresAt: at(1_000) });

      expect(sut.isExpiredAt(at(999))).toBe(false);
      expect(sut.isExpiredAt(at(1_000))).toBe(true);
      expect(sut.isExpiredAt(at(1_001))).toBe(true);
      expect(message('pending').isExpiredAt(at(10 ** 12))).toBe(false);
    });

    it.each(['pending', 'sending'] as const)('expires from %s without counting an attempt', (status) => {
      sut = message(status, 1, { expiresAt: NOW, nextAttemptAt: at(-5) });

      sut.expire(at(10));

      expect(sut).toMatchObject({
        status: 'expired',
        attemptCount: 1,
        nextAttemptAt: null,
        failureReason: 'expired before it could be sent',
        updatedAt: at(10),
      });
    });

    it.each(['sent', 'failed', 'unknown', 'expired'] as const)('refuses to expire a %s message', (status) => {
      expect(() => message(status).expire(NOW)).toThrow(IllegalTransitionError);
    });
  });

  describe('replay', () => {
    it.each(['failed', 'unknown', 'expired'] as const)('puts a %s message back to pending with a fresh attempt budget', (status) => {
      sut = message(status, 3, { failureReason: 'something went wrong', nextAttemptAt: at(-1), claimToken: 'old-claim', replayCount: 1 });

      const from = sut.replay(at(60_000));

      expect(from).toBe(status);
      expect(sut).toMatchObject({
        status: 'pending',
        attemptCount: 0,
        nextAttemptAt: null,
        failureReason: null,
        claimToken: null,
        replayCount: 2,
        updatedAt: at(60_000),
      });
    });

    it('drops a deadline that has passed, so the replayed message is sent', () => {
      sut = message('expired', 1, { expiresAt: at(1_000) });

      sut.replay(at(1_000));

      expect(sut.expiresAt).toBeNull();
      expect(sut.isExpiredAt(at(10 ** 9))).toBe(false);
    });

    it('keeps a deadline that is still ahead', () => {
      sut = message('failed', 5, { expiresAt: at(60_000) });

      sut.replay(at(1_000));

      expect(sut.expiresAt).toEqual(at(60_000));
    });

    it('leaves a pending message as it is and returns null', () => {
      sut = message('pending', 2, { replayCount: 0, nextAttemptAt: at(5_000) });
      const before = sut.toProps();

      expect(sut.replay(at(1_000))).toBeNull();
      expect(sut.toProps()).toEqual(before);
    });

    it.each(['sent', 'sending'] as const)('refuses to replay a %s message, which could send it twice', (status) => {
      sut = message(status, 1);
      const before = sut.toProps();

      expect(() => sut.replay(NOW)).toThrow(ReplayRefusedError);
      expect(() => sut.replay(NOW)).toThrow(`message ${sut.id} cannot be replayed while ${status}`);
      expect(sut.toProps()).toEqual(before);
    });
  });

  it('tells why a row inserted by SQL may not be sent', () => {
    expect(sut.invalidReason(160)).toBeNull();
    const bad = Message.restore({ ...sut.toProps(), phoneNumber: '0555', content: '' });
    expect(bad.invalidReason(160)).toMatch(/E\.164/);
    const long = Message.restore({ ...sut.toProps(), content: 'x'.repeat(11) });
    expect(long.invalidReason(10)).toMatch(/at most 10 characters/);
  });
});
