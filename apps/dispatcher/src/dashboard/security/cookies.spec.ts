import { describe, expect, it } from '@jest/globals';
import { readCookie, safeNext } from './cookies.js';

describe('readCookie', () => {
  it('finds one cookie among others', () => {
    expect(readCookie('a=1; dispatcher_session=abc; b=2', 'dispatcher_session')).toBe('abc');
    expect(readCookie('dispatcher_session="quoted"', 'dispatcher_session')).toBe('quoted');
  });

  it('answers undefined when it is missing or empty', () => {
    expect(readCookie(undefined, 'x')).toBeUndefined();
    expect(readCookie('', 'x')).toBeUndefined();
    expect(readCookie('xy=1; x=', 'x')).toBeUndefined();
    expect(readCookie('garbage', 'x')).toBeUndefined();
  });
});

describe('safeNext', () => {
  it('keeps a dashboard path with its query', () => {
    expect(safeNext('/dashboard/messages?status=failed')).toBe('/dashboard/messages?status=failed');
    expect(safeNext('/dashboard')).toBe('/dashboard');
  });

  it('sends anything else to the overview (no open redirect)', () => {
    for (const next of [
      'https://evil.example',
      '//evil.example',
      '/dashboard//evil.example',
      '/\\evil.example',
      '/dashboardx',
      '/api/v1/messages',
      '/dashboard/login',
      '/dashboard/\nheader',
      undefined,
      42,
    ]) {
      expect(safeNext(next)).toBe('/dashboard');
    }
  });
});
