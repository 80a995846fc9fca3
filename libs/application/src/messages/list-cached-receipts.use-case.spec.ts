import { beforeEach, describe, expect, it } from '@jest/globals';
import { CacheUnavailableError, InvalidCursorError } from '@app/domain';
import { FakeSentMessageCache } from '@test/support/fakes.js';
import { ListCachedReceipts } from './list-cached-receipts.use-case.js';

const SENT_AT = new Date('2026-11-22T10:00:02.000Z');
const CACHED_AT = new Date('2026-11-22T10:00:02.040Z');

describe(ListCachedReceipts.name, () => {
  let cache: FakeSentMessageCache;
  let sut: ListCachedReceipts;

  beforeEach(() => {
    cache = new FakeSentMessageCache();
    sut = new ListCachedReceipts(cache);
  });

  it('walks the held receipts a page at a time, with cachedAt (null for an older value)', async () => {
    cache.hold('a', { messageId: 'gw-a', sentAt: SENT_AT, cachedAt: CACHED_AT });
    cache.hold('b', { messageId: 'gw-b', sentAt: SENT_AT, cachedAt: null });
    cache.hold('c', { messageId: 'gw-c', sentAt: SENT_AT, cachedAt: CACHED_AT });

    const first = await sut.execute({ limit: 2 });
    const second = await sut.execute({ limit: 2, cursor: first.nextCursor as string });

    expect(first.items).toEqual([
      { id: 'a', receipt: { messageId: 'gw-a', sentAt: SENT_AT, cachedAt: CACHED_AT } },
      { id: 'b', receipt: { messageId: 'gw-b', sentAt: SENT_AT, cachedAt: null } },
    ]);
    expect(first.cache).toBe('up');
    expect(second).toEqual({ items: [{ id: 'c', receipt: { messageId: 'gw-c', sentAt: SENT_AT, cachedAt: CACHED_AT } }], nextCursor: null, cache: 'up' });
  });

  it('answers an empty last page, saying the cache is disabled, when none is configured', async () => {
    cache.mode = 'disabled';

    await expect(sut.execute({ limit: 20 })).resolves.toEqual({ items: [], nextCursor: null, cache: 'disabled' });
  });

  it('throws CacheUnavailableError when the cache is configured but down', async () => {
    cache.mode = 'down';

    await expect(sut.execute({ limit: 20 })).rejects.toThrow(CacheUnavailableError);
  });

  it('throws InvalidCursorError for a cursor it did not make', async () => {
    await expect(sut.execute({ limit: 20, cursor: 'bm90LWEtY3Vyc29y' })).rejects.toThrow(InvalidCursorError);
  });
});
