import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import type { Response } from 'supertest';
import { expectResponseToMatchDocument, fetchDocument, type OpenApiDocument } from '@test/support/openapi.js';
import { phones, type Stack, startStack, waitFor } from '@test/support/stack.js';
import { ThrowawayRedis } from '@test/support/throwaway-redis.js';

/**
 * The receipts Redis holds, as an operator reads them: GET /api/v1/messages/:id/receipt, GET
 * /api/v1/messages/cached and `cached` in the sent list, with Redis up (the machine's), down (a
 * throwaway redis-server, killed) and not configured. Every answer is checked against the document.
 */

const UNKNOWN_ID = '0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11';

interface SentRow {
  id: string;
  gatewayId: string;
  sentAt: string;
}

/** Queues `count` messages, sends them, and waits until their receipts are cached (when `redis` is given). */
async function sendMessages(stack: Stack, count: number, redis?: Redis): Promise<SentRow[]> {
  const ids = await stack.insert(phones(count).map((phone, i) => ({ phone, content: `receipt ${i}` })));
  await stack.api('post', '/api/v1/scheduler/start').expect(200);
  for (const id of ids) await waitFor(`message ${id} sent`, async () => (await stack.row(id)).status === 'sent');
  await stack.api('post', '/api/v1/scheduler/stop').expect(200);
  if (redis) for (const id of ids) await waitFor(`the receipt of ${id} in Redis`, () => redis.exists(`sent_message:${id}`));
  return Promise.all(
    ids.map(async (id) => {
      const row = await stack.row(id);
      return { id, gatewayId: row.gateway_message_id as string, sentAt: (row.sent_at as Date).toISOString() };
    }),
  );
}

/** Every item of a walk over GET /api/v1/messages/cached, checking each page on the way. */
async function walkCached(
  check: (path: string) => Promise<Response>,
  limit: number,
): Promise<{ id: string; messageId: string; sentAt: string; cachedAt: string | null }[]> {
  const items = [];
  let cursor: string | null = null;
  for (let page = 0; page < 10_000; page += 1) {
    const res = await check(`/api/v1/messages/cached?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status).toBe(200);
    expect(res.body.cache).toBe('up');
    expect(res.body.items.length).toBeLessThanOrEqual(limit);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
    if (cursor === null) return items;
  }
  throw new Error('the walk did not end');
}

describe('receipts (e2e)', () => {
  let stack: Stack;
  let doc: OpenApiDocument;

  /** The answer of GET `path` with the key, after checking it against the document. */
  const get = async (path: string): Promise<Response> => {
    const res = await stack.api('get', path);
    expectResponseToMatchDocument(doc, res);
    return res;
  };

  describe('with Redis up', () => {
    let redis: Redis;
    let sent: SentRow[];
    let pending: string;

    beforeAll(async () => {
      stack = await startStack();
      doc = await fetchDocument(stack);
      redis = stack.redis;
      await redis.connect();
      sent = await sendMessages(stack, 3, redis);
      [pending] = await stack.insert([{ phone: '+905559999999', content: 'not yet' }]);
    });

    afterAll(async () => {
      await redis?.del(...(sent ?? []).map((s) => `sent_message:${s.id}`));
      await stack?.close();
    });

    it('reads a receipt from Redis, and from PostgreSQL once the key is gone or unreadable', async () => {
      const [a, b, c] = sent;

      expect((await get(`/api/v1/messages/${a.id}/receipt`)).body).toEqual({ messageId: a.gatewayId, sentAt: a.sentAt, source: 'cache' });

      await redis.del(`sent_message:${b.id}`);
      expect((await get(`/api/v1/messages/${b.id}/receipt`)).body).toEqual({ messageId: b.gatewayId, sentAt: b.sentAt, source: 'database' });

      await redis.set(`sent_message:${c.id}`, '{"messageId":', 'EX', 60);
      expect((await get(`/api/v1/messages/${c.id}/receipt`)).body).toEqual({ messageId: c.gatewayId, sentAt: c.sentAt, source: 'database' });

      // Put back as an earlier version wrote it (no cachedAt): still read from Redis.
      await redis.set(`sent_message:${b.id}`, JSON.stringify({ messageId: b.gatewayId, sentAt: b.sentAt }), 'EX', 60);
      await redis.set(`sent_message:${c.id}`, JSON.stringify({ messageId: c.gatewayId, sentAt: c.sentAt, cachedAt: c.sentAt }), 'EX', 60);
      expect((await get(`/api/v1/messages/${b.id}/receipt`)).body).toEqual({ messageId: b.gatewayId, sentAt: b.sentAt, source: 'cache' });
    });

    it('answers 404 for a message that was not sent, or does not exist', async () => {
      expect((await get(`/api/v1/messages/${pending}/receipt`)).body).toEqual({
        statusCode: 404,
        code: 'MESSAGE_NOT_SENT',
        message: `message ${pending} has not been sent (it is pending)`,
      });
      expect((await get(`/api/v1/messages/${UNKNOWN_ID}/receipt`)).body).toMatchObject({ statusCode: 404, code: 'MESSAGE_NOT_FOUND' });
      expect((await get('/api/v1/messages/not-a-uuid/receipt')).body).toMatchObject({ statusCode: 404, code: 'MESSAGE_NOT_FOUND' });
      expect((await get('/api/v1/messages/%zz/receipt')).body).toMatchObject({ statusCode: 400, code: 'INVALID_PATH' });
    });

    it('lists the receipts Redis holds, in bounded pages, with cachedAt (null for an older value)', async () => {
      await redis.set(`sent_message:${sent[1].id}`, JSON.stringify({ messageId: sent[1].gatewayId, sentAt: sent[1].sentAt }), 'EX', 60);

      const items = await walkCached(get, 2);

      const mine = new Map(items.filter((item) => sent.some((s) => s.id === item.id)).map((item) => [item.id, item]));
      expect([...mine.keys()].sort()).toEqual(sent.map((s) => s.id).sort());
      expect(mine.get(sent[0].id)).toEqual({ id: sent[0].id, messageId: sent[0].gatewayId, sentAt: sent[0].sentAt, cachedAt: expect.any(String) });
      expect(Date.parse(mine.get(sent[0].id)?.cachedAt as string)).toBeGreaterThanOrEqual(Date.parse(sent[0].sentAt));
      expect(mine.get(sent[1].id)).toEqual({ id: sent[1].id, messageId: sent[1].gatewayId, sentAt: sent[1].sentAt, cachedAt: null });
    });

    it('refuses a forged cursor and a limit out of range with 400', async () => {
      const forged = Buffer.from(JSON.stringify(['sent', '1', '1'])).toString('base64url');

      expect((await get(`/api/v1/messages/cached?cursor=${forged}`)).body).toMatchObject({ statusCode: 400, code: 'INVALID_CURSOR' });
      expect((await get('/api/v1/messages/cached?cursor=AQAAAAAAAAAcAA')).body).toMatchObject({ statusCode: 400, code: 'INVALID_CURSOR' });
      expect((await get('/api/v1/messages/cached?limit=0')).body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
      expect((await get('/api/v1/messages/cached?limit=101')).body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    });

    it('marks each sent message cached or not', async () => {
      await redis.del(`sent_message:${sent[2].id}`);

      const page = (await get('/api/v1/messages/sent')).body;

      expect(Object.fromEntries(page.items.map((item: { id: string; cached: boolean }) => [item.id, item.cached]))).toEqual({
        [sent[0].id]: true,
        [sent[1].id]: true,
        [sent[2].id]: false,
      });
    });

    it('needs the API key', async () => {
      await stack.api('get', '/api/v1/messages/cached', false).expect(401);
      await stack.api('get', `/api/v1/messages/${sent[0].id}/receipt`, false).expect(401);
    });
  });

  describe('with Redis going down', () => {
    let server: ThrowawayRedis;
    let direct: Redis;
    let sent: SentRow[];

    beforeAll(async () => {
      server = await ThrowawayRedis.start();
      direct = new Redis(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
      direct.on('error', () => undefined);
      stack = await startStack({ env: { REDIS_URL: server.url } });
      doc = await fetchDocument(stack);
      sent = await sendMessages(stack, 3, direct);
    });

    afterAll(async () => {
      direct?.disconnect();
      await stack?.close();
      await server?.stop();
    });

    it('reads the sent list with one MGET per page (no command per message)', async () => {
      const client = new Redis(server.url);
      const monitor = await client.monitor();
      const commands: string[][] = [];
      monitor.on('monitor', (_time: string, args: string[]) => commands.push(args));
      try {
        const page = (await get('/api/v1/messages/sent')).body;
        expect(page.items.map((item: { cached: boolean }) => item.cached)).toEqual([true, true, true]);
        await waitFor('the MGET seen by MONITOR', () => commands.some(([name]) => name.toLowerCase() === 'mget'), 2_000);
      } finally {
        monitor.disconnect();
        client.disconnect();
      }
      const reads = commands.filter(([name]) => !['ping', 'info'].includes(name.toLowerCase()));
      expect(reads.map(([name, ...keys]) => [name.toLowerCase(), keys.sort()])).toEqual([['mget', sent.map((s) => `sent_message:${s.id}`).sort()]]);
    });

    it('once Redis is down: receipts come from PostgreSQL, the sent list says not cached, the cached list is a 503', async () => {
      expect((await get(`/api/v1/messages/${sent[0].id}/receipt`)).body).toMatchObject({ source: 'cache' });

      await server.stop();
      await waitFor('Redis seen down', async () => (await stack.api('get', '/health', false)).body.components.redis.status === 'down');

      expect((await get(`/api/v1/messages/${sent[0].id}/receipt`)).body).toEqual({ messageId: sent[0].gatewayId, sentAt: sent[0].sentAt, source: 'database' });
      const page = (await get('/api/v1/messages/sent')).body;
      expect(page.items.map((item: { cached: boolean }) => item.cached)).toEqual([false, false, false]);
      expect((await get('/api/v1/messages/cached')).body).toEqual({
        statusCode: 503,
        code: 'CACHE_UNAVAILABLE',
        message: 'the receipt cache (Redis) is configured but does not answer; sending goes on, receipts are in PostgreSQL',
      });
      // A bad cursor is still the client's mistake.
      expect((await get('/api/v1/messages/cached?cursor=not-a-cursor')).body).toMatchObject({ statusCode: 400, code: 'INVALID_CURSOR' });
    });
  });

  describe('with Redis not configured', () => {
    let sent: SentRow[];

    beforeAll(async () => {
      stack = await startStack({ env: { REDIS_URL: undefined } });
      doc = await fetchDocument(stack);
      sent = await sendMessages(stack, 2);
    });

    afterAll(async () => {
      await stack?.close();
    });

    afterEach(async () => {
      expect((await stack.api('get', '/health/ready', false)).status).toBe(200);
    });

    it('reads receipts from PostgreSQL', async () => {
      expect((await get(`/api/v1/messages/${sent[0].id}/receipt`)).body).toEqual({ messageId: sent[0].gatewayId, sentAt: sent[0].sentAt, source: 'database' });
    });

    it('lists no cached receipt, saying the cache is disabled', async () => {
      expect((await get('/api/v1/messages/cached')).body).toEqual({ items: [], nextCursor: null, cache: 'disabled' });
      expect((await get('/api/v1/messages/cached?limit=1')).body).toEqual({ items: [], nextCursor: null, cache: 'disabled' });
    });

    it('marks every sent message not cached', async () => {
      const page = (await get('/api/v1/messages/sent')).body;
      expect(page.items.map((item: { cached: boolean }) => item.cached)).toEqual([false, false]);
    });
  });
});
