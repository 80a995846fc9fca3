import { randomUUID } from 'node:crypto';
import net from 'node:net';
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

function configFor(webhookUrl: string, authKey = AUTH_KEY): AppConfig {
  return AppConfig.fromEnv({
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/unused',
    WEBHOOK_URL: webhookUrl,
    WEBHOOK_AUTH_KEY: authKey,
    WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
    API_KEYS: 'gateway-spec-api-key-0001',
  });
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

  function another(config: AppConfig): HttpMessageGateway {
    const gateway = new HttpMessageGateway(config);
    others.push(gateway);
    return gateway;
  }

  beforeAll(async () => {
    sandboxApp = await createSandboxApp({ authKey: AUTH_KEY }, true);
    await sandboxApp.listen(0, '127.0.0.1');
    sandbox = sandboxApp.get(SandboxState);
    webhookUrl = `${(await sandboxApp.getUrl()).replace('[::1]', '127.0.0.1')}/webhook`;
    sut = new HttpMessageGateway(configFor(webhookUrl));
  });

  afterAll(async () => {
    sut?.onApplicationShutdown();
    for (const gateway of others) gateway.onApplicationShutdown();
    await sandboxApp?.close();
  });

  beforeEach(() => {
    sandbox.reset();
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
});
