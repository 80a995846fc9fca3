import { beforeEach, describe, expect, it } from '@jest/globals';
import { FakeClock } from '@test/support/fake-clock.js';
import { FakeMessageRepository } from '@test/support/fakes.js';
import { GetMessageStats } from './get-message-stats.use-case.js';

describe(GetMessageStats.name, () => {
  let messages: FakeMessageRepository;
  let sut: GetMessageStats;

  beforeEach(() => {
    messages = new FakeMessageRepository(new FakeClock());
    sut = new GetMessageStats(messages);
  });

  it('counts every status, zero included, and the total', async () => {
    messages.seed();
    messages.seed();
    messages.seed({ status: 'sent', attemptCount: 1, gatewayMessageId: 'gw-1', sentAt: new Date() });
    messages.seed({ status: 'failed' });
    messages.seed({ status: 'unknown' });
    messages.seed({ status: 'expired' });
    messages.seed({ status: 'expired' });

    await expect(sut.execute()).resolves.toEqual({
      total: 7,
      byStatus: { pending: 2, sending: 0, sent: 1, failed: 1, unknown: 1, expired: 2 },
      byPriority: [{ priority: 0, pending: 2 }],
    });
  });

  it('counts the pending messages of each priority, the highest first', async () => {
    messages.seed({ priority: -10 });
    messages.seed({ priority: 100 });
    messages.seed();
    messages.seed({ priority: 100 });
    messages.seed({ priority: 50, status: 'sent', attemptCount: 1, gatewayMessageId: 'gw-1', sentAt: new Date() });

    const stats = await sut.execute();

    expect(stats.byPriority).toEqual([
      { priority: 100, pending: 2 },
      { priority: 0, pending: 1 },
      { priority: -10, pending: 1 },
    ]);
    expect(stats.byStatus.pending).toBe(4);
  });

  it('reports zeros for an empty queue', async () => {
    await expect(sut.execute()).resolves.toEqual({
      total: 0,
      byStatus: { pending: 0, sending: 0, sent: 0, failed: 0, unknown: 0, expired: 0 },
      byPriority: [],
    });
  });
});
