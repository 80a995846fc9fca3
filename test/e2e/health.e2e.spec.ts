import { afterEach, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { DispatchScheduler } from '@app/application';
import { freePort } from '../../apps/dispatcher/src/local/free-port.js';
import { chooseLocalRedis } from '../../apps/dispatcher/src/local/local-redis.js';
import { expectResponseToMatchDocument, fetchDocument } from '@test/support/openapi.js';
import { type Stack, startStack, waitFor } from '@test/support/stack.js';
import { ThrowawayRedis } from '@test/support/throwaway-redis.js';

const MACHINE_REDIS = new URL(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');

/**
 * GET /health in each state (ok, ok without Redis, degraded, down: database gone, shutting
 * down), without a key, checked against the document; and `npm start`'s Redis decision carried
 * into the service it starts.
 */
describe('GET /health (e2e)', () => {
  let stack: Stack | undefined;
  let server: ThrowawayRedis | undefined;

  afterEach(async () => {
    await stack?.close();
    await server?.stop();
    stack = undefined;
    server = undefined;
  });

  /** GET /health without a key, checked against the document; its status and body. */
  async function health(s: Stack): Promise<{ status: number; body: any }> {
    const res = await s.api('get', '/health', false);
    expectResponseToMatchDocument(await fetchDocument(s), res);
    expect(res.headers['cache-control']).toContain('no-store');
    return { status: res.status, body: res.body };
  }

  it('is ok with PostgreSQL and Redis up', async () => {
    stack = await startStack();

    expect(await health(stack)).toEqual({
      status: 200,
      body: { status: 'ok', components: { database: { status: 'up' }, redis: { status: 'up' }, dispatcher: { status: 'up' } } },
    });
  });

  it('is ok with Redis not configured, saying it is disabled', async () => {
    stack = await startStack({ env: { REDIS_URL: undefined } });

    expect(await health(stack)).toEqual({
      status: 200,
      body: {
        status: 'ok',
        components: {
          database: { status: 'up' },
          redis: { status: 'disabled', message: 'REDIS_URL is not set: receipts are kept in PostgreSQL only' },
          dispatcher: { status: 'up' },
        },
      },
    });
  });

  it('is degraded (200) while Redis is down, ok again once it is back; the probes keep their meaning', async () => {
    server = await ThrowawayRedis.start();
    stack = await startStack({ env: { REDIS_URL: server.url } });
    const s = stack;
    await waitFor('Redis up', async () => (await health(s)).body.status === 'ok');

    await server.stop();

    const down = await waitFor('Redis seen down', async () => {
      const answer = await health(s);
      return answer.body.status === 'degraded' ? answer : null;
    });
    expect(down).toEqual({
      status: 200,
      body: {
        status: 'degraded',
        components: {
          database: { status: 'up' },
          redis: { status: 'down', message: 'Redis does not answer: receipts are not being cached; sending goes on' },
          dispatcher: { status: 'up' },
        },
      },
    });
    await s.api('get', '/health/ready', false).expect(200);
    await s.api('get', '/health/live', false).expect(200);

    await server.restart();
    await waitFor('Redis back', async () => (await health(s)).body.status === 'ok', 15_000, 100);
  });

  it('is down (503) while the database does not answer, and ok again once it does', async () => {
    stack = await startStack({ env: { REDIS_URL: undefined } });
    const s = stack;
    const name = new URL(s.db.url).pathname.slice(1);
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
    await admin.connect();
    try {
      // Nobody may connect to this test's database, and its open connections are cut.
      await admin.query(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);

      const down = await waitFor('the database seen down', async () => {
        const answer = await health(s);
        return answer.status === 503 ? answer : null;
      });
      expect(down.body).toEqual({
        status: 'down',
        components: {
          database: { status: 'down', message: 'PostgreSQL does not answer' },
          redis: expect.objectContaining({ status: 'disabled' }),
          dispatcher: { status: 'up' },
        },
      });
      await s.api('get', '/health/ready', false).expect(503);
      await s.api('get', '/health/live', false).expect(200);
    } finally {
      await admin.query(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    await waitFor('the database back', async () => (await health(s)).status === 200, 10_000, 100);
  });

  it('is down (503) while the replica shuts down', async () => {
    stack = await startStack();

    await stack.app.get(DispatchScheduler).beforeApplicationShutdown();

    expect(await health(stack)).toEqual({
      status: 503,
      body: { status: 'down', components: { database: { status: 'up' }, redis: { status: 'up' }, dispatcher: { status: 'down', message: 'shutting down' } } },
    });
  });

  describe("npm start's Redis decision, carried into the service", () => {
    it('a Redis answering on localhost is used', async () => {
      const choice = await chooseLocalRedis({}, { host: MACHINE_REDIS.hostname, port: Number(MACHINE_REDIS.port || 6379) });
      expect(choice.note).toMatch(/^Redis {2}local, redis:\/\//);

      stack = await startStack({ env: { REDIS_URL: choice.redisUrl } });

      expect((await health(stack)).body.components.redis).toEqual({ status: 'up' });
      expect((await stack.api('get', '/api/v1/messages/cached?limit=1').expect(200)).body.cache).toBe('up');
    });

    it('none answering on localhost: the cache is off', async () => {
      const choice = await chooseLocalRedis({}, { host: '127.0.0.1', port: await freePort() });
      expect(choice).toEqual({ note: 'Redis  off: none on localhost' });

      stack = await startStack({ env: { REDIS_URL: choice.redisUrl } });

      expect((await health(stack)).body.components.redis).toMatchObject({ status: 'disabled' });
      expect((await stack.api('get', '/api/v1/messages/cached').expect(200)).body).toEqual({ items: [], nextCursor: null, cache: 'disabled' });
    });

    it('REDIS_URL set: that one is used, even when it is down and one answers on localhost', async () => {
      server = await ThrowawayRedis.start();
      await server.stop();
      const env = { REDIS_URL: server.url };
      const choice = await chooseLocalRedis(env, { host: MACHINE_REDIS.hostname, port: Number(MACHINE_REDIS.port || 6379) });
      expect(choice).toEqual({});

      stack = await startStack({ env: { REDIS_URL: choice.redisUrl ?? env.REDIS_URL } });

      expect(await health(stack)).toMatchObject({ status: 200, body: { status: 'degraded', components: { redis: { status: 'down' } } } });
      expect((await stack.api('get', '/api/v1/messages/cached').expect(503)).body.code).toBe('CACHE_UNAVAILABLE');
    });
  });
});
