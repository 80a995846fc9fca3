import { beforeEach, describe, expect, it } from '@jest/globals';
import { InvalidCursorError, ValidationError } from '@app/domain';
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

  it('searches by id or gateway messageId, by phone number and by failure reason, as q says', async () => {
    const a = messages.seed({ phoneNumber: '+905551111111', status: 'failed', failureReason: 'gateway answered 400: bad number' });
    const b = messages.seed({ phoneNumber: '+905552222222', status: 'sent', gatewayMessageId: '67f2f8a8-ea58-4ed0-a6f9-ff217df4d849' });
    const c = messages.seed({ phoneNumber: '+905551111111' });
    const ids = async (q: string) => (await sut.execute({ limit: 10, q })).items.map((m) => m.id);

    expect(await ids(a.id.toUpperCase())).toEqual([a.id]);
    expect(await ids('67F2F8A8-EA58-4ED0-A6F9-FF217DF4D849')).toEqual([b.id]);
    expect(await ids('+90 555 111 11 11')).toEqual([c.id, a.id]);
    expect(await ids('BAD NUMBER')).toEqual([a.id]);
    expect(await ids('  ')).toEqual([c.id, b.id, a.id]);
  });

  it('keeps the messages created in the time range', async () => {
    const clock = new FakeClock(new Date('2026-11-22T10:00:00.000Z'));
    messages = new FakeMessageRepository(clock);
    sut = new ListMessages(messages);
    const early = messages.seed();
    await clock.advance(60_000);
    const late = messages.seed();

    expect((await sut.execute({ limit: 10, from: clock.now() })).items.map((m) => m.id)).toEqual([late.id]);
    expect((await sut.execute({ limit: 10, to: clock.now() })).items.map((m) => m.id)).toEqual([early.id]);
  });

  it('refuses a search longer than 200 characters or holding NUL, and a date that is not one', async () => {
    await expect(sut.execute({ limit: 10, q: 'x'.repeat(201) })).rejects.toThrow(ValidationError);
    await expect(sut.execute({ limit: 10, q: 'a\u0000b' })).rejects.toMatchObject({ details: [{ field: 'q', messages: ['q must not contain NUL'] }] });
    await expect(sut.execute({ limit: 10, from: new Date('2026-W47') })).rejects.toMatchObject({ details: [{ field: 'from' }] });
    await expect(sut.execute({ limit: 10, q: 'ok' })).rejects.toMatchObject({ details: [{ field: 'q' }] });
  });
});
