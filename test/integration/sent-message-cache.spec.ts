import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { CacheUnavailableError, type CacheState } from '@app/domain';
import { DisabledSentMessageCache, RedisSentMessageCache, SENT_MESSAGE_KEY_PREFIX } from '@app/infrastructure';
import { freePort } from '../../apps/dispatcher/src/local/free-port.js';
import { decodeReceiptCursor } from '../../libs/infrastructure/src/cache/receipt-cursor.js';
import { describeSentMessageCacheContract, walk } from '@test/contract/sent-message-cache.contract.js';
import { ThrowawayRedis } from '@test/support/throwaway-redis.js';
import { eventually } from '@test/support/waits.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const TTL_SECONDS = 4_321;
const SENT_AT = new Date('2030-01-01T12:34:56.789Z');
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work;
  return { value, ms: performance.now() - started };
}

beforeAll(() => {
  // The cache warns about unreachable Redis; here that is the point, not news.
  Logger.overrideLogger(false);
});

/** Remembers the keys it wrote, so that the contract's run can delete exactly those. */
class TrackedRedisCache extends RedisSentMessageCache {
  readonly written = new Set<string>();

  override async putMany(receipts: Parameters<RedisSentMessageCache['putMany']>[0]): Promise<void> {
    for (const { id } of receipts) this.written.add(SENT_MESSAGE_KEY_PREFIX + id);
    return super.putMany(receipts);
  }
}

/** The contract on the machine's shared Redis: only this file's random ids are touched (and deleted). */
describeSentMessageCacheContract('Redis', async () => {
  const cache = new TrackedRedisCache(REDIS_URL, TTL_SECONDS);
  const direct = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  if (!(await eventually(async () => (await cache.state()) === 'up', 5_000))) throw new Error(`Redis at ${REDIS_URL} does not answer`);
  return {
    cache,
    holdWithoutCachedAt: async (id, receipt) => {
      cache.written.add(SENT_MESSAGE_KEY_PREFIX + id);
      await direct.set(SENT_MESSAGE_KEY_PREFIX + id, JSON.stringify({ messageId: receipt.messageId, sentAt: receipt.sentAt.toISOString() }), 'EX', 60);
    },
    expire: async (id) => {
      await direct.del(SENT_MESSAGE_KEY_PREFIX + id);
    },
    close: async () => {
      if (cache.written.size > 0) await direct.del(...cache.written);
      await cache.onApplicationShutdown();
      direct.disconnect();
    },
  };
});

describe(RedisSentMessageCache.name, () => {
  describe('against the shared Redis', () => {
    let sut: RedisSentMessageCache;
    let redis: Redis;
    const keys: string[] = [];

    beforeAll(async () => {
      sut = new RedisSentMessageCache(REDIS_URL, TTL_SECONDS);
      redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
      expect(await eventually(async () => (await sut.state()) === 'up', 5_000)).toBe(true);
    });

    afterEach(async () => {
      if (keys.length > 0) await redis.del(...keys.splice(0));
    });

    afterAll(async () => {
      await sut?.onApplicationShutdown();
      redis?.disconnect();
    });

    function newId(): string {
      const id = randomUUID();
      keys.push(SENT_MESSAGE_KEY_PREFIX + id);
      return id;
    }

    it('writes sent_message:<id> as {"messageId","sentAt","cachedAt"} JSON with the configured TTL', async () => {
      const id = newId();
      const messageId = randomUUID();
      const before = Date.now();

      await sut.put(id, { messageId, sentAt: SENT_AT });

      const raw = await redis.get(`sent_message:${id}`);
      const stored = JSON.parse(raw as string);
      expect(Object.keys(stored)).toEqual(['messageId', 'sentAt', 'cachedAt']);
      expect(stored).toEqual({ messageId, sentAt: '2030-01-01T12:34:56.789Z', cachedAt: expect.stringMatching(ISO) });
      expect(Date.parse(stored.cachedAt)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(stored.cachedAt)).toBeLessThanOrEqual(Date.now());
      const ttl = await redis.ttl(`sent_message:${id}`);
      expect(ttl).toBeGreaterThanOrEqual(TTL_SECONDS - 1);
      expect(ttl).toBeLessThanOrEqual(TTL_SECONDS);
    });

    it('overwrites an earlier receipt and renews its TTL', async () => {
      const id = newId();
      await redis.set(`sent_message:${id}`, '{"messageId":"old","sentAt":"2000-01-01T00:00:00.000Z"}', 'EX', 5);

      await sut.put(id, { messageId: 'new', sentAt: SENT_AT });

      await expect(sut.get(id)).resolves.toEqual({ messageId: 'new', sentAt: SENT_AT, cachedAt: expect.any(Date) });
      expect(await redis.ttl(`sent_message:${id}`)).toBeGreaterThan(5);
    });

    it('looks up an id in any letter case, and never an id that cannot be ours', async () => {
      const id = newId();
      await sut.put(id, { messageId: 'gw', sentAt: SENT_AT });
      await redis.set('sent_message:not-a-uuid', '{"messageId":"foreign","sentAt":"2030-01-01T12:34:56.789Z"}', 'EX', 60);
      keys.push('sent_message:not-a-uuid');

      await expect(sut.get(id.toUpperCase())).resolves.toMatchObject({ messageId: 'gw' });
      await expect(sut.get('not-a-uuid')).resolves.toBeNull();
      await expect(sut.getMany(['not-a-uuid', id])).resolves.toEqual([null, expect.objectContaining({ messageId: 'gw' })]);
    });

    it('reads a value that is not a receipt as none', async () => {
      const [garbage, wrongType] = [newId(), newId()];
      await redis.set(`sent_message:${garbage}`, 'not json', 'EX', 60);
      await redis.hset(`sent_message:${wrongType}`, 'messageId', 'gw');
      await redis.expire(`sent_message:${wrongType}`, 60);

      await expect(sut.getMany([garbage, wrongType])).resolves.toEqual([null, null]);
    });
  });

  /** A Redis of this test's own, so the keyspace is known: what a walk returns can be counted exactly. */
  describe('walking a known keyspace', () => {
    let server: ThrowawayRedis;
    let sut: RedisSentMessageCache;
    let direct: Redis;
    const receipts = new Map<string, string>();

    beforeAll(async () => {
      server = await ThrowawayRedis.start();
      sut = new RedisSentMessageCache(server.url, TTL_SECONDS);
      direct = new Redis(server.url, { maxRetriesPerRequest: 1 });
      expect(await eventually(async () => (await sut.state()) === 'up', 5_000)).toBe(true);
      const pipeline = direct.pipeline();
      for (let n = 0; n < 300; n += 1) {
        const id = randomUUID();
        receipts.set(id, `gw-${n}`);
        const value =
          n % 3 === 0
            ? { messageId: `gw-${n}`, sentAt: SENT_AT.toISOString() }
            : { messageId: `gw-${n}`, sentAt: SENT_AT.toISOString(), cachedAt: SENT_AT.toISOString() };
        pipeline.set(`sent_message:${id}`, JSON.stringify(value));
      }
      // Not ours: other keys, receipt-like keys that are not sent_message:<uuid>, values that are not receipts.
      for (let n = 0; n < 200; n += 1) pipeline.set(`other:${n}`, 'x');
      pipeline.set('sent_message:not-a-uuid', JSON.stringify({ messageId: 'x', sentAt: SENT_AT.toISOString() }));
      pipeline.set(`sent_message:${randomUUID().toUpperCase()}`, JSON.stringify({ messageId: 'x', sentAt: SENT_AT.toISOString() }));
      pipeline.set(`sent_message:${randomUUID()}:extra`, JSON.stringify({ messageId: 'x', sentAt: SENT_AT.toISOString() }));
      pipeline.set(`sent_message:${randomUUID()}`, 'garbage');
      pipeline.set(`sent_message:${randomUUID()}`, JSON.stringify({ messageId: 'x' }));
      pipeline.hset(`sent_message:${randomUUID()}`, 'messageId', 'x');
      await pipeline.exec();
    });

    afterAll(async () => {
      await sut?.onApplicationShutdown();
      direct?.disconnect();
      await server?.stop();
    });

    it.each([1, 3, 20, 100])('returns every receipt at least once and nothing else, at most %i a page', async (limit) => {
      const pages = await walk(sut, limit);

      for (const page of pages) expect(page.length).toBeLessThanOrEqual(limit);
      const items = pages.flat();
      expect(new Set(items.map((item) => item.id))).toEqual(new Set(receipts.keys()));
      for (const item of items) expect(item.receipt.messageId).toBe(receipts.get(item.id));
      const legacy = items.filter((item) => item.receipt.cachedAt === null);
      expect(new Set(legacy.map((item) => item.receipt.messageId))).toEqual(new Set([...receipts.values()].filter((_, n) => n % 3 === 0)));
    });

    it('fills pages of 100 in about as many steps as a Redis of receipts needs', async () => {
      const pages = await walk(sut, 100);

      // 300 receipts among 506 keys: three full pages, give or take the keys skipped.
      expect(pages.length).toBeLessThanOrEqual(6);
    });

    it('carries the ids of a SCAN step that overflows the page in the cursor, without exceeding the page', async () => {
      let carried = 0;
      let cursor: string | undefined;
      do {
        const page = await sut.scan(cursor, 1);
        expect(page.items.length).toBeLessThanOrEqual(1);
        cursor = page.nextCursor ?? undefined;
        if (cursor) carried += decodeReceiptCursor(cursor).carried.length > 0 ? 1 : 0;
      } while (cursor);

      // 300 receipts in a table of 512 buckets: many buckets hold two.
      expect(carried).toBeGreaterThan(0);
    });
  });

  describe('a walk through a Redis full of other keys', () => {
    let server: ThrowawayRedis;
    let sut: RedisSentMessageCache;
    let direct: Redis;

    beforeAll(async () => {
      server = await ThrowawayRedis.start();
      sut = new RedisSentMessageCache(server.url, TTL_SECONDS);
      direct = new Redis(server.url, { maxRetriesPerRequest: 1 });
      expect(await eventually(async () => (await sut.state()) === 'up', 5_000)).toBe(true);
      const pipeline = direct.pipeline();
      for (let n = 0; n < 20_000; n += 1) pipeline.set(`session:${n}`, 'x');
      await pipeline.exec();
      await direct.set(`sent_message:${randomUUID()}`, JSON.stringify({ messageId: 'gw-only', sentAt: SENT_AT.toISOString() }));
    });

    afterAll(async () => {
      await sut?.onApplicationShutdown();
      direct?.disconnect();
      await server?.stop();
    });

    it('widens its SCAN steps, so that a few requests cover the keyspace', async () => {
      const pages = await walk(sut, 20);

      expect(pages.flat().map((item) => item.receipt.messageId)).toEqual(['gw-only']);
      // At most 20 steps of at most 1,000 keys per page: 20,001 keys in a handful of requests, not thousands.
      expect(pages.length).toBeLessThanOrEqual(5);
    });
  });

  describe('with nothing listening at the Redis URL', () => {
    let sut: RedisSentMessageCache;

    beforeAll(async () => {
      sut = new RedisSentMessageCache(`redis://127.0.0.1:${await freePort()}`, TTL_SECONDS);
    });

    afterAll(async () => {
      await sut?.onApplicationShutdown();
    });

    it('resolves put quickly without throwing, reads null, refuses a walk and reports down', async () => {
      const first = await timed(sut.put(randomUUID(), { messageId: randomUUID(), sentAt: SENT_AT }));
      expect(first.value).toBeUndefined();
      expect(first.ms).toBeLessThan(500);

      // Also once the client has failed to connect and is backing off.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const second = await timed(sut.put(randomUUID(), { messageId: randomUUID(), sentAt: SENT_AT }));
      expect(second.ms).toBeLessThan(500);

      await expect(sut.get(randomUUID())).resolves.toBeNull();
      const many = await timed(sut.getMany([randomUUID(), randomUUID()]));
      expect(many).toEqual({ value: [null, null], ms: expect.any(Number) });
      expect(many.ms).toBeLessThan(500);
      const walkRefused = await timed(sut.scan(undefined, 20).catch((error: unknown) => error));
      expect(walkRefused.value).toBeInstanceOf(CacheUnavailableError);
      expect(walkRefused.ms).toBeLessThan(500);
      const state = await timed(sut.state());
      expect(state.value).toBe('down');
      expect(state.ms).toBeLessThan(1_000);
    });

    it('checks a cursor before it finds Redis down', async () => {
      await expect(sut.scan('not-a-cursor', 20)).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
    });
  });

  describe('when Redis goes away and comes back', () => {
    let server: ThrowawayRedis;
    let sut: RedisSentMessageCache;
    let direct: Redis;

    beforeAll(async () => {
      server = await ThrowawayRedis.start();
      sut = new RedisSentMessageCache(server.url, TTL_SECONDS);
      direct = new Redis(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => 100 });
      direct.on('error', () => undefined);
    });

    afterAll(async () => {
      await sut?.onApplicationShutdown();
      direct?.disconnect();
      await server?.stop();
    });

    it('goes down while the server is gone, never blocks put, refuses walks, and recovers when it restarts', async () => {
      const before = randomUUID();
      expect(await eventually(async () => (await sut.state()) === 'up', 5_000)).toBe(true);
      await sut.put(before, { messageId: 'm-before', sentAt: SENT_AT });
      expect(JSON.parse((await direct.get(`sent_message:${before}`)) as string)).toEqual({
        messageId: 'm-before',
        sentAt: '2030-01-01T12:34:56.789Z',
        cachedAt: expect.stringMatching(ISO),
      });
      const firstPage = await sut.scan(undefined, 1);
      expect(firstPage.items.map((item) => item.id)).toEqual([before]);

      await server.stop();

      expect(await eventually(async () => (await sut.state()) === 'down', 3_000)).toBe(true);
      const whileDown = await timed(sut.put(randomUUID(), { messageId: 'm-down', sentAt: SENT_AT }));
      expect(whileDown.value).toBeUndefined();
      expect(whileDown.ms).toBeLessThan(1_000);
      await expect(sut.get(before)).resolves.toBeNull();
      await expect(sut.getMany([before])).resolves.toEqual([null]);
      await expect(sut.scan(undefined, 20)).rejects.toThrow(CacheUnavailableError);

      await server.restart();

      const states: CacheState[] = [];
      const recovered = await eventually(
        async () => {
          states.push(await sut.state());
          return states[states.length - 1] === 'up';
        },
        10_000,
        100,
      );
      expect(recovered).toBe(true);
      const after = randomUUID();
      await sut.put(after, { messageId: 'm-after', sentAt: SENT_AT });
      expect(await direct.ttl(`sent_message:${after}`)).toBeGreaterThanOrEqual(TTL_SECONDS - 1);
      // The restarted server is empty (no persistence): the old receipt is gone, the new one readable.
      await expect(sut.get(before)).resolves.toBeNull();
      await expect(sut.get(after)).resolves.toEqual({ messageId: 'm-after', sentAt: SENT_AT, cachedAt: expect.any(Date) });
      await expect(sut.scan(undefined, 20)).resolves.toEqual({
        items: [{ id: after, receipt: { messageId: 'm-after', sentAt: SENT_AT, cachedAt: expect.any(Date) } }],
        nextCursor: null,
        cache: 'up',
      });
    });
  });
});

describe(DisabledSentMessageCache.name, () => {
  const sut = new DisabledSentMessageCache();

  it('reports disabled, accepts puts and never has a receipt', async () => {
    await expect(sut.state()).resolves.toBe('disabled');
    await expect(sut.put(randomUUID(), { messageId: 'm', sentAt: SENT_AT })).resolves.toBeUndefined();
    await expect(sut.get(randomUUID())).resolves.toBeNull();
    await expect(sut.getMany([randomUUID(), randomUUID()])).resolves.toEqual([null, null]);
  });

  it('walks nothing, saying it is disabled, and still refuses a cursor it did not make', async () => {
    await expect(sut.scan(undefined, 20)).resolves.toEqual({ items: [], nextCursor: null, cache: 'disabled' });
    await expect(sut.scan('not-a-cursor', 20)).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
  });
});
