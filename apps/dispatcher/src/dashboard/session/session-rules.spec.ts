import { describe, expect, it } from '@jest/globals';
import { cookieMaxAgeMs, newSessionTimes, SESSION_ABSOLUTE_MS, SESSION_IDLE_MS, sessionVerdict, shouldTouch } from './session-rules.js';

const START = new Date('2026-11-22T08:00:00.000Z');
const at = (ms: number) => new Date(START.getTime() + ms);

describe('session rules', () => {
  it('lasts 8 hours at most and 30 minutes without activity', () => {
    expect(SESSION_ABSOLUTE_MS).toBe(8 * 3_600_000);
    expect(SESSION_IDLE_MS).toBe(30 * 60_000);
    const times = newSessionTimes(START);
    expect(times).toEqual({ createdAt: START, lastSeenAt: START, expiresAt: at(SESSION_ABSOLUTE_MS) });
  });

  it('is valid until 30 minutes pass without activity', () => {
    const times = newSessionTimes(START);
    expect(sessionVerdict(times, at(SESSION_IDLE_MS - 1))).toBe('valid');
    expect(sessionVerdict(times, at(SESSION_IDLE_MS))).toBe('idle');
  });

  it('ends 8 hours after sign-in however active it was', () => {
    const times = { ...newSessionTimes(START), lastSeenAt: at(SESSION_ABSOLUTE_MS - 1_000) };
    expect(sessionVerdict(times, at(SESSION_ABSOLUTE_MS - 1))).toBe('valid');
    expect(sessionVerdict(times, at(SESSION_ABSOLUTE_MS))).toBe('expired');
  });

  it('writes activity at most every 15 seconds', () => {
    const times = newSessionTimes(START);
    expect(shouldTouch(times, at(14_999))).toBe(false);
    expect(shouldTouch(times, at(15_000))).toBe(true);
  });

  it('gives the cookie the time left until the absolute end', () => {
    const times = newSessionTimes(START);
    expect(cookieMaxAgeMs(times, START)).toBe(SESSION_ABSOLUTE_MS);
    expect(cookieMaxAgeMs(times, at(SESSION_ABSOLUTE_MS + 5))).toBe(0);
  });
});
