import { beforeEach, describe, expect, it } from '@jest/globals';
import { MessageNotFoundError } from '@app/domain';
import { FakeClock } from '../../../../test/support/fake-clock.js';
import { FakeMessageRepository } from '../../../../test/support/fakes.js';
import { GetMessage } from './get-message.use-case.js';

describe(GetMessage.name, () => {
  let messages: FakeMessageRepository;
  let sut: GetMessage;

  beforeEach(() => {
    messages = new FakeMessageRepository(new FakeClock());
    sut = new GetMessage(messages);
  });

  it('returns the stored message in its current state', async () => {
    messages.seed();
    const sent = messages.seed({ status: 'sent', attemptCount: 1, gatewayMessageId: 'gw-1', sentAt: new Date('2026-11-22T10:01:00Z') });

    const found = await sut.execute(sent.id);

    expect(found.toProps()).toEqual(sent.toProps());
  });

  it('throws MessageNotFoundError for an id it does not know', async () => {
    messages.seed();

    await expect(sut.execute('0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11')).rejects.toThrow(MessageNotFoundError);
    await expect(sut.execute('not-a-uuid')).rejects.toMatchObject({ code: 'MESSAGE_NOT_FOUND' });
  });
});
