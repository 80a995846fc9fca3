import { beforeEach, describe, expect, it } from '@jest/globals';
import { MessageNotFoundError, RetryPolicy } from '@app/domain';
import { FakeClock } from '@test/support/fake-clock.js';
import { FakeMessageRepository, gatewayResult } from '@test/support/fakes.js';
import { GetMessage } from './get-message.use-case.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');

describe(GetMessage.name, () => {
  let clock: FakeClock;
  let messages: FakeMessageRepository;
  let sut: GetMessage;

  beforeEach(() => {
    clock = new FakeClock(NOW);
    messages = new FakeMessageRepository(clock);
    sut = new GetMessage(messages);
  });

  it('returns the stored message in its current state, with no history yet', async () => {
    messages.seed();
    const sent = messages.seed({ status: 'sent', attemptCount: 1, gatewayMessageId: 'gw-1', sentAt: new Date('2026-11-22T10:01:00Z') });

    const found = await sut.execute(sent.id);

    expect(found.message.toProps()).toEqual(sent.toProps());
    expect(found).toMatchObject({ attempts: [], replays: [] });
  });

  it('returns the attempts and replays of that message only, oldest first', async () => {
    const [target, other] = [messages.seed(), messages.seed()];
    const claimed = await messages.claimBatch(2, NOW, { owner: 'test', leaseMs: 60_000 });
    const policy = new RetryPolicy({ baseMs: 1_000, maxMs: 1_000, maxAttempts: 1 });
    await messages.recordOutcomes(
      claimed.map((m, i) => ({ message: m, attempt: m.applyDelivery(i === 0 ? gatewayResult.rejected(400) : gatewayResult.accepted(), policy, NOW) })),
    );
    await messages.replay(target.id, new Date(NOW.getTime() + 1_000));

    const found = await sut.execute(target.id);

    expect(found.message).toMatchObject({ id: target.id, status: 'pending', replayCount: 1 });
    expect(found.attempts).toEqual([expect.objectContaining({ messageId: target.id, attemptNo: 1, outcome: 'rejected', statusCode: 400 })]);
    expect(found.replays).toEqual([{ at: new Date(NOW.getTime() + 1_000), previousStatus: 'failed', previousReason: 'gateway answered 400: bad request' }]);
    expect((await sut.execute(other.id)).replays).toEqual([]);
  });

  it('throws MessageNotFoundError for an id it does not know', async () => {
    messages.seed();

    await expect(sut.execute('0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11')).rejects.toThrow(MessageNotFoundError);
    await expect(sut.execute('not-a-uuid')).rejects.toMatchObject({ code: 'MESSAGE_NOT_FOUND' });
  });
});
