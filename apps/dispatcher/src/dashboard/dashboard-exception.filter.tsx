import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { DashboardAssets } from './dashboard-assets.js';
import { ActionRefused, DashboardPageError, SignInRequired } from './dashboard-errors.js';
import { type DashboardRequest, isFragmentRequest } from './dashboard-request.js';
import { ErrorPage } from './views/error-page.js';
import { renderPage } from './views/render.js';

/** Where a signed-out page view goes: sign-in, then back to the page (GET only). */
export function signInUrl(req: DashboardRequest): string {
  if (req.method !== 'GET' && req.method !== 'HEAD') return '/dashboard/login';
  return `/dashboard/login?next=${encodeURIComponent(req.originalUrl)}`;
}

/**
 * Answers of the dashboard controllers that are not their page, as HTML (never the API's JSON):
 * sign-in redirects, 401 for fragments, 403 refusals, error pages, and a 500 page that shows
 * nothing of the error (logged with the request's id).
 */
@Catch()
export class DashboardExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Dashboard');

  constructor(private readonly assets: DashboardAssets) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<DashboardRequest>();
    const res = http.getResponse<Response>();
    if (res.headersSent) return;
    if (error instanceof SignInRequired) {
      if (isFragmentRequest(req)) {
        res.status(401).type('html').send('<p>Signed out. <a href="/dashboard/login">Sign in</a></p>');
      } else {
        res.redirect(303, signInUrl(req));
      }
      return;
    }
    const { status, title, detail } = this.describe(error);
    const ctx = { assets: this.assets.urls, session: req.dashboardSession ?? null };
    res
      .status(status)
      .type('html')
      .send(renderPage(<ErrorPage ctx={ctx} status={status} title={title} detail={detail} />));
  }

  private describe(error: unknown): { status: number; title: string; detail: string } {
    if (error instanceof ActionRefused) return { status: 403, title: 'Refused', detail: `Nothing was changed: ${error.reason}.` };
    if (error instanceof DashboardPageError) return { status: error.status, title: error.title, detail: error.detail };
    if (error instanceof HttpException && error.getStatus() < 500) {
      const status = error.getStatus();
      return status === 404
        ? { status, title: 'Not found', detail: 'There is no such page.' }
        : { status, title: 'Bad request', detail: 'The request could not be handled.' };
    }
    this.logger.error({ msg: 'dashboard request failed', err: error });
    return { status: 500, title: 'Something went wrong', detail: 'The page could not be shown; the error is in the service log.' };
  }
}
