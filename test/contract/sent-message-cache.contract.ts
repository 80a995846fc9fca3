/**
 * What SentMessageCache promises, written once and run against the Redis adapter
 * (test/integration/sent-message-cache.spec.ts, on the machine's shared Redis) and the in-memory
 * fake the unit tests use (test/support/fake-sent-message-cache.contract.spec.ts).
 *
 * The store may be shared with other tests and programs: every test uses fresh random ids and
 * asserts only about those (a walk must return each of them; other receipts may come too).
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { type HeldReceipt, InvalidCursorError, type SentMessageCache, type SentReceipt } from '@app/domain';

export interface CacheHarness {
  readonly cache: SentMessageCache;
  /** Stores a receipt as earlier versions of the service wrote it: {"messageId","sentAt"}, no cachedAt. */
  holdWithoutCachedAt(id: string, receipt: SentReceipt): Promise<void>;
  /** Takes a receipt away, as its TTL running out does. */
  expire(id: string): Promise<void>;
  close(): Promise<void>;
}

const SENT_AT = new Date('2030-01-01T12:34:56.789Z');
const receipt = (n: number): SentReceipt => ({ messageId: `gw-${n}`, sentAt: new Date(SENT_AT.getTime() + n) });

/** Every page of a walk, from the first to the one whose nextCursor is null. */
export async function walk(cache: SentMessageCache, limit: number): Promise<HeldReceipt[][]> {
  const pages: HeldReceipt[][] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 100_000; i += 1) {
    const page = await cache.scan(cursor, limit);
    pages.push(page.items);
    if (page.nextCursor === null) return pages;
    cursor = page.nextCursor;
  }
  throw new Error('the walk did not end');
}

export function describeSentMessageCacheContract(name: string, makeHarness: () => Promise<CacheHarness>): void {
  describe(`SentMessageCache contract: ${name}`, () => {
    let harness: CacheHarness;
    let sut: SentMessageCache;

    beforeEach(async () => {
      harness = await makeHarness();
      sut = harness.cache;
    });

    afterEach(async () => {
      await harness?.close();
    });

    it('reads back what it was given, stamped with when it was cached; null for an id it never had', async () => {
      const id = randomUUID();
      const before = Date.now();

      await sut.put(id, receipt(1));

      const read = await sut.get(id);
      expect(read).toEqual({ ...receipt(1), cachedAt: expect.any(Date) });
      expect(read?.cachedAt?.getTime()).toBeGreaterThanOrEqual(before);
      expect(read?.cachedAt?.getTime()).toBeLessThanOrEqual(Date.now());
      await expect(sut.get(randomUUID())).resolves.toBeNull();
    });

    it('reads a receipt stored without cachedAt (by an earlier version), with cachedAt null', async () => {
      const id = randomUUID();

      await harness.holdWithoutCachedAt(id, receipt(2));

      await expect(sut.get(id)).resolves.toEqual({ ...receipt(2), cachedAt: null });
      await expect(sut.getMany([id])).resolves.toEqual([{ ...receipt(2), cachedAt: null }]);
    });

    it('has no receipt once it expired', async () => {
      const id = randomUUID();
      await sut.put(id, receipt(3));

      await harness.expire(id);

      await expect(sut.get(id)).resolves.toBeNull();
    });

    it('answers getMany in the order asked, null where it has none, nothing for no ids', async () => {
      const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
      await sut.putMany([
        { id: a, receipt: receipt(4) },
        { id: c, receipt: receipt(5) },
      ]);

      await expect(sut.getMany([c, b, a, c])).resolves.toEqual([
        { ...receipt(5), cachedAt: expect.any(Date) },
        null,
        { ...receipt(4), cachedAt: expect.any(Date) },
        { ...receipt(5), cachedAt: expect.any(Date) },
      ]);
      await expect(sut.getMany([])).resolves.toEqual([]);
    });

    it.each([1, 7, 100])('walks every receipt it holds with pages of at most %i, each as stored', async (limit) => {
      const mine = new Map<string, SentReceipt>(Array.from({ length: 30 }, (_, n) => [randomUUID(), receipt(n)]));
      await sut.putMany([...mine].map(([id, r]) => ({ id, receipt: r })));

      const pages = await walk(sut, limit);

      for (const page of pages) expect(page.length).toBeLessThanOrEqual(limit);
      for (const page of pages) expect(new Set(page.map((item) => item.id)).size).toBe(page.length);
      const seen = new Map(
        pages
          .flat()
          .filter((item) => mine.has(item.id))
          .map((item) => [item.id, item.receipt]),
      );
      expect([...seen.keys()].sort()).toEqual([...mine.keys()].sort());
      for (const [id, r] of mine) expect(seen.get(id)).toEqual({ ...r, cachedAt: expect.any(Date) });
    });

    it('says the walk reads the cache', async () => {
      await expect(sut.scan(undefined, 1)).resolves.toMatchObject({ cache: 'up' });
    });

    it.each([
      ['another list', Buffer.from(JSON.stringify(['sent', '1', '1'])).toString('base64url')],
      ['not a cursor', 'not-a-cursor'],
      ['empty', ''],
    ])('refuses a cursor it did not make (%s)', async (_what, cursor) => {
      await expect(sut.scan(cursor, 10)).rejects.toThrow(InvalidCursorError);
    });

    it('reports up', async () => {
      await expect(sut.state()).resolves.toBe('up');
    });
  });
}
