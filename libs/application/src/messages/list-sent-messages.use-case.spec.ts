import { beforeEach, describe, expect, it } from '@jest/globals';
import { FakeClock } from '../../../../test/support/fake-clock.js';
import { FakeMessageRepository } from '../../../../test/support/fakes.js';
import { ListSentMessages } from './list-sent-messages.use-case.js';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 22, 10, minute));

describe(ListSentMessages.name, () => {
  let messages: FakeMessageRepository;
  let sut: ListSentMessages;

  beforeEach(() => {
    messages = new FakeMessageRepository(new FakeClock());
    sut = new ListSentMessages(messages);
  });

  it('lists only sent messages, most recently sent first, a page at a time', async () => {
    const early = messages.seed({ status: 'sent', attemptCount: 1, gatewayMessageId: 'gw-1', sentAt: at(1) });
    messages.seed({ status: 'pending' });
    messages.seed({ status: 'failed', failureReason: 'gateway answered 400' });
    const late = messages.seed({ status: 'sent', attemptCount: 2, gatewayMessageId: 'gw-2', sentAt: at(5) });
    const middle = messages.seed({ status: 'sent', attemptCount: 1, gatewayMessageId: 'gw-3', sentAt: at(3) });

    const first = await sut.execute({ limit: 2 });
    const second = await sut.execute({ limit: 2, cursor: first.nextCursor as string });

    expect(first.items.map((m) => m.gatewayMessageId)).toEqual([late.gatewayMessageId, middle.gatewayMessageId]);
    expect(second.items.map((m) => m.id)).toEqual([early.id]);
    expect(second.nextCursor).toBeNull();
  });

  it('returns an empty last page when nothing was sent', async () => {
    messages.seed();

    await expect(sut.execute({ limit: 20 })).resolves.toEqual({ items: [], nextCursor: null });
  });
});
