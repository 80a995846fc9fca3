import { createHash, randomBytes } from 'node:crypto';

/** The session cookie: HttpOnly, SameSite=Strict, Path=/dashboard (see DashboardSessions). */
export const SESSION_COOKIE = 'dispatcher_session';
export const SESSION_COOKIE_PATH = '/dashboard';

/** A new session token for the cookie: 32 random bytes, base64url. Only its SHA-256 is stored. */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What the database keeps of a token: its SHA-256, hex. A stolen table holds no usable cookie. */
export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * A key's fingerprint: the first 12 hex digits of its SHA-256. Tells keys apart (which key signed
 * in, e.g. during a rotation) without storing the key.
 */
export function keyFingerprint(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 12);
}

/**
 * A short, non-secret name for a session, for "who did it" (the operator log, the header): the
 * key's fingerprint and a random part, e.g. `key 3f2a9c1b04de · s-7d41e2`.
 */
export function sessionLabel(fingerprint: string): string {
  return `key ${fingerprint} · s-${randomBytes(3).toString('hex')}`;
}

/** A plausible token: base64url, the length newSessionToken makes. Anything else is not looked up. */
export function isWellFormedToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}
