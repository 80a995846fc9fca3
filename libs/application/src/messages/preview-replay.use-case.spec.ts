import { beforeEach, describe, expect, it } from '@jest/globals';
import { ReplayRefusedError } from '@app/domain';
import { FakeClock } from '@test/support/fake-clock.js';
import { dispatchSettings, FakeMessageRepository } from '@test/support/fakes.js';
import { PreviewReplay } from './preview-replay.use-case.js';
import { ReplayMessages } from './replay-messages.use-case.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');

describe(PreviewReplay.name, () => {
  let clock: FakeClock;
  let messages: FakeMessageRepository;
  let sut: PreviewReplay;

  beforeEach(() => {
    clock = new FakeClock(NOW);
    messages = new FakeMessageRepository(clock);
    sut = new PreviewReplay(messages, dispatchSettings({ intervalMs: 120_000, batchSize: 2 }));
  });

  it('shows what a replay would take, and how long it would take to drain at the cadence, changing nothing', async () => {
    const failed = [1, 2, 3].map(() => messages.seed({ status: 'failed', failureReason: 'gateway answered 400: bad number' }));
    const unknown = messages.seed({ status: 'unknown', failureReason: 'outcome unknown: timeout' });
    messages.seed({ status: 'expired', failureReason: 'expired before it could be sent' });
    messages.seed({ status: 'sent' });
    const before = messages.all().map((m) => m.toProps());

    const preview = await sut.execute({ statuses: ['failed', 'unknown'] });

    expect(preview).toEqual({
      count: 4,
      byStatus: { failed: 3, unknown: 1, expired: 0 },
      byReason: [
        { reason: 'gateway answered 400: bad number', count: 3 },
        { reason: 'outcome unknown: timeout', count: 1 },
      ],
      sampleIds: [unknown.id, ...failed.map((m) => m.id).reverse()],
      // 4 messages, 2 per tick, a tick every 120 s.
      drainSeconds: 240,
      previewToken: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect(messages.all().map((m) => m.toProps())).toEqual(before);
    expect(messages.operatorLog.all()).toEqual([]);
  });

  it('counts a part of a batch as a whole interval, and nothing as no time', async () => {
    for (let i = 0; i < 3; i += 1) messages.seed({ status: 'failed' });

    await expect(sut.execute({ statuses: ['failed'] })).resolves.toMatchObject({ count: 3, drainSeconds: 240 });
    await expect(sut.execute({ statuses: ['expired'] })).resolves.toMatchObject({ count: 0, drainSeconds: 0, sampleIds: [], byReason: [] });
  });

  it('refuses statuses a replay would refuse', async () => {
    await expect(sut.execute({ statuses: ['failed', 'sent'] })).rejects.toThrow(ReplayRefusedError);
  });

  it('hands out a token that replays exactly the previewed set, and only while it has not changed', async () => {
    const replay = new ReplayMessages(messages, clock);
    messages.seed({ status: 'failed' });
    const { previewToken } = await sut.execute({ statuses: ['failed'] });
    messages.seed({ status: 'failed' });

    await expect(replay.execute({ statuses: ['failed'], dryRun: false, previewToken })).rejects.toMatchObject({ code: 'PREVIEW_CHANGED' });
    expect(messages.all().map((m) => m.status)).toEqual(['failed', 'failed']);

    const again = await sut.execute({ statuses: ['failed'] });
    await expect(replay.execute({ statuses: ['failed'], dryRun: false, previewToken: again.previewToken })).resolves.toEqual({ count: 2 });
    expect(messages.all().map((m) => m.status)).toEqual(['pending', 'pending']);
  });
});
