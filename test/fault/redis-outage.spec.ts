import { beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import type { TestDatabase } from '@test/support/database.js';
import {
  useFaultDatabase,
  DispatcherProcess,
  faultTest,
  phones,
  sleep,
  startSandbox,
  startThrowawayRedis,
  waitFor,
} from '@test/fault/support/dispatcher-process.js';

const ENV = {
  DISPATCH_INTERVAL_MS: '200',
  DISPATCH_BATCH_SIZE: '1',
  CLAIM_LEASE_MS: '1500',
  WEBHOOK_TIMEOUT_MS: '500',
};

/** One GET on a short-lived client, so the test's own client never waits on a dead server. */
async function receipt(url: string, id: string): Promise<{ messageId: string; sentAt: string; cachedAt?: string } | null> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const raw = await client.get(`sent_message:${id}`);
    return raw ? JSON.parse(raw) : null;
  } finally {
    client.disconnect();
  }
}

/**
 * A throwaway Redis (never the machine's) killed mid-run: sending goes on and readiness stays
 * 200 with Redis degraded; restarted on the same port, Redis is up again and receipts land again.
 */
describe('Redis stopped and restarted under a running dispatcher (fault)', () => {
  const database = useFaultDatabase();
  let db: TestDatabase;

  beforeAll(() => {
    db = database();
  });

  it(
    'keeps sending and ready (redis degraded) while Redis is down, and caches receipts again once it is back',
    faultTest(async () => {
      const sandbox = await startSandbox();
      for (const [i, phone] of phones(40).entries()) {
        await db.sql.query('INSERT INTO messages (phone_number, content) VALUES ($1, $2)', [phone, `redis outage ${i}`]);
      }
      const redis = await startThrowawayRedis();
      const sut = await DispatcherProcess.start({
        databaseUrl: db.url,
        webhookUrl: sandbox.webhookUrl,
        instanceId: 'fault-redis',
        env: { ...ENV, REDIS_URL: redis.url },
      });
      const sentRows = async () =>
        (
          await db.sql.query<{ id: string; gateway_message_id: string; sent_at: Date }>(
            `SELECT id, gateway_message_id, sent_at FROM messages WHERE status = 'sent' ORDER BY sent_at`,
          )
        ).rows;

      // Up: receipts land.
      const first = await waitFor('a message sent', async () => (await sentRows())[0] ?? null, 10_000, 50);
      expect(await waitFor('its receipt in Redis', () => receipt(redis.url, first.id), 3_000, 50)).toEqual({
        messageId: first.gateway_message_id,
        sentAt: first.sent_at.toISOString(),
        cachedAt: expect.any(String),
      });
      expect((await sut.ready()).body.details.redis).toMatchObject({ status: 'up', state: 'up' });

      // Down: still ready (redis degraded), still sending.
      await redis.stop();
      const downAt = new Date();
      const degraded = await waitFor(
        'readiness to report redis degraded',
        async () => {
          const ready = await sut.ready();
          return ready.body?.details?.redis?.status === 'degraded' ? ready : null;
        },
        5_000,
        50,
      );
      expect(degraded.status).toBe(200);
      const sentWhileDown = (await sentRows()).length;
      for (let i = 0; i < 5; i += 1) {
        await sleep(300);
        const ready = await sut.ready();
        expect({ status: ready.status, redis: ready.body.details.redis.status, database: ready.body.details.database.status }).toEqual({
          status: 200,
          redis: 'degraded',
          database: 'up',
        });
      }
      await waitFor('sending to go on without Redis', async () => (await sentRows()).filter((r) => r.sent_at > downAt).length >= 3, 5_000, 50);
      expect((await sentRows()).length).toBeGreaterThan(sentWhileDown);

      // Back on the same port: up again, and new receipts land.
      await redis.restart();
      await waitFor('readiness to report redis up', async () => (await sut.ready()).body?.details?.redis?.status === 'up', 15_000, 100);
      const upAt = new Date();
      const after = await waitFor(
        'two messages sent after Redis came back',
        async () => {
          const rows = (await sentRows()).filter((r) => r.sent_at > upAt);
          return rows.length >= 2 ? rows : null;
        },
        5_000,
        50,
      );
      for (const row of after) {
        expect(await waitFor(`the receipt of ${row.id}`, () => receipt(redis.url, row.id), 3_000, 50)).toEqual({
          messageId: row.gateway_message_id,
          sentAt: row.sent_at.toISOString(),
          cachedAt: expect.any(String),
        });
      }

      const duplicates = [...sandbox.byKey().values()].filter((requests) => requests.length > 1);
      const rows = await sentRows();
      console.log(
        `redis outage test: sent ${rows.length} (${rows.filter((r) => r.sent_at > downAt && r.sent_at < upAt).length} while Redis was down), ` +
          `requests ${sandbox.received().length}, duplicates ${duplicates.length}`,
      );
      expect(duplicates).toEqual([]);
      expect((await sut.ready()).status).toBe(200);
    }),
    100_000,
  );
});
