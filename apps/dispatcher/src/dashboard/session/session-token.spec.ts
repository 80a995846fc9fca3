import { describe, expect, it } from '@jest/globals';
import { hashSessionToken, isWellFormedToken, keyFingerprint, newSessionToken, sessionLabel } from './session-token.js';

describe('session tokens', () => {
  it('makes random tokens of the shape it accepts, and stores only their SHA-256', () => {
    const token = newSessionToken();
    expect(isWellFormedToken(token)).toBe(true);
    expect(newSessionToken()).not.toBe(token);
    expect(hashSessionToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashSessionToken(token)).not.toContain(token);
  });

  it('refuses to look up anything else', () => {
    for (const token of ['', 'short', `${newSessionToken()}x`, 'a'.repeat(42) + '=', "' OR 1=1 --"]) expect(isWellFormedToken(token)).toBe(false);
  });

  it('names a session by the key’s fingerprint, never the key', () => {
    const key = 'a-very-secret-api-key-0001';
    const fingerprint = keyFingerprint(key);
    expect(fingerprint).toMatch(/^[0-9a-f]{12}$/);
    expect(keyFingerprint('another-key')).not.toBe(fingerprint);
    const label = sessionLabel(fingerprint);
    expect(label).toMatch(new RegExp(`^key ${fingerprint} · s-[0-9a-f]{6}$`));
    expect(label).not.toContain(key);
  });
});
