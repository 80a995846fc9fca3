import { beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { PreviewChangedError, ReplayRefusedError } from '@app/domain';
import { FakeClock } from '@test/support/fake-clock.js';
import { FakeMessageRepository } from '@test/support/fakes.js';
import { ReplayMessages } from './replay-messages.use-case.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const at = (ms: number) => new Date(NOW.getTime() + ms);

describe(ReplayMessages.name, () => {
  let clock: FakeClock;
  let messages: FakeMessageRepository;
  let sut: ReplayMessages;

  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  beforeEach(() => {
    clock = new FakeClock(at(3_600_000));
    messages = new FakeMessageRepository(clock);
    sut = new ReplayMessages(messages, clock);
  });

  /** One message in each state, reaching it at `updatedAt`. */
  const seedEveryState = (updatedAt: Date) =>
    Object.fromEntries(
      (['pending', 'sending', 'sent', 'failed', 'unknown', 'expired'] as const).map((status) => [
        status,
        messages.seed({ status, updatedAt, attemptCount: 1 }),
      ]),
    );

  it('replays every message in the chosen states and counts them', async () => {
    const seeded = seedEveryState(NOW);

    await expect(sut.execute({ statuses: ['failed', 'unknown'], dryRun: false })).resolves.toEqual({ count: 2 });

    expect(messages.all().map((m) => m.status)).toEqual(['pending', 'sending', 'sent', 'pending', 'pending', 'expired']);
    expect(messages.get(seeded.failed.id)).toMatchObject({ attemptCount: 0, replayCount: 1 });
    expect(messages.replays.map((r) => r.previousStatus).sort()).toEqual(['failed', 'unknown']);
  });

  it('changes nothing on a dry run, and counts what it would replay', async () => {
    seedEveryState(NOW);
    const before = messages.all().map((m) => m.toProps());

    await expect(sut.execute({ statuses: ['failed', 'unknown', 'expired'], dryRun: true })).resolves.toEqual({ count: 3 });

    expect(messages.all().map((m) => m.toProps())).toEqual(before);
    expect(messages.replays).toEqual([]);
  });

  it('keeps only messages that reached their state from `from` (inclusive) to `to` (exclusive)', async () => {
    const early = messages.seed({ status: 'failed', updatedAt: at(0) });
    const atFrom = messages.seed({ status: 'failed', updatedAt: at(1_000) });
    const inside = messages.seed({ status: 'unknown', updatedAt: at(1_500) });
    const atTo = messages.seed({ status: 'failed', updatedAt: at(2_000) });

    await expect(sut.execute({ statuses: ['failed', 'unknown'], from: at(1_000), to: at(2_000), dryRun: true })).resolves.toEqual({ count: 2 });
    await expect(sut.execute({ statuses: ['failed', 'unknown'], from: at(1_000), to: at(2_000), dryRun: false })).resolves.toEqual({ count: 2 });

    expect([early, atFrom, inside, atTo].map((m) => messages.get(m.id).status)).toEqual(['failed', 'pending', 'pending', 'failed']);
  });

  it('takes an open-ended range on either side', async () => {
    messages.seed({ status: 'expired', updatedAt: at(0) });
    messages.seed({ status: 'expired', updatedAt: at(5_000) });

    await expect(sut.execute({ statuses: ['expired'], from: at(1_000), dryRun: true })).resolves.toEqual({ count: 1 });
    await expect(sut.execute({ statuses: ['expired'], to: at(1_000), dryRun: true })).resolves.toEqual({ count: 1 });
  });

  it('replays at the clock time', async () => {
    const message = messages.seed({ status: 'failed', updatedAt: NOW });

    await sut.execute({ statuses: ['failed'], dryRun: false });

    expect(messages.get(message.id).updatedAt).toEqual(clock.now());
    expect(messages.replays[0].at).toEqual(clock.now());
  });

  it.each([
    [['sent'], 'sent'],
    [['failed', 'pending', 'sending'], 'pending, sending'],
  ] as const)('refuses %j as a whole with ReplayRefusedError, and changes nothing, not even on a dry run', async (statuses, named) => {
    seedEveryState(NOW);
    const before = messages.all().map((m) => m.toProps());

    for (const dryRun of [true, false]) {
      await expect(sut.execute({ statuses, dryRun })).rejects.toThrow(ReplayRefusedError);
      await expect(sut.execute({ statuses, dryRun })).rejects.toMatchObject({
        code: 'REPLAY_REFUSED',
        message: `only failed, unknown, expired messages can be replayed; replaying ${named} messages could send them twice`,
      });
    }
    expect(messages.all().map((m) => m.toProps())).toEqual(before);
    expect(messages.replays).toEqual([]);
  });

  it('counts zero when nothing matches', async () => {
    seedEveryState(NOW);

    await expect(sut.execute({ statuses: ['failed'], from: at(1), dryRun: false })).resolves.toEqual({ count: 0 });
    expect(messages.replays).toEqual([]);
  });

  it('writes a replay to the operator log once, with who asked, the filter and the count; a dry run writes nothing', async () => {
    seedEveryState(NOW);
    const operator = { source: 'dashboard', id: 'session:ops-1' } as const;

    await sut.execute({ statuses: ['failed', 'unknown'], dryRun: true, actor: operator });
    await sut.execute({ statuses: ['failed', 'unknown'], from: at(0), dryRun: false, actor: operator });
    await sut.execute({ statuses: ['expired'], dryRun: false });

    expect(messages.operatorLog.all()).toEqual([
      {
        id: 1,
        at: clock.now(),
        actor: operator,
        action: 'replay',
        messageCount: 2,
        detail: { statuses: ['failed', 'unknown'], from: NOW.toISOString(), to: null },
      },
      {
        id: 2,
        at: clock.now(),
        actor: { source: 'api', id: 'unnamed' },
        action: 'replay',
        messageCount: 1,
        detail: { statuses: ['expired'], from: null, to: null },
      },
    ]);
  });

  it('with a previewToken replays only while the set is still the one previewed: PreviewChangedError otherwise, changing and logging nothing', async () => {
    const first = messages.seed({ status: 'failed', updatedAt: NOW });
    const { fingerprint } = await messages.previewReplay({ statuses: ['failed'] });
    messages.seed({ status: 'failed', updatedAt: NOW });

    await expect(sut.execute({ statuses: ['failed'], dryRun: false, previewToken: fingerprint })).rejects.toThrow(PreviewChangedError);
    await expect(sut.execute({ statuses: ['failed'], dryRun: true, previewToken: fingerprint })).rejects.toThrow(PreviewChangedError);
    expect(messages.all().map((m) => m.status)).toEqual(['failed', 'failed']);
    expect(messages.operatorLog.all()).toEqual([]);

    await messages.replay(first.id, NOW);
    await expect(sut.execute({ statuses: ['failed'], dryRun: false, previewToken: fingerprint })).rejects.toThrow(PreviewChangedError);
    const { fingerprint: current } = await messages.previewReplay({ statuses: ['failed'] });
    await expect(sut.execute({ statuses: ['failed'], dryRun: false, previewToken: current })).resolves.toEqual({ count: 1 });
    expect(messages.operatorLog.all().map((e) => e.detail)).toEqual([{ statuses: ['failed'], from: null, to: null, previewToken: current }]);
  });
});
