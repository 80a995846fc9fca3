import { type DynamicModule, Module } from '@nestjs/common';
import { AssetsController } from './controllers/assets.controller.js';
import { AuditController } from './controllers/audit.controller.js';
import { FallbackController } from './controllers/fallback.controller.js';
import { InDoubtController } from './controllers/in-doubt.controller.js';
import { LoginController } from './controllers/login.controller.js';
import { MessagesPagesController } from './controllers/messages-pages.controller.js';
import { OverviewController } from './controllers/overview.controller.js';
import { ReplayController } from './controllers/replay.controller.js';
import { DashboardAssets } from './dashboard-assets.js';
import { DashboardAuthGuard } from './dashboard-auth.guard.js';
import { DashboardExceptionFilter } from './dashboard-exception.filter.js';
import { DashboardPages } from './dashboard-pages.js';
import { MessageLookups } from './message-lookups.js';
import { LoginRateLimiter } from './security/login-rate-limiter.js';
import { DashboardSessions } from './session/dashboard-sessions.js';

/**
 * The operator dashboard at /dashboard: pages rendered on the server (TSX with
 * preact-render-to-string, escaped by default), htmx for the live parts, assets served from the
 * npm packages. It calls the same use cases as the REST API, from the application module the app
 * already built (passed in, so that there is one scheduler, not two); its only SQL is its session
 * store. Security: see dashboard-edge.ts (headers, form bodies) and DashboardAuthGuard (session,
 * same origin, CSRF).
 */
@Module({})
export class DashboardModule {
  static forRoot(application: DynamicModule): DynamicModule {
    return {
      module: DashboardModule,
      imports: [application],
      // FallbackController last: its catch-all route must not shadow the others.
      controllers: [
        AssetsController,
        LoginController,
        OverviewController,
        MessagesPagesController,
        InDoubtController,
        ReplayController,
        AuditController,
        FallbackController,
      ],
      providers: [
        DashboardAssets,
        DashboardPages,
        MessageLookups,
        DashboardSessions,
        DashboardAuthGuard,
        DashboardExceptionFilter,
        { provide: LoginRateLimiter, useFactory: () => new LoginRateLimiter() },
      ],
    };
  }
}
