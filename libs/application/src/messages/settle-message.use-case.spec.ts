import { beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { MessageNotFoundError, NotInDoubtError, ValidationError } from '@app/domain';
import { FakeClock } from '@test/support/fake-clock.js';
import { FakeMessageRepository, FakeSentMessageCache } from '@test/support/fakes.js';
import { SettleMessage } from './settle-message.use-case.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const GW = '67f2f8a8-ea58-4ed0-a6f9-ff217df4d849';
const OPERATOR = { source: 'dashboard', id: 'session:ops-1' } as const;

describe(SettleMessage.name, () => {
  let clock: FakeClock;
  let messages: FakeMessageRepository;
  let cache: FakeSentMessageCache;
  let sut: SettleMessage;

  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  beforeEach(() => {
    clock = new FakeClock(NOW);
    messages = new FakeMessageRepository(clock);
    cache = new FakeSentMessageCache();
    sut = new SettleMessage(messages, cache, clock);
  });

  const inDoubt = () => messages.seed({ status: 'unknown', attemptCount: 1, failureReason: 'outcome unknown: no answer in time', claimToken: 'claim-1' });

  it('settles a message in doubt as sent, caches its receipt, and answers it with its history, the decision included', async () => {
    const message = inDoubt();
    await clock.advance(60_000);

    const details = await sut.execute({ id: message.id, outcome: 'sent', reason: 'the gateway confirmed it', gatewayMessageId: GW, actor: OPERATOR });

    expect(details.message).toMatchObject({ id: message.id, status: 'sent', sentAt: clock.now(), gatewayMessageId: GW });
    expect(details.decisions).toEqual([
      {
        at: clock.now(),
        actor: OPERATOR,
        outcome: 'sent',
        reason: 'the gateway confirmed it',
        gatewayMessageId: GW,
        previousReason: 'outcome unknown: no answer in time',
      },
    ]);
    expect(messages.get(message.id).status).toBe('sent');
    expect(cache.puts).toEqual([{ id: message.id, receipt: { messageId: GW, sentAt: clock.now() } }]);
    expect(messages.operatorLog.all()).toEqual([
      {
        id: 1,
        at: clock.now(),
        actor: OPERATOR,
        action: 'settle',
        messageCount: 1,
        detail: { messageId: message.id, outcome: 'sent', reason: 'the gateway confirmed it', gatewayMessageId: GW },
      },
    ]);
  });

  it('settles a message in doubt as failed, caches nothing, and names an unnamed actor when none is given', async () => {
    const message = inDoubt();

    const details = await sut.execute({ id: message.id, outcome: 'failed', reason: 'never reached the gateway' });

    expect(details.message).toMatchObject({ status: 'failed', failureReason: 'settled by operator: never reached the gateway' });
    expect(cache.puts).toEqual([]);
    expect(messages.operatorLog.all().map((e) => e.actor)).toEqual([{ source: 'api', id: 'unnamed' }]);
  });

  it('goes on when the receipt cannot be cached', async () => {
    const message = inDoubt();
    cache.rejectPutsWith(new Error('redis down'));

    await expect(sut.execute({ id: message.id, outcome: 'sent', reason: 'ok', gatewayMessageId: GW })).resolves.toMatchObject({
      message: { status: 'sent' },
    });
  });

  it('refuses a message that is not in doubt with NotInDoubtError, and records nothing', async () => {
    const sent = messages.seed({ status: 'sent', sentAt: NOW, gatewayMessageId: 'gw' });

    await expect(sut.execute({ id: sent.id, outcome: 'failed', reason: 'no', actor: OPERATOR })).rejects.toThrow(NotInDoubtError);

    expect(messages.get(sent.id).status).toBe('sent');
    expect(messages.decisions).toEqual([]);
    expect(messages.operatorLog.all()).toEqual([]);
  });

  it('refuses a settlement that breaks a rule with ValidationError before looking the message up', async () => {
    await expect(sut.execute({ id: 'not-a-uuid', outcome: 'failed', reason: 'x', gatewayMessageId: GW })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ field: 'gatewayMessageId', messages: ['gatewayMessageId may only be given with outcome sent'] }],
    });
    await expect(sut.execute({ id: inDoubt().id, outcome: 'sent', reason: '   ' })).rejects.toThrow(ValidationError);
  });

  it('throws MessageNotFoundError for an id it does not know', async () => {
    await expect(sut.execute({ id: '0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11', outcome: 'sent', reason: 'x' })).rejects.toThrow(MessageNotFoundError);
  });
});
