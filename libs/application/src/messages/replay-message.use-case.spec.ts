import { beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { MessageNotFoundError, ReplayRefusedError } from '@app/domain';
import { FakeClock } from '@test/support/fake-clock.js';
import { FakeMessageRepository } from '@test/support/fakes.js';
import { ReplayMessage } from './replay-message.use-case.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const at = (ms: number) => new Date(NOW.getTime() + ms);

describe(ReplayMessage.name, () => {
  let clock: FakeClock;
  let messages: FakeMessageRepository;
  let sut: ReplayMessage;

  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  beforeEach(() => {
    clock = new FakeClock(NOW);
    messages = new FakeMessageRepository(clock);
    sut = new ReplayMessage(messages, clock);
  });

  it.each(['failed', 'unknown', 'expired'] as const)('puts a %s message back to pending with a fresh attempt budget and records the replay', async (status) => {
    const message = messages.seed({ status, attemptCount: 5, failureReason: `was ${status}`, expiresAt: at(-1), claimToken: 'stale-claim' });
    await clock.advance(30_000);

    const replayed = await sut.execute(message.id);

    expect(replayed).toMatchObject({
      id: message.id,
      status: 'pending',
      attemptCount: 0,
      failureReason: null,
      expiresAt: null,
      claimToken: null,
      replayCount: 1,
    });
    expect(messages.get(message.id).toProps()).toEqual(replayed.toProps());
    await expect(messages.history(message.id)).resolves.toEqual({
      attempts: [],
      replays: [{ at: at(30_000), previousStatus: status, previousReason: `was ${status}` }],
      decisions: [],
    });
  });

  it('writes the replay to the operator log with who asked, and an unnamed actor when none is given', async () => {
    const [failed, pending] = [messages.seed({ status: 'failed' }), messages.seed()];
    const operator = { source: 'dashboard', id: 'session:ops-1' } as const;

    await sut.execute(failed.id, operator);
    await sut.execute(pending.id);

    expect(messages.operatorLog.all()).toEqual([
      { id: 1, at: NOW, actor: operator, action: 'replay', messageCount: 1, detail: { messageId: failed.id, previousStatus: 'failed' } },
      { id: 2, at: NOW, actor: { source: 'api', id: 'unnamed' }, action: 'replay', messageCount: 0, detail: { messageId: pending.id, previousStatus: null } },
    ]);
  });

  it('records every replay of the same message', async () => {
    const message = messages.seed({ status: 'failed', failureReason: 'first' });
    await sut.execute(message.id);
    const [claimed] = await messages.claimBatch(1, clock.now(), { owner: 'test', leaseMs: 1_000 });
    claimed.expire(clock.now());
    await messages.recordOutcomes([{ message: claimed, attempt: null }]);
    await clock.advance(1_000);

    await expect(sut.execute(message.id)).resolves.toMatchObject({ status: 'pending', replayCount: 2 });

    const { replays } = await messages.history(message.id);
    expect(replays.map((r) => [r.previousStatus, r.at])).toEqual([
      ['failed', NOW],
      ['expired', at(1_000)],
    ]);
  });

  it('leaves a pending message as it is and records nothing', async () => {
    const message = messages.seed({ attemptCount: 2, nextAttemptAt: at(5_000) });

    const result = await sut.execute(message.id);

    expect(result.toProps()).toEqual(message.toProps());
    expect(messages.replays).toEqual([]);
  });

  it.each(['sent', 'sending'] as const)('refuses a %s message, which it could send twice', async (status) => {
    const message = messages.seed({ status, attemptCount: 1 });

    await expect(sut.execute(message.id)).rejects.toThrow(ReplayRefusedError);
    await expect(sut.execute(message.id)).rejects.toMatchObject({
      code: 'ILLEGAL_TRANSITION',
      message: `message ${message.id} cannot be replayed while ${status}`,
    });
    expect(messages.get(message.id).status).toBe(status);
    expect(messages.replays).toEqual([]);
    expect(messages.operatorLog.all()).toEqual([]);
  });

  it('throws MessageNotFoundError for an id it does not know', async () => {
    messages.seed({ status: 'failed' });

    await expect(sut.execute('0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11')).rejects.toThrow(MessageNotFoundError);
    expect(messages.replays).toEqual([]);
  });
});
