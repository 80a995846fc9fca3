import { Controller, Get, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Clock } from '@app/domain';
import { AppConfig } from '@app/infrastructure';
import { ApiKeyCheck } from '../../http/api-key.guard.js';
import { DashboardAssets } from '../dashboard-assets.js';
import { DashboardAuthGuard, sessionOf } from '../dashboard-auth.guard.js';
import { ActionRefused } from '../dashboard-errors.js';
import { DashboardExceptionFilter } from '../dashboard-exception.filter.js';
import { type DashboardRequest, requestOrigin } from '../dashboard-request.js';
import { readCookie, safeNext } from '../security/cookies.js';
import { LoginRateLimiter } from '../security/login-rate-limiter.js';
import { sameOriginRefusal } from '../security/same-origin.js';
import { DashboardSessions } from '../session/dashboard-sessions.js';
import { cookieMaxAgeMs } from '../session/session-rules.js';
import { SESSION_COOKIE, SESSION_COOKIE_PATH } from '../session/session-token.js';
import { ErrorPage } from '../views/error-page.js';
import { LoginPage } from '../views/login-page.js';
import { renderPage } from '../views/render.js';

/** The one answer to every wrong key, whatever it was (empty, close, a key of another service). */
export const WRONG_KEY = 'That key is not one of this service’s API keys.';

/** Stands in for an empty key, so that an empty form costs the same digest and comparisons as a wrong key. */
const EMPTY_KEY_STAND_IN = '\u0000';

/**
 * Sign-in and sign-out. The key is posted once, checked in constant time against every key of
 * API_KEYS (ApiKeyCheck, as the API's header is), and never stored: the browser gets an HttpOnly
 * cookie holding a random session token, the database the token's SHA-256.
 */
@ApiExcludeController()
@UseFilters(DashboardExceptionFilter)
@Controller('dashboard')
export class LoginController {
  private readonly keys: ApiKeyCheck;

  constructor(
    config: AppConfig,
    private readonly sessions: DashboardSessions,
    private readonly limiter: LoginRateLimiter,
    private readonly assets: DashboardAssets,
    private readonly clock: Clock,
  ) {
    this.keys = new ApiKeyCheck(config.apiKeys);
  }

  @Get('login')
  async loginPage(@Req() req: DashboardRequest, @Res() res: Response, @Query('next') next: unknown): Promise<void> {
    const target = safeNext(next);
    if ((await this.sessions.find(readCookie(req.headers.cookie, SESSION_COOKIE), false)) !== null) {
      res.redirect(303, target);
      return;
    }
    res.type('html').send(renderPage(<LoginPage ctx={{ assets: this.assets.urls, session: null }} next={target} />));
  }

  @Post('login')
  async login(@Req() req: DashboardRequest, @Res() res: Response): Promise<void> {
    const refusal = sameOriginRefusal(requestOrigin(req));
    if (refusal !== null) throw new ActionRefused(refusal);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = safeNext(body.next);
    const ctx = { assets: this.assets.urls, session: null };

    const decision = this.limiter.attempt(req.ip ?? 'unknown', this.clock.now().getTime());
    if (!decision.allowed) {
      res.setHeader('Retry-After', String(decision.retryAfterSeconds));
      const detail = `Too many sign-in attempts from this address. Try again in ${decision.retryAfterSeconds} s.`;
      res
        .status(429)
        .type('html')
        .send(renderPage(<ErrorPage ctx={ctx} status={429} title="Too many attempts" detail={detail} />));
      return;
    }

    const key = typeof body.key === 'string' ? body.key : '';
    if (this.keys.refusal(key.length > 0 ? key : EMPTY_KEY_STAND_IN) !== null) {
      res
        .status(401)
        .type('html')
        .send(renderPage(<LoginPage ctx={ctx} next={next} error={WRONG_KEY} />));
      return;
    }
    const { token, session } = await this.sessions.create(key);
    res.cookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      path: SESSION_COOKIE_PATH,
      secure: req.secure,
      maxAge: cookieMaxAgeMs(session, session.createdAt),
    });
    res.redirect(303, next);
  }

  @Post('logout')
  @UseGuards(DashboardAuthGuard)
  async logout(@Req() req: DashboardRequest, @Res() res: Response): Promise<void> {
    sessionOf(req);
    await this.sessions.end(readCookie(req.headers.cookie, SESSION_COOKIE));
    res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', path: SESSION_COOKIE_PATH, secure: req.secure });
    res.redirect(303, '/dashboard/login');
  }
}
