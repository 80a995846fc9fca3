import { beforeEach, describe, expect, it } from '@jest/globals';
import { FakeClock } from '@test/support/fake-clock.js';
import { FakeMessageGateway, gatewayResult, settle } from '@test/support/fakes.js';
import { CircuitBreakerGateway } from './circuit-breaker-gateway.js';

const T0 = new Date('2026-11-22T10:00:00.000Z');
const SMS = { to: '+905551111111', content: 'secret code 4711', idempotencyKey: 'm-1' };

describe(CircuitBreakerGateway.name, () => {
  let clock: FakeClock;
  let inner: FakeMessageGateway;
  let sut: CircuitBreakerGateway;

  beforeEach(() => {
    clock = new FakeClock(T0);
    inner = new FakeMessageGateway();
    sut = new CircuitBreakerGateway(inner, { failures: 2, cooldownMs: 60_000 }, clock);
  });

  it('passes sends and their answers through while closed, admitting as many as asked', async () => {
    inner.answer(gatewayResult.accepted('gw-1'));

    expect(sut.admit(64)).toBe(64);
    await expect(sut.send(SMS)).resolves.toMatchObject({ kind: 'accepted', gatewayMessageId: 'gw-1' });
    expect(inner.received).toEqual([SMS]);
  });

  it('opens after consecutive failures, admits nothing, and reports the opening once with the error masked', async () => {
    inner.answer(
      gatewayResult.retryable(503),
      gatewayResult.rejected(400, `gateway answered 400: {"content":"${SMS.content}"}`),
      gatewayResult.unknown(),
      gatewayResult.unknown(`echo: ${SMS.content}`),
    );

    await sut.send(SMS);
    await sut.send(SMS); // a 400 proves the gateway works: the count starts again
    await sut.send(SMS);
    await sut.send(SMS);

    expect(sut.admit(10)).toBe(0);
    expect(sut.takeOpening()).toEqual({
      state: 'open',
      consecutiveFailures: 2,
      openedAt: T0,
      probeAt: new Date(T0.getTime() + 60_000),
      lastError: 'echo: [content]',
    });
    expect(sut.takeOpening()).toBeNull();
  });

  it('admits a single probe after the cooldown, none more while it is in flight, and closes when it is answered', async () => {
    inner.answer(gatewayResult.unknown(), gatewayResult.unknown());
    await sut.send(SMS);
    await sut.send(SMS);
    await clock.advance(60_000);
    const held = inner.holdNext();

    expect(sut.admit(10)).toBe(1);
    const probe = sut.send(SMS);
    expect(sut.admit(10)).toBe(0);
    held.resolve(gatewayResult.accepted());
    await probe;

    expect(sut.status()).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
    expect(sut.admit(10)).toBe(10);
  });

  it('turns an exception of the adapter into an unknown answer that counts as a failure', async () => {
    inner.throwOnNext(new Error('socket hang up')).throwOnNext('weird');

    await expect(sut.send(SMS)).resolves.toMatchObject({ kind: 'unknown', statusCode: null, error: 'gateway client error: socket hang up' });
    await expect(sut.send(SMS)).resolves.toMatchObject({ kind: 'unknown', error: 'gateway client error: weird' });
    await settle();

    expect(sut.status()).toMatchObject({ state: 'open', consecutiveFailures: 2 });
  });
});
