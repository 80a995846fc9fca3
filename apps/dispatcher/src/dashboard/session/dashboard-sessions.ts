import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '@app/domain';
import { newCsrfToken } from '../security/csrf.js';
import { newSessionTimes, SESSION_IDLE_MS, sessionVerdict, shouldTouch } from './session-rules.js';
import { hashSessionToken, isWellFormedToken, keyFingerprint, newSessionToken, sessionLabel } from './session-token.js';

/** A signed-in dashboard session, as the pages and actions see it. */
export interface DashboardSession {
  csrfToken: string;
  /** Short and not secret: who did it. */
  label: string;
  keyFingerprint: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
}

interface SessionRow {
  csrf_token: string;
  label: string;
  key_fingerprint: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
}

const COLUMNS = 'csrf_token, label, key_fingerprint, created_at, last_seen_at, expires_at';

function toSession(row: SessionRow): DashboardSession {
  return {
    csrfToken: row.csrf_token,
    label: row.label,
    keyFingerprint: row.key_fingerprint,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
  };
}

/**
 * The dashboard's session store: the table dashboard_sessions, the one piece of SQL the dashboard
 * has (everything else goes through the use cases). Rows are keyed by the SHA-256 of the cookie's
 * token; times come from the Clock port and follow session-rules.ts.
 */
@Injectable()
export class DashboardSessions {
  constructor(
    private readonly db: DataSource,
    private readonly clock: Clock,
  ) {}

  /** Starts a session for the key that signed in; answers the cookie's token and the session. Ended sessions are swept first. */
  async create(key: string): Promise<{ token: string; session: DashboardSession }> {
    const now = this.clock.now();
    await this.db.query(`DELETE FROM dashboard_sessions WHERE expires_at <= $1 OR last_seen_at <= $2`, [now, new Date(now.getTime() - SESSION_IDLE_MS)]);
    const token = newSessionToken();
    const fingerprint = keyFingerprint(key);
    const times = newSessionTimes(now);
    const rows: SessionRow[] = await this.db.query(
      `INSERT INTO dashboard_sessions (token_hash, csrf_token, label, key_fingerprint, created_at, last_seen_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [hashSessionToken(token), newCsrfToken(), sessionLabel(fingerprint), fingerprint, times.createdAt, times.lastSeenAt, times.expiresAt],
    );
    return { token, session: toSession(rows[0]) };
  }

  /**
   * The session of a cookie's token, or null when there is none or it has ended (an ended one is
   * deleted). With `activity` (a page view or an action, not a poll) its idle time starts again.
   */
  async find(token: string | undefined, activity: boolean): Promise<DashboardSession | null> {
    if (token === undefined || !isWellFormedToken(token)) return null;
    const hash = hashSessionToken(token);
    const rows: SessionRow[] = await this.db.query(`SELECT ${COLUMNS} FROM dashboard_sessions WHERE token_hash = $1`, [hash]);
    if (rows.length === 0) return null;
    const session = toSession(rows[0]);
    const now = this.clock.now();
    if (sessionVerdict(session, now) !== 'valid') {
      await this.db.query(`DELETE FROM dashboard_sessions WHERE token_hash = $1`, [hash]);
      return null;
    }
    if (activity && shouldTouch(session, now)) {
      await this.db.query(`UPDATE dashboard_sessions SET last_seen_at = $2 WHERE token_hash = $1 AND last_seen_at < $2`, [hash, now]);
      session.lastSeenAt = now;
    }
    return session;
  }

  /** Ends the session of a cookie's token on every replica (sign-out). */
  async end(token: string | undefined): Promise<void> {
    if (token === undefined || !isWellFormedToken(token)) return;
    await this.db.query(`DELETE FROM dashboard_sessions WHERE token_hash = $1`, [hashSessionToken(token)]);
  }
}
