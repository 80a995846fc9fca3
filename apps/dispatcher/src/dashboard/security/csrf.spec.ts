import { describe, expect, it } from '@jest/globals';
import { csrfTokenMatches, newCsrfToken } from './csrf.js';

describe('CSRF tokens', () => {
  it('makes a fresh 43-character base64url token each time', () => {
    const a = newCsrfToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newCsrfToken()).not.toBe(a);
  });

  it('accepts the session’s own token only', () => {
    const token = newCsrfToken();
    expect(csrfTokenMatches(token, token)).toBe(true);
    expect(csrfTokenMatches(token, newCsrfToken())).toBe(false);
    expect(csrfTokenMatches(token, token.slice(0, -1))).toBe(false);
    expect(csrfTokenMatches(token, `${token}x`)).toBe(false);
  });

  it('refuses a missing, empty or non-string token', () => {
    const token = newCsrfToken();
    for (const presented of [undefined, null, '', 42, [token], { token }]) expect(csrfTokenMatches(token, presented)).toBe(false);
  });
});
