import { describe, expect, it } from '@jest/globals';
import { NotInDoubtError, ValidationError } from './errors.js';
import { Message, type MessageProps, type MessageStatus } from './message.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const LATER = new Date('2026-11-22T11:00:00.000Z');
const GW = '67f2f8a8-ea58-4ed0-a6f9-ff217df4d849';

function message(status: MessageStatus, overrides: Partial<MessageProps> = {}): Message {
  return Message.restore({
    id: '0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11',
    phoneNumber: '+905551111111',
    content: 'hello',
    status,
    attemptCount: 1,
    nextAttemptAt: null,
    gatewayMessageId: null,
    sentAt: null,
    failureReason: status === 'unknown' ? 'outcome unknown: no answer in time' : null,
    sendAfter: null,
    expiresAt: null,
    priority: 0,
    replayCount: 0,
    claimToken: status === 'unknown' || status === 'sending' ? 'claim-1' : null,
    requestStartedAt: NOW,
    createdAt: NOW,
    updatedAt: NOW,
    ...overrides,
  });
}

describe('Message.settle', () => {
  it('settles a message in doubt as sent: sentAt now, the gateway messageId, no failure reason, the claim dropped', () => {
    const sut = message('unknown');

    sut.settle({ outcome: 'sent', reason: 'the gateway confirmed it', gatewayMessageId: GW }, LATER);

    expect(sut.toProps()).toEqual({
      ...message('unknown').toProps(),
      status: 'sent',
      sentAt: LATER,
      gatewayMessageId: GW,
      failureReason: null,
      claimToken: null,
      nextAttemptAt: null,
      updatedAt: LATER,
    });
  });

  it('settles a message in doubt as sent without a gateway messageId', () => {
    const sut = message('unknown');

    sut.settle({ outcome: 'sent', reason: 'seen on the handset' }, LATER);

    expect(sut).toMatchObject({ status: 'sent', gatewayMessageId: null, sentAt: LATER });
  });

  it('settles a message in doubt as failed, keeping the reason as "settled by operator: <reason>"', () => {
    const sut = message('unknown');

    sut.settle({ outcome: 'failed', reason: 'the gateway has no trace of it' }, LATER);

    expect(sut).toMatchObject({
      status: 'failed',
      failureReason: 'settled by operator: the gateway has no trace of it',
      sentAt: null,
      gatewayMessageId: null,
      claimToken: null,
      attemptCount: 1,
      updatedAt: LATER,
    });
  });

  it.each<MessageStatus>(['pending', 'sending', 'sent', 'failed', 'expired'])('refuses a %s message with NotInDoubtError and changes nothing', (status) => {
    const sut = message(status);
    const before = sut.toProps();

    expect(() => sut.settle({ outcome: 'sent', reason: 'sure' }, LATER)).toThrow(NotInDoubtError);
    expect(() => sut.settle({ outcome: 'failed', reason: 'sure' }, LATER)).toThrow(
      `message 0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11 is ${status}, not in doubt (unknown): only a message in doubt can be settled by hand`,
    );
    expect(sut.toProps()).toEqual(before);
  });

  it.each([
    ['a gateway messageId with failed', { outcome: 'failed', reason: 'no', gatewayMessageId: GW }, 'gatewayMessageId'],
    ['a gateway messageId that is not a UUID', { outcome: 'sent', reason: 'yes', gatewayMessageId: 'gw-1' }, 'gatewayMessageId'],
    ['a blank reason', { outcome: 'sent', reason: ' \t ' }, 'reason'],
    ['an empty reason', { outcome: 'failed', reason: '' }, 'reason'],
    ['a reason with NUL', { outcome: 'failed', reason: 'a\u0000b' }, 'reason'],
    ['a reason of 501 characters', { outcome: 'failed', reason: 'x'.repeat(501) }, 'reason'],
    ['another outcome', { outcome: 'maybe', reason: 'hmm' }, 'outcome'],
  ] as const)('refuses %s with a ValidationError naming the field, before looking at the state', (_what, settlement, field) => {
    for (const status of ['unknown', 'sent'] as const) {
      const sut = message(status);
      const before = sut.toProps();
      let thrown: unknown;
      try {
        sut.settle(settlement as never, LATER);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ValidationError);
      expect((thrown as ValidationError).details.map((d) => d.field)).toEqual([field]);
      expect(sut.toProps()).toEqual(before);
    }
  });

  it('takes a reason of 500 characters, counted as code points', () => {
    const sut = message('unknown');

    sut.settle({ outcome: 'failed', reason: '😀'.repeat(500) }, LATER);

    expect(sut.status).toBe('failed');
  });
});
