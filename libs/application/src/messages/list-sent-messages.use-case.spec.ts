import { beforeEach, describe, expect, it } from '@jest/globals';
import { FakeClock } from '@test/support/fake-clock.js';
import { FakeMessageRepository, FakeSentMessageCache } from '@test/support/fakes.js';
import { ListSentMessages } from './list-sent-messages.use-case.js';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 22, 10, minute));

describe(ListSentMessages.name, () => {
  let messages: FakeMessageRepository;
  let cache: FakeSentMessageCache;
  let sut: ListSentMessages;

  beforeEach(() => {
    messages = new FakeMessageRepository(new FakeClock());
    cache = new FakeSentMessageCache();
    sut = new ListSentMessages(messages, cache);
  });

  const sent = (minute: number, gatewayMessageId: string) => messages.seed({ status: 'sent', attemptCount: 1, gatewayMessageId, sentAt: at(minute) });

  it('lists only sent messages, most recently sent first, a page at a time', async () => {
    const early = sent(1, 'gw-1');
    messages.seed({ status: 'pending' });
    messages.seed({ status: 'failed', failureReason: 'gateway answered 400' });
    const late = sent(5, 'gw-2');
    const middle = sent(3, 'gw-3');

    const first = await sut.execute({ limit: 2 });
    const second = await sut.execute({ limit: 2, cursor: first.nextCursor as string });

    expect(first.items.map((item) => item.message.gatewayMessageId)).toEqual([late.gatewayMessageId, middle.gatewayMessageId]);
    expect(second.items.map((item) => item.message.id)).toEqual([early.id]);
    expect(second.nextCursor).toBeNull();
  });

  it('says per message whether its receipt is cached, with one cache look-up per page', async () => {
    const [a, b, c] = [sent(1, 'gw-a'), sent(2, 'gw-b'), sent(3, 'gw-c')];
    cache.hold(a.id, { messageId: 'gw-a', sentAt: at(1), cachedAt: at(1) });
    cache.hold(c.id, { messageId: 'gw-c', sentAt: at(3), cachedAt: null });

    const page = await sut.execute({ limit: 20 });

    expect(page.items.map((item) => [item.message.id, item.cached])).toEqual([
      [c.id, true],
      [b.id, false],
      [a.id, true],
    ]);
    expect(cache.lookups).toEqual([[c.id, b.id, a.id]]);
  });

  it.each(['down', 'disabled'] as const)('answers cached: false for every message while the cache is %s', async (mode) => {
    const message = sent(1, 'gw-1');
    cache.hold(message.id, { messageId: 'gw-1', sentAt: at(1), cachedAt: at(1) });
    cache.mode = mode;

    const page = await sut.execute({ limit: 20 });

    expect(page.items.map((item) => item.cached)).toEqual([false]);
  });

  it('returns an empty last page when nothing was sent, without asking the cache', async () => {
    messages.seed();

    await expect(sut.execute({ limit: 20 })).resolves.toEqual({ items: [], nextCursor: null });
    expect(cache.lookups).toEqual([]);
  });
});
