import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import os from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { CacheState } from '@app/domain';
import { DisabledSentMessageCache, RedisSentMessageCache, SENT_MESSAGE_KEY_PREFIX } from '@app/infrastructure';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const TTL_SECONDS = 4_321;
const SENT_AT = new Date('2030-01-01T12:34:56.789Z');

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls until `check` holds, for at most `timeoutMs`; returns whether it held. */
async function eventually(check: () => Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return check();
}

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work;
  return { value, ms: performance.now() - started };
}

/** A redis-server of the test's own, so that stopping it never touches the shared one. */
class ThrowawayRedis {
  private child: ChildProcess | null = null;

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      cwd: os.tmpdir(),
      stdio: 'ignore',
    });
    this.child = child;
    const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      const up = await eventually(async () => {
        if (child.exitCode !== null) throw new Error(`redis-server on port ${this.port} exited with ${child.exitCode}`);
        try {
          if (probe.status !== 'ready') await probe.connect();
          return (await probe.ping()) === 'PONG';
        } catch {
          probe.disconnect();
          return false;
        }
      }, 5_000);
      if (!up) throw new Error(`redis-server on port ${this.port} did not start within 5 s`);
    } finally {
      probe.disconnect();
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

describe(RedisSentMessageCache.name, () => {
  beforeAll(() => {
    // The cache warns about unreachable Redis; here that is the point, not news.
    Logger.overrideLogger(false);
  });

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

    it('writes sent_message:<id> as {"messageId","sentAt"} JSON with the configured TTL', async () => {
      const id = newId();
      const messageId = randomUUID();

      await sut.put(id, { messageId, sentAt: SENT_AT });

      const raw = await redis.get(`sent_message:${id}`);
      expect(raw).toBe(`{"messageId":"${messageId}","sentAt":"2030-01-01T12:34:56.789Z"}`);
      expect(JSON.parse(raw as string)).toEqual({ messageId, sentAt: '2030-01-01T12:34:56.789Z' });
      const ttl = await redis.ttl(`sent_message:${id}`);
      expect(ttl).toBeGreaterThanOrEqual(TTL_SECONDS - 1);
      expect(ttl).toBeLessThanOrEqual(TTL_SECONDS);
    });

    it('reads a receipt back, and null for an id it never cached', async () => {
      const id = newId();
      const messageId = randomUUID();
      await sut.put(id, { messageId, sentAt: SENT_AT });

      await expect(sut.get(id)).resolves.toEqual({ messageId, sentAt: SENT_AT });
      await expect(sut.get(newId())).resolves.toBeNull();
    });

    it('overwrites an earlier receipt and renews its TTL', async () => {
      const id = newId();
      await redis.set(`sent_message:${id}`, '{"messageId":"old","sentAt":"2000-01-01T00:00:00.000Z"}', 'EX', 5);

      await sut.put(id, { messageId: 'new', sentAt: SENT_AT });

      await expect(sut.get(id)).resolves.toEqual({ messageId: 'new', sentAt: SENT_AT });
      expect(await redis.ttl(`sent_message:${id}`)).toBeGreaterThan(5);
    });

    it('reports up', async () => {
      await expect(sut.state()).resolves.toBe('up');
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

    it('resolves put quickly without throwing, reads null and reports down', async () => {
      const first = await timed(sut.put(randomUUID(), { messageId: randomUUID(), sentAt: SENT_AT }));
      expect(first.value).toBeUndefined();
      expect(first.ms).toBeLessThan(500);

      // Also once the client has failed to connect and is backing off.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const second = await timed(sut.put(randomUUID(), { messageId: randomUUID(), sentAt: SENT_AT }));
      expect(second.ms).toBeLessThan(500);

      await expect(sut.get(randomUUID())).resolves.toBeNull();
      const state = await timed(sut.state());
      expect(state.value).toBe('down');
      expect(state.ms).toBeLessThan(1_000);
    });
  });

  describe('when Redis goes away and comes back', () => {
    let server: ThrowawayRedis;
    let sut: RedisSentMessageCache;
    let direct: Redis;

    beforeAll(async () => {
      server = new ThrowawayRedis(await freePort());
      await server.start();
      sut = new RedisSentMessageCache(server.url, TTL_SECONDS);
      direct = new Redis(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => 100 });
      direct.on('error', () => undefined);
    });

    afterAll(async () => {
      await sut?.onApplicationShutdown();
      direct?.disconnect();
      await server?.stop();
    });

    it('goes down while the server is gone, never blocks put, and recovers when it restarts', async () => {
      const before = randomUUID();
      expect(await eventually(async () => (await sut.state()) === 'up', 5_000)).toBe(true);
      await sut.put(before, { messageId: 'm-before', sentAt: SENT_AT });
      expect(await direct.get(`sent_message:${before}`)).toBe('{"messageId":"m-before","sentAt":"2030-01-01T12:34:56.789Z"}');

      await server.stop();

      expect(await eventually(async () => (await sut.state()) === 'down', 3_000)).toBe(true);
      const whileDown = await timed(sut.put(randomUUID(), { messageId: 'm-down', sentAt: SENT_AT }));
      expect(whileDown.value).toBeUndefined();
      expect(whileDown.ms).toBeLessThan(1_000);
      await expect(sut.get(before)).resolves.toBeNull();

      await server.start();

      const states: CacheState[] = [];
      const recovered = await eventually(async () => {
        states.push(await sut.state());
        return states[states.length - 1] === 'up';
      }, 10_000, 100);
      expect(recovered).toBe(true);
      const after = randomUUID();
      await sut.put(after, { messageId: 'm-after', sentAt: SENT_AT });
      expect(await direct.get(`sent_message:${after}`)).toBe('{"messageId":"m-after","sentAt":"2030-01-01T12:34:56.789Z"}');
      expect(await direct.ttl(`sent_message:${after}`)).toBeGreaterThanOrEqual(TTL_SECONDS - 1);
      // The restarted server is empty (no persistence): the old receipt is gone, the new one readable.
      await expect(sut.get(before)).resolves.toBeNull();
      await expect(sut.get(after)).resolves.toEqual({ messageId: 'm-after', sentAt: SENT_AT });
    });
  });
});

describe(DisabledSentMessageCache.name, () => {
  const sut = new DisabledSentMessageCache();

  it('reports disabled, accepts puts and never has a receipt', async () => {
    await expect(sut.state()).resolves.toBe('disabled');
    await expect(sut.put(randomUUID(), { messageId: 'm', sentAt: SENT_AT })).resolves.toBeUndefined();
    await expect(sut.get(randomUUID())).resolves.toBeNull();
  });
});
