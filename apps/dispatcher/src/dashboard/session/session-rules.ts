/**
 * When a dashboard session ends: 8 hours after sign-in at most (absolute), or after 30 minutes
 * without a page view or an action (idle). The live panel's polling does not count as activity:
 * a tab left open signs out like any other. Pure, so the rules are tested without a database.
 */
export const SESSION_ABSOLUTE_MS = 8 * 60 * 60 * 1000;
export const SESSION_IDLE_MS = 30 * 60 * 1000;
/** last_seen_at is written at most this often, so that a burst of page views costs one write. */
export const SESSION_TOUCH_EVERY_MS = 15 * 1000;

export interface SessionTimes {
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
}

export type SessionVerdict = 'valid' | 'expired' | 'idle';

/** Whether a session with these times may be used at `now`. */
export function sessionVerdict(times: SessionTimes, now: Date): SessionVerdict {
  if (now.getTime() >= times.expiresAt.getTime()) return 'expired';
  if (now.getTime() - times.lastSeenAt.getTime() >= SESSION_IDLE_MS) return 'idle';
  return 'valid';
}

/** The times of a session that starts at `now`. */
export function newSessionTimes(now: Date): SessionTimes {
  return { createdAt: now, lastSeenAt: now, expiresAt: new Date(now.getTime() + SESSION_ABSOLUTE_MS) };
}

/** Whether activity at `now` should be written (see SESSION_TOUCH_EVERY_MS). */
export function shouldTouch(times: SessionTimes, now: Date): boolean {
  return now.getTime() - times.lastSeenAt.getTime() >= SESSION_TOUCH_EVERY_MS;
}

/** How long the cookie may live from `now`: until the absolute end (the idle end is the server's to enforce). */
export function cookieMaxAgeMs(times: SessionTimes, now: Date): number {
  return Math.max(0, times.expiresAt.getTime() - now.getTime());
}
