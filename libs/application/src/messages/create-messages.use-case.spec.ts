import { beforeEach, describe, expect, it } from '@jest/globals';
import { type BatchItemResult, IdempotencyKeyReusedError, ValidationError } from '@app/domain';
import { FakeClock } from '@test/support/fake-clock.js';
import { dispatchSettings, FakeMessageRepository } from '@test/support/fakes.js';
import type { DispatchSettings } from '../dispatch-settings.js';
import type { CreateMessageCommand } from './create-message.command.js';
import { CreateMessage } from './create-message.use-case.js';
import type { CreateMessagesItem } from './create-messages.command.js';
import { CreateMessages } from './create-messages.use-case.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const at = (ms: number) => new Date(NOW.getTime() + ms);

const settings: DispatchSettings = dispatchSettings({ maxContentLength: 10 });

const valid = (i: number): CreateMessagesItem => ({ phoneNumber: `+90555${String(1_000_000 + i).padStart(7, '0')}`, content: `msg ${i}` });

const idOf = (result: BatchItemResult) => ('id' in result ? result.id : null);

describe(CreateMessages.name, () => {
  let clock: FakeClock;
  let messages: FakeMessageRepository;
  let sut: CreateMessages;

  beforeEach(() => {
    clock = new FakeClock(NOW);
    messages = new FakeMessageRepository(clock);
    sut = new CreateMessages(messages, clock, settings);
  });

  it('creates every valid item as a pending message and answers their ids in request order', async () => {
    const items = [valid(0), { ...valid(1), sendAfter: at(60_000), expiresAt: at(120_000) }, valid(2)];

    const answer = await sut.execute({ items, atomic: false });

    expect(answer).toMatchObject({ created: 3, failed: 0, replayed: false });
    const stored = answer.results.map((r) => messages.get(idOf(r) as string));
    expect(stored.map((m) => [m.phoneNumber, m.content, m.status])).toEqual([
      ['+905551000000', 'msg 0', 'pending'],
      ['+905551000001', 'msg 1', 'pending'],
      ['+905551000002', 'msg 2', 'pending'],
    ]);
    expect(stored[1]).toMatchObject({ sendAfter: at(60_000), expiresAt: at(120_000) });
    expect(messages.all().map((m) => m.id)).toEqual(answer.results.map(idOf));
  });

  it('stores the priority of each item, 0 when left out, and refuses an item whose priority is out of range', async () => {
    const items = [{ ...valid(0), priority: 100 }, valid(1), { ...valid(2), priority: -100 }, { ...valid(3), priority: 101 }];

    const answer = await sut.execute({ items, atomic: false });

    expect(answer).toMatchObject({ created: 3, failed: 1 });
    expect(answer.results.slice(0, 3).map((r) => messages.get(idOf(r) as string).priority)).toEqual([100, 0, -100]);
    expect(answer.results[3]).toEqual({
      error: {
        code: 'VALIDATION_FAILED',
        message: 'priority: priority must be a whole number from -100 to 100',
        details: [{ field: 'priority', messages: ['priority must be a whole number from -100 to 100'] }],
      },
    });
  });

  it('creates the valid items and answers each bad one with the error a single create of it gets, in order', async () => {
    const bad: CreateMessageCommand[] = [
      { phoneNumber: '0555 111 11 11', content: '' },
      { phoneNumber: '+905551111111', content: 'x'.repeat(11) },
      { phoneNumber: '+905551111111', content: 'hi', expiresAt: at(-1) },
      { phoneNumber: '+905551111111', content: 'hi', sendAfter: at(60_000), expiresAt: at(30_000) },
      { phoneNumber: '+905551111111', content: 'hi', sendAfter: new Date('2026-W47') },
    ];
    const single = new CreateMessage(new FakeMessageRepository(clock), clock, settings);
    const singleErrors = await Promise.all(
      bad.map((item) =>
        single.execute(item).then(
          () => null,
          (e: ValidationError) => e,
        ),
      ),
    );

    const answer = await sut.execute({ items: [valid(0), ...bad, valid(1)], atomic: false });

    expect(answer).toMatchObject({ created: 2, failed: 5, replayed: false });
    expect(answer.results).toHaveLength(7);
    expect(answer.results.slice(1, 6)).toEqual(singleErrors.map((e) => ({ error: { code: 'VALIDATION_FAILED', message: e?.message, details: e?.details } })));
    expect(singleErrors.every((e) => e instanceof ValidationError)).toBe(true);
    // An ISO-8601 week date passes the DTO but is no Date: refused by the shared rules, not a 500.
    expect(singleErrors[4]?.details).toEqual([{ field: 'sendAfter', messages: ['sendAfter must be an ISO-8601 date-time'] }]);
    expect(messages.all().map((m) => m.content)).toEqual(['msg 0', 'msg 1']);
  });

  it('answers an item whose shape was refused with that reason, and still creates the others', async () => {
    const rejected = [{ field: 'priority', messages: ['property priority should not exist'] }];

    const answer = await sut.execute({ items: [{ rejected }, valid(0)], atomic: false });

    expect(answer.results[0]).toEqual({ error: { code: 'VALIDATION_FAILED', message: 'priority: property priority should not exist', details: rejected } });
    expect(idOf(answer.results[1])).toEqual(expect.any(String));
    expect(messages.all()).toHaveLength(1);
  });

  it.each([0, 1001])('refuses a batch of %i items', async (count) => {
    const run = sut.execute({ items: Array.from({ length: count }, (_, i) => valid(i)), atomic: false });

    await expect(run).rejects.toThrow(ValidationError);
    await expect(run).rejects.toMatchObject({ details: [{ field: 'messages', messages: ['messages must hold 1 to 1000 items'] }] });
    expect(messages.all()).toHaveLength(0);
  });

  it('takes 1000 items', async () => {
    const answer = await sut.execute({ items: Array.from({ length: 1000 }, (_, i) => valid(i)), atomic: true });

    expect(answer.created).toBe(1000);
    expect(new Set(answer.results.map(idOf)).size).toBe(1000);
  });

  describe('atomic', () => {
    it('refuses the whole batch when any item is bad, naming every bad field of every bad item, and creates nothing', async () => {
      const items: CreateMessagesItem[] = [
        valid(0),
        { phoneNumber: '12', content: '' },
        valid(2),
        { rejected: [{ field: 'content', messages: ['content must be a string'] }] },
      ];

      const run = sut.execute({ items, atomic: true });

      await expect(run).rejects.toThrow(ValidationError);
      const error = (await run.catch((e: unknown) => e)) as ValidationError;
      expect(error.details).toEqual([
        { field: 'messages[1].phoneNumber', messages: [expect.stringMatching(/E\.164/)] },
        { field: 'messages[1].content', messages: ['content must not be empty'] },
        { field: 'messages[3].content', messages: ['content must be a string'] },
      ]);
      expect(messages.all()).toHaveLength(0);
    });

    it('creates every item when all are valid', async () => {
      const answer = await sut.execute({ items: [valid(0), valid(1)], atomic: true });

      expect(answer).toMatchObject({ created: 2, failed: 0 });
      expect(messages.all()).toHaveLength(2);
    });
  });

  describe('Idempotency-Key', () => {
    const items: CreateMessagesItem[] = [valid(0), { phoneNumber: 'nope', content: 'hi' }, { ...valid(2), sendAfter: at(60_000) }];

    it('answers the same request again with the first answer, replayed, and creates nothing more', async () => {
      const first = await sut.execute({ items, atomic: false, idempotencyKey: 'batch-1' });
      const again = await sut.execute({ items: items.map((i) => ({ ...i })), atomic: false, idempotencyKey: 'batch-1' });

      expect(first.replayed).toBe(false);
      expect(again).toEqual({ ...first, replayed: true });
      expect(messages.all()).toHaveLength(2);
    });

    it('answers a retry with the first answer even after an item has expired meanwhile, also when atomic', async () => {
      const short = [valid(0), { ...valid(1), expiresAt: at(5_000) }];
      const first = await sut.execute({ items: short, atomic: true, idempotencyKey: 'batch-2' });
      await clock.advance(6_000);

      const retry = await sut.execute({ items: short, atomic: true, idempotencyKey: 'batch-2' });

      expect(retry).toEqual({ ...first, replayed: true });
    });

    it.each([
      ['another item', { items: [...items.slice(0, 2), valid(3)], atomic: false }],
      ['one item less', { items: items.slice(0, 2), atomic: false }],
      ['another sendAfter', { items: [...items.slice(0, 2), { ...valid(2), sendAfter: at(61_000) }], atomic: false }],
      ['another mode', { items, atomic: true }],
    ])('refuses the same key with %s, and creates nothing', async (_, other) => {
      await sut.execute({ items, atomic: false, idempotencyKey: 'batch-3' });

      const reuse = sut.execute({ ...other, idempotencyKey: 'batch-3' });

      await expect(reuse).rejects.toThrow(IdempotencyKeyReusedError);
      expect(messages.all()).toHaveLength(2);
    });

    it('keeps the answer of a batch whose every item was refused', async () => {
      const refused = [{ phoneNumber: 'nope', content: 'hi' }];
      const first = await sut.execute({ items: refused, atomic: false, idempotencyKey: 'batch-4' });

      await expect(sut.execute({ items: refused, atomic: false, idempotencyKey: 'batch-4' })).resolves.toEqual({ ...first, replayed: true });
      expect(first).toMatchObject({ created: 0, failed: 1 });
    });

    it('creates once when the same request comes twice at once', async () => {
      const [a, b] = await Promise.all([
        sut.execute({ items, atomic: false, idempotencyKey: 'batch-5' }),
        sut.execute({ items, atomic: false, idempotencyKey: 'batch-5' }),
      ]);

      expect([a.replayed, b.replayed].sort()).toEqual([false, true]);
      expect(a.results).toEqual(b.results);
      expect(messages.all()).toHaveLength(2);
    });

    it('creates a new batch for each request without a key', async () => {
      await sut.execute({ items, atomic: false });
      await sut.execute({ items, atomic: false, idempotencyKey: null });

      expect(messages.all()).toHaveLength(4);
    });
  });
});
