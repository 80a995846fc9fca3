import { beforeEach, describe, expect, it } from '@jest/globals';
import { InvalidCursorError } from '@app/domain';
import { FakeClock } from '@test/support/fake-clock.js';
import { FakeMessageRepository } from '@test/support/fakes.js';
import { ListMessages } from './list-messages.use-case.js';

describe(ListMessages.name, () => {
  let messages: FakeMessageRepository;
  let sut: ListMessages;

  beforeEach(() => {
    messages = new FakeMessageRepository(new FakeClock());
    sut = new ListMessages(messages);
  });

  it('pages through every message newest first', async () => {
    const [a, b, c] = [messages.seed(), messages.seed({ status: 'failed' }), messages.seed({ status: 'sending' })];

    const first = await sut.execute({ limit: 2 });
    expect(first.items.map((m) => m.id)).toEqual([c.id, b.id]);
    expect(first.nextCursor).not.toBeNull();

    const second = await sut.execute({ limit: 2, cursor: first.nextCursor as string });
    expect(second).toEqual({ items: [expect.objectContaining({ id: a.id })], nextCursor: null });
  });

  it('keeps only the requested status', async () => {
    const pending = messages.seed();
    messages.seed({ status: 'failed' });
    const later = messages.seed();

    const page = await sut.execute({ limit: 10, status: 'pending' });

    expect(page.items.map((m) => m.id)).toEqual([later.id, pending.id]);
    expect(page.nextCursor).toBeNull();
  });

  it('keeps only the requested priority, with or without a status', async () => {
    const urgent = messages.seed({ priority: 9 });
    messages.seed();
    const urgentFailed = messages.seed({ priority: 9, status: 'failed' });

    expect((await sut.execute({ limit: 10, priority: 9 })).items.map((m) => m.id)).toEqual([urgentFailed.id, urgent.id]);
    expect((await sut.execute({ limit: 10, priority: 9, status: 'pending' })).items.map((m) => m.id)).toEqual([urgent.id]);
  });

  it('refuses a cursor it did not hand out', async () => {
    messages.seed();

    await expect(sut.execute({ limit: 10, cursor: 'made-up' })).rejects.toThrow(InvalidCursorError);
  });
});
