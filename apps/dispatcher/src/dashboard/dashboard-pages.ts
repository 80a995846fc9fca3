import { Injectable } from '@nestjs/common';
import { GetMessageStats } from '@app/application';
import { DashboardAssets } from './dashboard-assets.js';
import { sessionOf } from './dashboard-auth.guard.js';
import type { DashboardRequest } from './dashboard-request.js';
import type { SignedInContext } from './views/layout.js';

/**
 * What every signed-in page needs besides its own data: the assets, the session, and the number
 * of messages in doubt for the navigation's badge (from the trigger-kept counts, GetMessageStats:
 * no scan of the table, whatever its size).
 */
@Injectable()
export class DashboardPages {
  constructor(
    private readonly assets: DashboardAssets,
    private readonly stats: GetMessageStats,
  ) {}

  /** The context of a page behind DashboardAuthGuard; `inDoubt` when the caller has the counts already. */
  async context(req: DashboardRequest, inDoubt?: number): Promise<SignedInContext> {
    const session = sessionOf(req);
    return { assets: this.assets.urls, session, inDoubt: inDoubt ?? (await this.stats.execute()).byStatus.unknown };
  }
}
