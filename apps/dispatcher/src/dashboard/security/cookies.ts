/** The value of cookie `name` in a Cookie header, or undefined (no cookie-parser needed for one cookie). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    const value = raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2 ? raw.slice(1, -1) : raw;
    return value === '' ? undefined : value;
  }
  return undefined;
}

/**
 * Where to go after signing in: `next` when it is a dashboard path of this service (not a
 * scheme-relative `//host`, not a backslash trick), else the overview. Keeps sign-in from being
 * an open redirect.
 */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length > 2048) return '/dashboard';
  if (!/^\/dashboard(?:[/?]|$)/.test(next)) return '/dashboard';
  if (next.includes('\\') || next.includes('//') || hasControlCharacter(next)) return '/dashboard';
  if (next.startsWith('/dashboard/login') || next.startsWith('/dashboard/logout')) return '/dashboard';
  return next;
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
