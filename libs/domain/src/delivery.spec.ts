import { describe, expect, it } from '@jest/globals';
import { RetryPolicy } from './delivery.js';

describe(RetryPolicy.name, () => {
  const sut = new RetryPolicy({ baseMs: 1_000, maxMs: 300_000, maxAttempts: 5 });

  it('doubles the delay from the base after each failed attempt', () => {
    expect([1, 2, 3, 4, 5].map((n) => sut.delayAfter(n))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
  });

  it('caps the delay at the maximum', () => {
    expect(sut.delayAfter(20)).toBe(300_000);
    expect(sut.delayAfter(10_000)).toBe(300_000);
  });

  it('waits at least as long as Retry-After asks, within the maximum', () => {
    expect(sut.delayAfter(1, 30_000)).toBe(30_000);
    expect(sut.delayAfter(3, 1_000)).toBe(4_000);
    expect(sut.delayAfter(1, 10_000_000)).toBe(300_000);
  });

  it('allows attempts up to the maximum', () => {
    expect(sut.hasAttemptsLeft(4)).toBe(true);
    expect(sut.hasAttemptsLeft(5)).toBe(false);
  });
});
