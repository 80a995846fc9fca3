import { beforeEach, describe, expect, it } from '@jest/globals';
import { IdempotencyKeyReusedError, ValidationError } from '@app/domain';
import { FakeClock } from '@test/support/fake-clock.js';
import { dispatchSettings, FakeMessageRepository } from '@test/support/fakes.js';
import type { DispatchSettings } from '../dispatch-settings.js';
import { CreateMessage } from './create-message.use-case.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const at = (ms: number) => new Date(NOW.getTime() + ms);

const settings: DispatchSettings = dispatchSettings({ maxContentLength: 10 });

async function violationsOf(promise: Promise<unknown>): Promise<ValidationError['details']> {
  const error = await promise.then(
    () => {
      throw new Error('expected a ValidationError');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).details;
}

describe(CreateMessage.name, () => {
  let clock: FakeClock;
  let messages: FakeMessageRepository;
  let sut: CreateMessage;

  beforeEach(() => {
    clock = new FakeClock(NOW);
    messages = new FakeMessageRepository(clock);
    sut = new CreateMessage(messages, clock, settings);
  });

  it('stores a valid message as pending and returns it, not replayed', async () => {
    const { message, replayed } = await sut.execute({ phoneNumber: '+905551111111', content: 'Günaydın' });

    expect(replayed).toBe(false);
    expect(message).toMatchObject({ status: 'pending', attemptCount: 0, sendAfter: null, expiresAt: null, replayCount: 0 });
    const stored = messages.get(message.id);
    expect(stored.toProps()).toEqual(message.toProps());
    expect(stored.phoneNumber).toBe('+905551111111');
    expect(stored.content).toBe('Günaydın');
  });

  it('stores sendAfter and expiresAt', async () => {
    const { message } = await sut.execute({ phoneNumber: '+905551111111', content: 'later', sendAfter: at(60_000), expiresAt: at(120_000) });

    expect(messages.get(message.id)).toMatchObject({ sendAfter: at(60_000), expiresAt: at(120_000) });
  });

  it('stores the priority, and 0 when it is left out or null', async () => {
    const urgent = await sut.execute({ phoneNumber: '+905551111111', content: 'code 1234', priority: 100 });
    const plain = await sut.execute({ phoneNumber: '+905551111111', content: 'hello' });
    const nullish = await sut.execute({ phoneNumber: '+905551111111', content: 'hello', priority: null });

    expect([urgent, plain, nullish].map(({ message }) => messages.get(message.id).priority)).toEqual([100, 0, 0]);
  });

  it.each([101, -101, 1.5, Number.NaN])('refuses priority %s with the range, together with the other bad fields', async (priority) => {
    const details = await violationsOf(sut.execute({ phoneNumber: '+905551111111', content: '', priority }));

    expect(details).toEqual([
      { field: 'content', messages: ['content must not be empty'] },
      { field: 'priority', messages: ['priority must be a whole number from -100 to 100'] },
    ]);
    expect(messages.all()).toHaveLength(0);
  });

  it('reports a bad phone number and bad content together, and stores nothing', async () => {
    const details = await violationsOf(sut.execute({ phoneNumber: '0555 111 11 11', content: '' }));

    expect(details).toEqual([
      { field: 'phoneNumber', messages: [expect.stringMatching(/E\.164/)] },
      { field: 'content', messages: ['content must not be empty'] },
    ]);
    expect(messages.all()).toHaveLength(0);
  });

  it('reports only the field that is wrong', async () => {
    const details = await violationsOf(sut.execute({ phoneNumber: '+905551111111', content: '\u0000' }));

    expect(details).toEqual([{ field: 'content', messages: ['content must not contain NUL characters'] }]);
  });

  it('measures content against the configured maximum, in characters', async () => {
    await expect(sut.execute({ phoneNumber: '+905551111111', content: 'ğ'.repeat(10) })).resolves.toMatchObject({ message: { status: 'pending' } });

    const details = await violationsOf(sut.execute({ phoneNumber: '+905551111111', content: 'x'.repeat(11) }));
    expect(details).toEqual([{ field: 'content', messages: ['content must be at most 10 characters (got 11)'] }]);
    expect(messages.all()).toHaveLength(1);
  });

  describe('deadlines', () => {
    it.each([
      ['in the past', at(-1)],
      ['right now', NOW],
    ])('refuses an expiresAt %s, naming expiresAt', async (_, expiresAt) => {
      const details = await violationsOf(sut.execute({ phoneNumber: '+905551111111', content: 'hi', expiresAt }));

      expect(details).toEqual([{ field: 'expiresAt', messages: ['expiresAt must be in the future'] }]);
      expect(messages.all()).toHaveLength(0);
    });

    it.each([
      ['before', at(50_000)],
      ['equal to', at(60_000)],
    ])('refuses an expiresAt %s sendAfter, naming expiresAt', async (_, expiresAt) => {
      const details = await violationsOf(sut.execute({ phoneNumber: '+905551111111', content: 'hi', sendAfter: at(60_000), expiresAt }));

      expect(details).toEqual([{ field: 'expiresAt', messages: ['expiresAt must be later than sendAfter'] }]);
    });

    it('reports a bad deadline together with the other bad fields', async () => {
      const details = await violationsOf(sut.execute({ phoneNumber: '12', content: 'hi', expiresAt: at(-1) }));

      expect(details.map((d) => d.field)).toEqual(['phoneNumber', 'expiresAt']);
    });

    it('accepts a sendAfter in the past (send as soon as possible)', async () => {
      await expect(sut.execute({ phoneNumber: '+905551111111', content: 'hi', sendAfter: at(-60_000), expiresAt: at(1) })).resolves.toMatchObject({
        replayed: false,
      });
    });
  });

  describe('Idempotency-Key', () => {
    const request = { phoneNumber: '+905551111111', content: 'hello', sendAfter: at(60_000), expiresAt: at(120_000), idempotencyKey: 'order-42' };

    it('returns the first message, replayed, for the same key and the same request', async () => {
      const first = await sut.execute(request);
      const second = await sut.execute({ ...request, sendAfter: new Date(request.sendAfter), expiresAt: new Date(request.expiresAt) });

      expect(first.replayed).toBe(false);
      expect(second.replayed).toBe(true);
      expect(second.message.id).toBe(first.message.id);
      expect(messages.all()).toHaveLength(1);
    });

    it.each([
      ['content', { content: 'goodbye' }],
      ['phone number', { phoneNumber: '+905552222222' }],
      ['sendAfter', { sendAfter: at(61_000) }],
      ['expiresAt', { expiresAt: null }],
      ['priority', { priority: 1 }],
    ])('refuses the same key with another %s', async (_, change) => {
      const first = await sut.execute(request);

      const reuse = sut.execute({ ...request, ...change });

      await expect(reuse).rejects.toThrow(IdempotencyKeyReusedError);
      await expect(reuse).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
      expect(messages.all().map((m) => m.id)).toEqual([first.message.id]);
    });

    it('takes priority 0 and no priority as the same request (fingerprints made before priorities still match)', async () => {
      const first = await sut.execute(request);
      const again = await sut.execute({ ...request, priority: 0 });

      expect(again).toMatchObject({ replayed: true, message: { id: first.message.id } });
    });

    it('creates one message per key, and one per request without a key', async () => {
      await sut.execute({ ...request, idempotencyKey: 'a' });
      await sut.execute({ ...request, idempotencyKey: 'b' });
      const plain = { phoneNumber: '+905551111111', content: 'hello' };
      const [x, y] = [await sut.execute(plain), await sut.execute({ ...plain, idempotencyKey: null })];

      expect(messages.all()).toHaveLength(4);
      expect([x.replayed, y.replayed]).toEqual([false, false]);
    });

    // Bug (create-message.use-case.ts, execute): the request is validated against the clock before
    // the key is looked up, so a client that retries the very same request after its expiresAt
    // (its first response was lost) gets a 400 "expiresAt must be in the future" although the
    // message exists and may have been sent. A retry should get the stored message back.
    it('returns the first message for a retry that arrives after its expiresAt', async () => {
      const short = { ...request, sendAfter: null, expiresAt: at(5_000) };
      const first = await sut.execute(short);
      await clock.advance(6_000);

      const retry = await sut.execute(short);

      expect(retry).toMatchObject({ replayed: true, message: { id: first.message.id } });
    });
  });
});
