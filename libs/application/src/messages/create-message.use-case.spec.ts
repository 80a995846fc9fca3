import { beforeEach, describe, expect, it } from '@jest/globals';
import { ValidationError } from '@app/domain';
import { FakeClock } from '../../../../test/support/fake-clock.js';
import { FakeMessageRepository } from '../../../../test/support/fakes.js';
import type { DispatchSettings } from '../dispatch-settings.js';
import { CreateMessage } from './create-message.use-case.js';

const settings: DispatchSettings = {
  intervalMs: 120_000,
  batchSize: 2,
  autostart: true,
  maxContentLength: 10,
  retry: { baseMs: 1_000, maxMs: 300_000, maxAttempts: 5 },
};

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
    clock = new FakeClock();
    messages = new FakeMessageRepository(clock);
    sut = new CreateMessage(messages, settings);
  });

  it('stores a valid message as pending and returns it', async () => {
    const created = await sut.execute({ phoneNumber: '+905551111111', content: 'Günaydın' });

    expect(created.status).toBe('pending');
    expect(created.attemptCount).toBe(0);
    const stored = messages.get(created.id);
    expect(stored.toProps()).toEqual(created.toProps());
    expect(stored.phoneNumber).toBe('+905551111111');
    expect(stored.content).toBe('Günaydın');
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
    await expect(sut.execute({ phoneNumber: '+905551111111', content: 'ğ'.repeat(10) })).resolves.toMatchObject({ status: 'pending' });

    const details = await violationsOf(sut.execute({ phoneNumber: '+905551111111', content: 'x'.repeat(11) }));
    expect(details).toEqual([{ field: 'content', messages: ['content must be at most 10 characters (got 11)'] }]);
    expect(messages.all()).toHaveLength(1);
  });
});
