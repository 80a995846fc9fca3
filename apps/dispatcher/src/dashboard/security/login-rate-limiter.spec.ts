import { describe, expect, it } from '@jest/globals';
import { LoginRateLimiter } from './login-rate-limiter.js';

describe(LoginRateLimiter.name, () => {
  it('lets `limit` attempts per window through, then refuses with the seconds left', () => {
    const sut = new LoginRateLimiter(3, 60_000);
    expect([0, 1_000, 2_000].map((t) => sut.attempt('10.0.0.1', t).allowed)).toEqual([true, true, true]);
    expect(sut.attempt('10.0.0.1', 20_000)).toEqual({ allowed: false, retryAfterSeconds: 40 });
    expect(sut.attempt('10.0.0.1', 59_500)).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('starts a new window once the old one has ended', () => {
    const sut = new LoginRateLimiter(1, 60_000);
    expect(sut.attempt('a', 0).allowed).toBe(true);
    expect(sut.attempt('a', 1).allowed).toBe(false);
    expect(sut.attempt('a', 60_000).allowed).toBe(true);
  });

  it('counts each client address on its own', () => {
    const sut = new LoginRateLimiter(1, 60_000);
    expect(sut.attempt('a', 0).allowed).toBe(true);
    expect(sut.attempt('b', 0).allowed).toBe(true);
    expect(sut.attempt('a', 0).allowed).toBe(false);
  });

  it('tracks at most maxClients addresses, dropping ended windows first, then the oldest', () => {
    const sut = new LoginRateLimiter(1, 60_000, 3);
    sut.attempt('a', 0);
    sut.attempt('b', 30_000);
    sut.attempt('c', 40_000);
    sut.attempt('d', 70_000); // a's window has ended: dropped
    expect(sut.size).toBe(3);
    expect(sut.attempt('b', 70_001).allowed).toBe(false);
    sut.attempt('e', 75_000); // all running: the oldest (b) goes
    expect(sut.size).toBe(3);
    expect(sut.attempt('b', 75_001).allowed).toBe(true);
  });
});
