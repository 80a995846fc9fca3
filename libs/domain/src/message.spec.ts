import { beforeEach, describe, expect, it } from '@jest/globals';
import { type GatewayResult, RetryPolicy } from './delivery.js';
import { IllegalTransitionError } from './errors.js';
import { Message, type MessageStatus } from './message.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const policy = new RetryPolicy({ baseMs: 1_000, maxMs: 60_000, maxAttempts: 3 });

function message(status: MessageStatus = 'sending', attemptCount = 0): Message {
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
    createdAt: NOW,
    updatedAt: NOW,
  });
}

const accepted: GatewayResult = { kind: 'accepted', statusCode: 202, gatewayMessageId: '67f2f8a8-ea58-4ed0-a6f9-ff217df4d849', latencyMs: 12.4 };
const retryable: GatewayResult = { kind: 'retryable', statusCode: 503, error: 'gateway answered 503', latencyMs: 5 };

describe(Message.name, () => {
  let sut: Message;

  beforeEach(() => {
    sut = message();
  });

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
    expect(sut.nextAttemptAt).toEqual(new Date(NOW.getTime() + 1_000));
    expect(sut.failureReason).toBe('gateway answered 503');
    expect(attempt.outcome).toBe('retryable');
  });

  it('honours Retry-After when it asks for longer than the backoff', () => {
    sut.applyDelivery({ ...retryable, statusCode: 429, retryAfterMs: 7_000 }, policy, NOW);
    expect(sut.nextAttemptAt).toEqual(new Date(NOW.getTime() + 7_000));
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

  it('fails with "outcome unknown" when the gateway may have sent it, and never schedules a resend', () => {
    sut.applyDelivery({ kind: 'unknown', statusCode: null, error: 'no answer in time', latencyMs: 10_000 }, policy, NOW);
    expect(sut.status).toBe('failed');
    expect(sut.failureReason).toBe('outcome unknown: no answer in time');
    expect(sut.nextAttemptAt).toBeNull();
  });

  it('fails an invalid claimed row without counting an attempt', () => {
    sut.rejectAsInvalid('content must not be empty', NOW);
    expect(sut.status).toBe('failed');
    expect(sut.attemptCount).toBe(0);
    expect(sut.failureReason).toBe('invalid message: content must not be empty');
  });

  it('refuses to record a delivery for a message it did not claim', () => {
    for (const status of ['pending', 'sent', 'failed'] as const) {
      expect(() => message(status).applyDelivery(accepted, policy, NOW)).toThrow(IllegalTransitionError);
    }
  });

  it('can be claimed only while pending', () => {
    const pending = message('pending');
    pending.markSending(NOW);
    expect(pending.status).toBe('sending');
    expect(() => pending.markSending(NOW)).toThrow(IllegalTransitionError);
  });

  it('tells why a row inserted by SQL may not be sent', () => {
    expect(sut.invalidReason(160)).toBeNull();
    const bad = Message.restore({ ...sut.toProps(), phoneNumber: '0555', content: '' });
    expect(bad.invalidReason(160)).toMatch(/E\.164/);
    const long = Message.restore({ ...sut.toProps(), content: 'x'.repeat(11) });
    expect(long.invalidReason(10)).toMatch(/at most 10 characters/);
  });
});
