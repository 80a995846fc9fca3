import { describeSentMessageCacheContract } from '@test/contract/sent-message-cache.contract.js';
import { FakeSentMessageCache } from './fakes.js';

/** The receipt cache's contract on the in-memory fake the unit tests use: no services needed. */
describeSentMessageCacheContract(FakeSentMessageCache.name, async () => {
  const fake = new FakeSentMessageCache();
  return {
    cache: fake,
    holdWithoutCachedAt: async (id, receipt) => fake.hold(id, { ...receipt, cachedAt: null }),
    expire: async (id) => fake.expire(id),
    close: async () => undefined,
  };
});
