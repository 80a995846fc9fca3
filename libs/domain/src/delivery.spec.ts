import { describe, expect, it } from '@jest/globals';
import { RetryPolicy } from './delivery.js';

const settings = { baseMs: 1_000, maxMs: 300_000, maxAttempts: 5 };

/** A policy whose jitter always draws `value` from [0, 1]. */
const drawing = (value: number) => new RetryPolicy(settings, () => value);

describe(RetryPolicy.name, () => {
  describe('full jitter', () => {
    it('waits nothing when the draw is 0', () => {
      const sut = drawing(0);

      expect([1, 2, 3, 10].map((n) => sut.delayAfter(n))).toEqual([0, 0, 0, 0]);
    });

    it('waits the whole exponential ceiling when the draw is 1, doubling from the base', () => {
      const sut = drawing(1);

      expect([1, 2, 3, 4, 5].map((n) => sut.delayAfter(n))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
    });

    it('scales the ceiling by the draw', () => {
      expect(drawing(0.5).delayAfter(3)).toBe(2_000);
      expect(drawing(0.25).delayAfter(1)).toBe(250);
    });

    it('treats "no attempt made yet" like the first attempt', () => {
      expect(drawing(1).delayAfter(0)).toBe(1_000);
    });

    it('caps the ceiling at the maximum, however many attempts failed', () => {
      const sut = drawing(1);

      expect(sut.delayAfter(20)).toBe(300_000);
      expect(sut.delayAfter(10_000)).toBe(300_000);
      expect(drawing(0.5).delayAfter(10_000)).toBe(150_000);
    });

    it('stays within [0, ceiling] with the default random source', () => {
      const sut = new RetryPolicy(settings);

      for (let i = 0; i < 200; i += 1) {
        const delay = sut.delayAfter(3);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(4_000);
        expect(Number.isInteger(delay)).toBe(true);
      }
    });
  });

  describe('Retry-After', () => {
    it('is a floor under the jittered delay', () => {
      expect(drawing(0).delayAfter(1, 30_000)).toBe(30_000);
      expect(drawing(0).delayAfter(3, 1_000)).toBe(1_000);
    });

    it('does not shorten a longer jittered delay', () => {
      expect(drawing(1).delayAfter(3, 1_000)).toBe(4_000);
    });

    it('is itself capped at the maximum', () => {
      expect(drawing(0).delayAfter(1, 10_000_000)).toBe(300_000);
      expect(drawing(1).delayAfter(1, 10_000_000)).toBe(300_000);
    });
  });

  it('allows attempts up to the maximum', () => {
    const sut = drawing(1);

    expect(sut.maxAttempts).toBe(5);
    expect(sut.hasAttemptsLeft(4)).toBe(true);
    expect(sut.hasAttemptsLeft(5)).toBe(false);
  });
});
