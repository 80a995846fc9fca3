import type { NextFunction, Request, Response, Router } from 'express';
import express from 'express';

/** Everything under it is the dashboard (pages, fragments, actions, assets). */
export const DASHBOARD_PREFIX = '/dashboard';

/**
 * No inline script or style and no remote origin: scripts, styles and requests go to this
 * service only; forms post only here; no framing; no <base>.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** The headers of every dashboard response. Pages and fragments are never cached; assets override it. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/** A form post carries a few short fields; anything bigger is not ours. */
export const MAX_FORM_BYTES = 8 * 1024;
const MAX_FORM_FIELDS = 20;

const EXPECTS_CONTINUE = /(?:^|\W)100-continue(?:$|\W)/i;

function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  next();
}

/** The body of a dashboard POST: a small urlencoded form (other types are left unread; the CSRF check then refuses them). */
function formBody(req: Request, res: Response, next: NextFunction): void {
  if (req.method !== 'POST') {
    next();
    return;
  }
  if (req.is('application/x-www-form-urlencoded') && EXPECTS_CONTINUE.test(req.headers.expect ?? '')) res.writeContinue();
  urlencoded(req, res, next);
}

const urlencoded = express.urlencoded({ extended: false, limit: MAX_FORM_BYTES, parameterLimit: MAX_FORM_FIELDS, type: 'application/x-www-form-urlencoded' });

/** A form the parser refused (too large, too many fields, bad encoding): a short plain answer, not the API's JSON. */
function formBodyError(error: { status?: number; statusCode?: number }, _req: Request, res: Response, next: NextFunction): void {
  const status = error.status ?? error.statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500) {
    next(error);
    return;
  }
  res
    .status(status)
    .type('text/plain; charset=utf-8')
    .send(status === 413 ? 'The form is too large.' : 'The form could not be read.');
}

/**
 * The dashboard's part of the request edge (mounted on DASHBOARD_PREFIX by useRequestEdge): the
 * security headers on every answer, and the form parser for POSTs. The key and the session
 * cookie are checked by the dashboard's guard; the /api/v1 routes never look at the cookie.
 */
export function dashboardEdge(): Router {
  const router = express.Router();
  router.use(securityHeaders, formBody, formBodyError);
  return router;
}
