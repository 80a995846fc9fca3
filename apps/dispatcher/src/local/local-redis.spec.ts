import net from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { freePort } from './free-port.js';
import { bannerNote, chooseLocalRedis, LOCAL_REDIS, redisAnswers } from './local-redis.js';

/** A TCP server on a free port of 127.0.0.1 that does `onConnection` with each client. */
async function fakeServer(onConnection: (socket: net.Socket) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Answers every request with `reply` (in pieces, when given several). */
const replying =
  (...reply: string[]) =>
  (socket: net.Socket) =>
    socket.once('data', () => reply.forEach((part, i) => setTimeout(() => socket.write(part), i * 5)));

describe(redisAnswers.name, () => {
  const servers: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const serve = async (onConnection: (socket: net.Socket) => void) => {
    const server = await fakeServer(onConnection);
    servers.push(server);
    return server.port;
  };

  it('is true when a PING gets +PONG, also when the answer comes in pieces', async () => {
    let asked = '';
    const port = await serve((socket) => socket.once('data', (chunk) => ((asked = chunk.toString()), socket.write('+PONG\r\n'))));
    const piecemeal = await serve(replying('+PO', 'NG\r', '\n'));

    await expect(redisAnswers('127.0.0.1', port)).resolves.toBe(true);
    expect(asked).toBe('*1\r\n$4\r\nPING\r\n');
    await expect(redisAnswers('127.0.0.1', piecemeal)).resolves.toBe(true);
  });

  it('is false for a Redis that wants a password, or a server that answers something else', async () => {
    await expect(redisAnswers('127.0.0.1', await serve(replying('-NOAUTH Authentication required.\r\n')))).resolves.toBe(false);
    await expect(redisAnswers('127.0.0.1', await serve(replying('HTTP/1.1 400 Bad Request\r\n\r\n')))).resolves.toBe(false);
  });

  it('is false when nothing listens, or the server hangs up', async () => {
    await expect(redisAnswers('127.0.0.1', await freePort())).resolves.toBe(false);
    await expect(redisAnswers('127.0.0.1', await serve((socket) => socket.destroy()))).resolves.toBe(false);
  });

  it('gives up after its timeout on a server that never answers', async () => {
    const port = await serve(() => undefined);
    const started = performance.now();

    await expect(redisAnswers('127.0.0.1', port, 150)).resolves.toBe(false);

    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(140);
    expect(took).toBeLessThan(1_000);
  });
});

describe(chooseLocalRedis.name, () => {
  it('uses the Redis on 127.0.0.1:6379 when one answers, and says so in the banner', async () => {
    const probed: string[] = [];
    const choice = await chooseLocalRedis({}, LOCAL_REDIS, async (host, port) => (probed.push(`${host}:${port}`), true));

    expect(probed).toEqual(['127.0.0.1:6379']);
    expect(choice).toEqual({ redisUrl: 'redis://127.0.0.1:6379', note: 'Redis  local, redis://127.0.0.1:6379' });
  });

  it('leaves the cache off when none answers, and says so', async () => {
    await expect(chooseLocalRedis({}, LOCAL_REDIS, async () => false)).resolves.toEqual({ note: 'Redis  off: none on localhost' });
  });

  it('with REDIS_URL set, uses that one as it is: no probe, nothing to say', async () => {
    let probed = false;

    await expect(chooseLocalRedis({ REDIS_URL: 'redis://cache:6379' }, LOCAL_REDIS, async () => (probed = true))).resolves.toEqual({});
    expect(probed).toBe(false);
  });

  it('probes for real by default', async () => {
    const nothing = { host: '127.0.0.1', port: await freePort() };

    await expect(chooseLocalRedis({}, nothing)).resolves.toEqual({ note: 'Redis  off: none on localhost' });
  });
});

describe(bannerNote.name, () => {
  it('writes the label, two spaces and the text, as the issue spells the Redis line', () => {
    expect(bannerNote('PostgreSQL', 'embedded')).toBe('PostgreSQL  embedded');
    expect(bannerNote('Gateway', 'sandbox')).toBe('Gateway  sandbox');
    expect(bannerNote('Redis', 'off: none on localhost')).toBe('Redis  off: none on localhost');
  });
});
