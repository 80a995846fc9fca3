import { beforeEach, describe, expect, it } from '@jest/globals';
import type { GatewayResult } from '@app/domain';
import { gatewayResult } from '@test/support/fakes.js';
import { CircuitBreaker } from './circuit-breaker.js';

const T0 = new Date('2026-11-22T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const THRESHOLD = 3;
const COOLDOWN_MS = 60_000;
const BATCH = 10;

describe(CircuitBreaker.name, () => {
  let sut: CircuitBreaker;

  /** Records each result as its own tick, at T0; returns what each record() said. */
  const fail = (...results: GatewayResult[]) => results.map((r) => sut.record([r], T0));

  beforeEach(() => {
    sut = new CircuitBreaker(THRESHOLD, COOLDOWN_MS);
  });

  it('starts closed and lets the whole batch through', () => {
    expect(sut.allowance(BATCH, T0)).toBe(BATCH);
    expect(sut.status()).toEqual({ state: 'closed', consecutiveFailures: 0, openedAt: null, probeAt: null });
  });

  it('opens after N consecutive failures, unknown outcomes included, and says so once', () => {
    const opened = fail(gatewayResult.retryable(503), gatewayResult.unknown(), gatewayResult.retryable(429));

    expect(opened).toEqual([false, false, true]);
    expect(sut.status()).toEqual({ state: 'open', consecutiveFailures: 3, openedAt: T0, probeAt: at(COOLDOWN_MS) });
  });

  it('counts every failure of one tick', () => {
    expect(sut.record([gatewayResult.unknown(), gatewayResult.unknown(), gatewayResult.retryable()], T0)).toBe(true);
    expect(sut.status().state).toBe('open');
  });

  it('stays closed below the threshold', () => {
    fail(gatewayResult.retryable(), gatewayResult.unknown());

    expect(sut.status()).toMatchObject({ state: 'closed', consecutiveFailures: 2 });
    expect(sut.allowance(BATCH, T0)).toBe(BATCH);
  });

  it('ignores a tick that made no call', () => {
    fail(gatewayResult.retryable(), gatewayResult.retryable());

    expect(sut.record([], T0)).toBe(false);
    expect(sut.status()).toMatchObject({ state: 'closed', consecutiveFailures: 2 });
  });

  it.each([
    ['an accepted', gatewayResult.accepted('gw-1')],
    ['a rejected', gatewayResult.rejected(400)],
  ])('forgets earlier failures on %s answer, which proves the gateway works', (_, answer) => {
    fail(gatewayResult.retryable(), gatewayResult.retryable());

    expect(sut.record([answer], T0)).toBe(false);
    fail(gatewayResult.retryable(), gatewayResult.retryable());

    expect(sut.status()).toMatchObject({ state: 'closed', consecutiveFailures: 2 });
  });

  describe('while open', () => {
    beforeEach(() => {
      fail(gatewayResult.retryable(), gatewayResult.retryable(), gatewayResult.retryable());
    });

    it('lets nothing through until the cooldown has passed', () => {
      expect(sut.allowance(BATCH, T0)).toBe(0);
      expect(sut.allowance(BATCH, at(COOLDOWN_MS - 1))).toBe(0);
      expect(sut.status().state).toBe('open');
    });

    it('lets exactly one probe through once the cooldown has passed', () => {
      expect(sut.allowance(BATCH, at(COOLDOWN_MS))).toBe(1);
      expect(sut.status()).toMatchObject({ state: 'half-open', probeAt: at(COOLDOWN_MS) });
      expect(sut.allowance(BATCH, at(COOLDOWN_MS + 1))).toBe(1);
    });

    it('opens again for another cooldown when the probe fails, without announcing it again', () => {
      sut.allowance(BATCH, at(COOLDOWN_MS));

      expect(sut.record([gatewayResult.unknown()], at(COOLDOWN_MS))).toBe(false);

      expect(sut.status()).toMatchObject({ state: 'open', openedAt: at(COOLDOWN_MS), probeAt: at(2 * COOLDOWN_MS) });
      expect(sut.allowance(BATCH, at(2 * COOLDOWN_MS - 1))).toBe(0);
      expect(sut.allowance(BATCH, at(2 * COOLDOWN_MS))).toBe(1);
    });

    it.each([
      ['accepted', gatewayResult.accepted('gw-probe')],
      ['rejected', gatewayResult.rejected(422)],
    ])('closes and resets when the probe is %s', (_, answer) => {
      sut.allowance(BATCH, at(COOLDOWN_MS));

      expect(sut.record([answer], at(COOLDOWN_MS))).toBe(false);

      expect(sut.status()).toEqual({ state: 'closed', consecutiveFailures: 0, openedAt: null, probeAt: null });
      expect(sut.allowance(BATCH, at(COOLDOWN_MS))).toBe(BATCH);
      expect(fail(gatewayResult.retryable(), gatewayResult.retryable())).toEqual([false, false]);
    });
  });
});
