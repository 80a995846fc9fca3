import type { Request } from 'express';
import type { DashboardSession } from './session/dashboard-sessions.js';
import type { RequestOrigin } from './security/same-origin.js';

/** A dashboard request once DashboardAuthGuard let it through: it carries its session. */
export interface DashboardRequest extends Request {
  dashboardSession?: DashboardSession;
}

/** Fragments (polled by htmx) and htmx requests get 401 instead of a redirect to the sign-in page. */
export function isFragmentRequest(req: Request): boolean {
  return req.path.startsWith('/dashboard/fragments/') || req.headers['hx-request'] === 'true';
}

/** What the same-origin check reads of a request. */
export function requestOrigin(req: Request): RequestOrigin {
  const header = (name: string) => {
    const value = req.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  return { origin: header('origin'), secFetchSite: header('sec-fetch-site'), referer: header('referer'), self: `${req.protocol}://${req.host}` };
}
