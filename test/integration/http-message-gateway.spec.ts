import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import type { GatewayResult } from '@app/domain';
import { AppConfig, HttpMessageGateway } from '@app/infrastructure';
import { createSandboxApp } from '../../apps/gateway-sandbox/src/create-sandbox.js';
import type { SandboxMode } from '../../apps/gateway-sandbox/src/sandbox-behaviour.js';
import { SandboxState } from '../../apps/gateway-sandbox/src/sandbox-state.js';

const AUTH_KEY = 'gateway-spec-webhook-key';
const TIMEOUT_MS = 300;
const SMS = { to: '+905551111111', content: 'hello' };

function configFor(webhookUrl: string, authKey = AUTH_KEY, env: Record<string, string> = {}): AppConfig {
  return AppConfig.fromEnv({
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/unused',
    WEBHOOK_URL: webhookUrl,
    WEBHOOK_AUTH_KEY: authKey,
    WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
    API_KEYS: 'gateway-spec-api-key-0001',
    ...env,
  });
}

const ACCEPTED_BODY = JSON.stringify({ message: 'Accepted', messageId: '67f2f8a8-ea58-4ed0-a6f9-ff217df4d849' });

/** A bare HTTP gateway for answers the sandbox cannot give (oversized or trickling bodies). */
interface RawGateway {
  url: string;
  server: http.Server;
  requests: number;
  connections: net.Socket[];
  close(): Promise<void>;
}

async function rawGateway(handler: http.RequestListener): Promise<RawGateway> {
  const server = http.createServer((req, res) => {
    gateway.requests += 1;
    handler(req, res);
  });
  const gateway: RawGateway = {
    url: '',
    server,
    requests: 0,
    connections: [],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on('connection', (socket) => gateway.connections.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  gateway.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/webhook`;
  return gateway;
}

/**
 * A port whose listen queue is full: the kernel drops further SYNs, so a connect neither succeeds
 * nor is refused. The listener is a child process whose event loop is blocked, so it never
 * accepts; with a backlog of 1 the queue is full after a connection or two (Linux drops SYNs to
 * a full accept queue whatever net.ipv4.tcp_syncookies says).
 */
async function blackHole(): Promise<{ url: string; close(): void }> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '-e',
      `const server = require('node:net').createServer();
       server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
         process.stdout.write(server.address().port + '\\n');
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
       });`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout?.once('data', (data: Buffer) => resolve(Number(String(data).trim())));
  });
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 8; i += 1) {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    fillers.push(socket);
    const connected = await Promise.race([new Promise<boolean>((resolve) => socket.once('connect', () => resolve(true))), sleep(200).then(() => false)]);
    if (!connected) break;
  }
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    close: () => {
      for (const socket of fillers) socket.destroy();
      child.kill('SIGKILL');
    },
  };
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe(HttpMessageGateway.name, () => {
  let sandboxApp: INestApplication;
  let sandbox: SandboxState;
  let webhookUrl: string;
  let sut: HttpMessageGateway;
  const others: HttpMessageGateway[] = [];
  const sandboxConnections: net.Socket[] = [];

  function another(config: AppConfig): HttpMessageGateway {
    const gateway = new HttpMessageGateway(config);
    others.push(gateway);
    return gateway;
  }

  beforeAll(async () => {
    sandboxApp = await createSandboxApp({ authKey: AUTH_KEY }, true);
    await sandboxApp.listen(0, '127.0.0.1');
    sandbox = sandboxApp.get(SandboxState);
    (sandboxApp.getHttpServer() as http.Server).on('connection', (socket: net.Socket) => sandboxConnections.push(socket));
    webhookUrl = `${(await sandboxApp.getUrl()).replace('[::1]', '127.0.0.1')}/webhook`;
    sut = new HttpMessageGateway(configFor(webhookUrl));
  });

  afterAll(async () => {
    await Promise.all([sut, ...others].map((gateway) => gateway?.onApplicationShutdown()));
    sandbox?.releaseHanging();
    await sandboxApp?.close();
  });

  beforeEach(() => {
    sandbox.reset();
    sandboxConnections.length = 0;
  });

  it('posts exactly the contract request: JSON body, auth key and idempotency key', async () => {
    const key = randomUUID();

    await sut.send({ ...SMS, idempotencyKey: key });

    expect(sandbox.received).toHaveLength(1);
    const [received] = sandbox.received;
    expect(received.rawBody).toBe('{"to":"+905551111111","content":"hello"}');
    expect(received.headers).toEqual({ 'content-type': 'application/json', 'x-ins-auth-key': AUTH_KEY, 'idempotency-key': key });
    expect(received.to).toBe('+905551111111');
    expect(received.content).toBe('hello');
  });

  it('sends non-ASCII content as UTF-8 JSON unchanged', async () => {
    await sut.send({ to: '+905551111111', content: 'Merhaba dünya, çok güzel 😀 "quoted"', idempotencyKey: randomUUID() });

    expect(sandbox.received[0].rawBody).toBe('{"to":"+905551111111","content":"Merhaba dünya, çok güzel 😀 \\"quoted\\""}');
    expect(sandbox.received[0].content).toBe('Merhaba dünya, çok güzel 😀 "quoted"');
  });

  it('is accepted with the messageId the gateway answered with', async () => {
    const result = await sut.send({ ...SMS, idempotencyKey: randomUUID() });

    const messageId = sandbox.received[0].messageId;
    expect(messageId).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
    expect(result).toEqual({ kind: 'accepted', statusCode: 202, gatewayMessageId: messageId, latencyMs: expect.any(Number) });
  });

  it.each<[SandboxMode, number, number | undefined]>([
    ['500', 500, undefined],
    ['503', 503, 7_000],
    ['429', 429, 7_000],
  ])('is retryable on %s, with the wait the gateway asked for', async (mode, statusCode, retryAfterMs) => {
    sandbox.configure({ mode, retryAfterSeconds: 7 });

    const result = await sut.send({ ...SMS, idempotencyKey: randomUUID() });

    expect(result.kind).toBe('retryable');
    expect(result.statusCode).toBe(statusCode);
    expect((result as Extract<GatewayResult, { kind: 'retryable' }>).retryAfterMs).toBe(retryAfterMs);
    expect(sandbox.received.map((r) => r.answered)).toEqual([mode]);
  });

  it.each<[SandboxMode, number, RegExp]>([
    ['400', 400, /400.*invalid recipient/],
    ['200', 200, /200 instead of 202/],
    ['no-message-id', 202, /without a messageId/],
    ['garbage', 202, /without a messageId.*<html>/],
  ])('is rejected on %s', async (mode, statusCode, error) => {
    sandbox.configure({ mode });

    const result = await sut.send({ ...SMS, idempotencyKey: randomUUID() });

    expect(result).toEqual({ kind: 'rejected', statusCode, error: expect.stringMatching(error), latencyMs: expect.any(Number) });
    expect(sandbox.received.map((r) => r.answered)).toEqual([mode]);
  });

  it('gives up on a gateway that never answers after about the timeout, as unknown', async () => {
    sandbox.configure({ mode: 'hang' });
    const started = performance.now();

    const result = await sut.send({ ...SMS, idempotencyKey: randomUUID() });

    const elapsed = performance.now() - started;
    expect(result.kind).toBe('unknown');
    expect(result.statusCode).toBeNull();
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 1_000);
    expect(result.latencyMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    expect(sandbox.received.map((r) => r.answered)).toEqual(['hang']);
  });

  it('answers within the timeout when the gateway is slow but in time', async () => {
    sandbox.configure({ latencyMs: 100 });

    const result = await sut.send({ ...SMS, idempotencyKey: randomUUID() });

    expect(result.kind).toBe('accepted');
    expect(result.latencyMs).toBeGreaterThanOrEqual(90);
  });

  it('is unknown when the gateway drops the connection after taking the request', async () => {
    sandbox.configure({ mode: 'reset' });

    const result = await sut.send({ ...SMS, idempotencyKey: randomUUID() });

    expect(result.kind).toBe('unknown');
    expect(result.statusCode).toBeNull();
    expect(sandbox.received.map((r) => r.answered)).toEqual(['reset']);
  });

  it('still sends on a kept-alive connection after a reset and a hang', async () => {
    sandbox.configure({ script: ['reset', 'hang', 'accept'] });

    const results = [];
    for (let i = 0; i < 3; i += 1) results.push((await sut.send({ ...SMS, idempotencyKey: randomUUID() })).kind);

    expect(results).toEqual(['unknown', 'unknown', 'accepted']);
  });

  it('is rejected with 401 when the auth key is wrong', async () => {
    const gateway = another(configFor(webhookUrl, 'not-the-right-key'));

    const result = await gateway.send({ ...SMS, idempotencyKey: randomUUID() });

    expect(result.kind).toBe('rejected');
    expect(result.statusCode).toBe(401);
    expect(sandbox.received.map((r) => [r.answered, r.headers['x-ins-auth-key']])).toEqual([['unauthorized', 'not-the-right-key']]);
  });

  it('is retryable when nothing listens at the webhook address', async () => {
    const gateway = another(configFor(`http://127.0.0.1:${await closedPort()}/webhook`));

    const result = await gateway.send({ ...SMS, idempotencyKey: randomUUID() });

    expect(result).toEqual({ kind: 'retryable', statusCode: null, error: expect.stringContaining('ECONNREFUSED'), latencyMs: expect.any(Number) });
    expect(sandbox.received).toHaveLength(0);
  });
  describe('with a gateway whose listen queue is full, so that a connect hangs', () => {
    let hole: Awaited<ReturnType<typeof blackHole>>;

    beforeAll(async () => {
      hole = await blackHole();
    });

    afterAll(() => {
      hole?.close();
    });

    it('is retryable when the connect times out: no connection, so nothing was sent', async () => {
      // The connect timeout is half the request timeout (here 2 s, of 4 s): it ends first.
      const gateway = another(configFor(hole.url, AUTH_KEY, { WEBHOOK_TIMEOUT_MS: '4000' }));
      const started = performance.now();

      const result = await gateway.send({ ...SMS, idempotencyKey: randomUUID() });

      expect(result).toEqual({ kind: 'retryable', statusCode: null, error: 'gateway unreachable (UND_ERR_CONNECT_TIMEOUT)', latencyMs: expect.any(Number) });
      expect(performance.now() - started).toBeGreaterThanOrEqual(2_000 - 20);
      expect(performance.now() - started).toBeLessThan(4_000);
    });

    it('still ends at the request timeout when that comes first, as unknown', async () => {
      const started = performance.now();

      const result = await another(configFor(hole.url)).send({ ...SMS, idempotencyKey: randomUUID() });

      const elapsed = performance.now() - started;
      expect(result).toEqual({
        kind: 'unknown',
        statusCode: null,
        error: `no answer from the gateway in time (timeout of ${TIMEOUT_MS}ms exceeded)`,
        latencyMs: expect.any(Number),
      });
      expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
      expect(elapsed).toBeLessThan(TIMEOUT_MS + 200);
    });
  });

  it('stops reading an answer bigger than 64 KB and calls the outcome unknown, as before', async () => {
    // 70 KB and then nothing: only a reader that stops at the limit answers before the timeout.
    const gateway = await rawGateway((_req, res) => {
      res.writeHead(202, { 'content-type': 'application/json' });
      res.write(`{"messageId":"${'x'.repeat(70 * 1024)}`);
    });
    try {
      const started = performance.now();

      const result = await another(configFor(gateway.url)).send({ ...SMS, idempotencyKey: randomUUID() });

      expect(result).toEqual({
        kind: 'unknown',
        statusCode: null,
        error: 'connection failed after the request was sent (ERR_BAD_RESPONSE)',
        latencyMs: expect.any(Number),
      });
      expect(performance.now() - started).toBeLessThan(TIMEOUT_MS);
      expect(gateway.requests).toBe(1);
    } finally {
      await gateway.close();
    }
  });

  it('reads an answer just under 64 KB', async () => {
    const gateway = await rawGateway((_req, res) => {
      res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ messageId: 'big-but-fine', pad: 'x'.repeat(60 * 1024) }));
    });
    try {
      const result = await another(configFor(gateway.url)).send({ ...SMS, idempotencyKey: randomUUID() });

      expect(result).toMatchObject({ kind: 'accepted', gatewayMessageId: 'big-but-fine' });
    } finally {
      await gateway.close();
    }
  });

  it('gives up at the timeout on an answer whose body trickles in: the timeout covers the whole exchange', async () => {
    const gateway = await rawGateway((req, res) => {
      res.writeHead(202, { 'content-type': 'application/json' });
      res.write('{"messageId":"');
      const drip = setInterval(() => res.write('x'), 40);
      req.socket.on('close', () => clearInterval(drip));
    });
    try {
      const started = performance.now();

      const result = await another(configFor(gateway.url)).send({ ...SMS, idempotencyKey: randomUUID() });

      const elapsed = performance.now() - started;
      expect(result).toEqual({
        kind: 'unknown',
        statusCode: null,
        error: `no answer from the gateway in time (timeout of ${TIMEOUT_MS}ms exceeded)`,
        latencyMs: expect.any(Number),
      });
      expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
      expect(elapsed).toBeLessThan(TIMEOUT_MS + 1_000);
    } finally {
      await gateway.close();
    }
  });

  it('sends one after the other on one kept-alive connection', async () => {
    const gateway = another(configFor(webhookUrl));

    const kinds = [];
    for (let i = 0; i < 20; i += 1) kinds.push((await gateway.send({ ...SMS, idempotencyKey: randomUUID() })).kind);

    expect(kinds).toEqual(Array(20).fill('accepted'));
    expect(sandbox.received).toHaveLength(20);
    expect(sandboxConnections).toHaveLength(1);
  });

  it('sends 64 at once when the dispatcher keeps 64 in flight, each exactly once', async () => {
    const gateway = another(configFor(webhookUrl, AUTH_KEY, { DISPATCH_CONCURRENCY: '64' }));
    sandbox.configure({ latencyMs: 20 });
    const keys = Array.from({ length: 64 }, () => randomUUID());

    const results = await Promise.all(keys.map((idempotencyKey) => gateway.send({ ...SMS, idempotencyKey })));

    expect(results.map((r) => r.kind)).toEqual(Array(64).fill('accepted'));
    expect(sandbox.received.map((r) => r.headers['idempotency-key']).sort()).toEqual([...keys].sort());
    expect(new Set(results.map((r) => r.kind === 'accepted' && r.gatewayMessageId)).size).toBe(64);
    expect(sandboxConnections.length).toBeLessThanOrEqual(64);
  });

  it('never sends a request twice when the gateway drops a kept-alive connection after taking it', async () => {
    const gateway = another(configFor(webhookUrl));
    sandbox.configure({ script: ['accept', 'reset'] });

    const first = await gateway.send({ ...SMS, idempotencyKey: randomUUID() });
    const second = await gateway.send({ ...SMS, idempotencyKey: randomUUID() });
    await sleep(200);

    expect([first.kind, second.kind]).toEqual(['accepted', 'unknown']);
    expect(sandbox.received.map((r) => r.answered)).toEqual(['accept', 'reset']);
    expect(sandboxConnections).toHaveLength(1);
  });

  it('sends on a new connection after the gateway closed the idle one', async () => {
    // No Keep-Alive hint: the gateway simply closes an idle connection after 100 ms.
    const gateway = await rawGateway((req, res) => {
      res.writeHead(202, { 'content-type': 'application/json' }).end(ACCEPTED_BODY);
      res.on('finish', () => setTimeout(() => req.socket.destroy(), 100));
    });
    gateway.server.keepAliveTimeout = 0;
    try {
      const sender = another(configFor(gateway.url));

      const first = await sender.send({ ...SMS, idempotencyKey: randomUUID() });
      await sleep(300);
      const second = await sender.send({ ...SMS, idempotencyKey: randomUUID() });

      expect([first.kind, second.kind]).toEqual(['accepted', 'accepted']);
      expect(gateway.requests).toBe(2);
      expect(gateway.connections).toHaveLength(2);
    } finally {
      await gateway.close();
    }
  });

  it('closes an idle connection itself, well before the keep-alive timeout the gateway announced', async () => {
    // "Keep-Alive: timeout=3": the adapter keeps the connection for 3 s less a 2 s margin.
    const gateway = await rawGateway((_req, res) => res.writeHead(202, { 'content-type': 'application/json' }).end(ACCEPTED_BODY));
    gateway.server.keepAliveTimeout = 3_000;
    try {
      await another(configFor(gateway.url)).send({ ...SMS, idempotencyKey: randomUUID() });
      const answered = performance.now();

      await new Promise((resolve) => gateway.connections[0].once('end', resolve));

      const idle = performance.now() - answered;
      expect(idle).toBeGreaterThanOrEqual(900);
      expect(idle).toBeLessThan(2_500);
    } finally {
      await gateway.close();
    }
  });

  it('is retryable once shut down: a send after shutdown never leaves', async () => {
    const gateway = another(configFor(webhookUrl));
    await gateway.send({ ...SMS, idempotencyKey: randomUUID() });

    await gateway.onApplicationShutdown();
    const result = await gateway.send({ ...SMS, idempotencyKey: randomUUID() });

    expect(result).toMatchObject({ kind: 'retryable', statusCode: null, error: 'gateway unreachable (UND_ERR_CLOSED)' });
    expect(sandbox.received).toHaveLength(1);
  });

  it('lets sends in flight finish on shutdown', async () => {
    const gateway = another(configFor(webhookUrl));
    sandbox.configure({ latencyMs: 100 });

    const inFlight = gateway.send({ ...SMS, idempotencyKey: randomUUID() });
    await sleep(20);
    await gateway.onApplicationShutdown();

    await expect(inFlight).resolves.toMatchObject({ kind: 'accepted' });
  });
});
