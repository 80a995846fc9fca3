import { type DynamicModule, Module } from '@nestjs/common';
import { AssetsController } from './controllers/assets.controller.js';
import { FallbackController } from './controllers/fallback.controller.js';
import { LoginController } from './controllers/login.controller.js';
import { MessagesPagesController } from './controllers/messages-pages.controller.js';
import { OverviewController } from './controllers/overview.controller.js';
import { DashboardAssets } from './dashboard-assets.js';
import { DashboardAuthGuard } from './dashboard-auth.guard.js';
import { DashboardExceptionFilter } from './dashboard-exception.filter.js';
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
      controllers: [AssetsController, LoginController, OverviewController, MessagesPagesController, FallbackController],
      providers: [
        DashboardAssets,
        DashboardSessions,
        DashboardAuthGuard,
        DashboardExceptionFilter,
        { provide: LoginRateLimiter, useFactory: () => new LoginRateLimiter() },
      ],
    };
  }
}
