import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { ActionRefused, SignInRequired } from './dashboard-errors.js';
import { type DashboardRequest, isFragmentRequest, requestOrigin } from './dashboard-request.js';
import { readCookie } from './security/cookies.js';
import { CSRF_FIELD, CSRF_HEADER, csrfTokenMatches } from './security/csrf.js';
import { sameOriginRefusal } from './security/same-origin.js';
import { DashboardSessions } from './session/dashboard-sessions.js';
import { SESSION_COOKIE } from './session/session-token.js';

/**
 * Every dashboard page, fragment and action but sign-in and the assets:
 * 1. a POST must come from this origin (sameOriginRefusal), else 403 before anything is read;
 * 2. the session cookie must name a live session (else SignInRequired: 303 to sign-in, or 401
 *    for fragments and htmx requests); a page view or an action restarts its idle time, a poll does not;
 * 3. a POST must carry the session's CSRF token (form field _csrf, or the X-CSRF-Token header), else 403.
 * The session then rides on the request (DashboardRequest.dashboardSession).
 */
@Injectable()
export class DashboardAuthGuard implements CanActivate {
  constructor(private readonly sessions: DashboardSessions) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<DashboardRequest>();
    const post = req.method === 'POST';
    if (post) {
      const refusal = sameOriginRefusal(requestOrigin(req));
      if (refusal !== null) throw new ActionRefused(refusal);
    }
    const session = await this.sessions.find(readCookie(req.headers.cookie, SESSION_COOKIE), !isFragmentRequest(req));
    if (session === null) throw new SignInRequired();
    if (post) {
      const body = req.body as Record<string, unknown> | undefined;
      const presented = body?.[CSRF_FIELD] ?? req.headers[CSRF_HEADER];
      if (!csrfTokenMatches(session.csrfToken, presented)) throw new ActionRefused('the form has no valid CSRF token (reload the page and try again)');
    }
    req.dashboardSession = session;
    return true;
  }
}

/** The session DashboardAuthGuard put on the request (only called behind the guard). */
export function sessionOf(req: DashboardRequest) {
  if (!req.dashboardSession) throw new SignInRequired();
  return req.dashboardSession;
}
