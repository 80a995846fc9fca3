import { Controller, Get, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { GetDispatchStatus, GetMessageStats, GetQueueLag, StartDispatch, StopDispatch } from '@app/application';
import { Clock } from '@app/domain';
import { DashboardAssets } from '../dashboard-assets.js';
import { DashboardAuthGuard, sessionOf } from '../dashboard-auth.guard.js';
import { DashboardPageError } from '../dashboard-errors.js';
import { DashboardExceptionFilter } from '../dashboard-exception.filter.js';
import type { DashboardRequest } from '../dashboard-request.js';
import { ConfirmPage, type SchedulerAction } from '../views/confirm-page.js';
import { LivePanel, type LiveData, OverviewPage } from '../views/overview-page.js';
import { renderFragment, renderPage } from '../views/render.js';

/** Notices the overview shows after an action (named in the query string, never free text from it). */
const NOTICES: Record<string, string> = {
  started: 'Sending started for the whole cluster.',
  stopped: 'Sending stopped for the whole cluster.',
};

function schedulerAction(value: string): SchedulerAction {
  if (value === 'start' || value === 'stop') return value;
  throw new DashboardPageError(404, 'Not found', 'There is no such page.');
}

/**
 * The overview (counts, queue lag, cadence), its live fragment, and start/stop for the cluster
 * with a confirmation page. Reads and acts through the API's use cases only.
 */
@ApiExcludeController()
@UseFilters(DashboardExceptionFilter)
@UseGuards(DashboardAuthGuard)
@Controller('dashboard')
export class OverviewController {
  constructor(
    private readonly stats: GetMessageStats,
    private readonly lag: GetQueueLag,
    private readonly status: GetDispatchStatus,
    private readonly startDispatch: StartDispatch,
    private readonly stopDispatch: StopDispatch,
    private readonly assets: DashboardAssets,
    private readonly clock: Clock,
  ) {}

  @Get()
  async overview(@Req() req: DashboardRequest, @Res() res: Response, @Query('notice') notice: unknown): Promise<void> {
    const ctx = { assets: this.assets.urls, session: sessionOf(req) };
    const live = await this.live();
    const text = typeof notice === 'string' ? NOTICES[notice] : undefined;
    res.type('html').send(renderPage(<OverviewPage ctx={ctx} live={live} notice={text} />));
  }

  @Get('fragments/live')
  async liveFragment(@Req() req: DashboardRequest, @Res() res: Response): Promise<void> {
    sessionOf(req);
    res.type('html').send(renderFragment(<LivePanel live={await this.live()} />));
  }

  @Get('scheduler/:action')
  async confirm(@Req() req: DashboardRequest, @Res() res: Response, @Param('action') action: string): Promise<void> {
    const ctx = { assets: this.assets.urls, session: sessionOf(req) };
    const which = schedulerAction(action);
    const status = await this.status.execute();
    res.type('html').send(renderPage(<ConfirmPage ctx={ctx} action={which} running={status.running} />));
  }

  @Post('scheduler/:action')
  async act(@Req() req: DashboardRequest, @Res() res: Response, @Param('action') action: string): Promise<void> {
    sessionOf(req);
    // Phase 2: record the session's label as the one who did it (the operator log).
    if (schedulerAction(action) === 'stop') {
      await this.stopDispatch.execute();
      res.redirect(303, '/dashboard?notice=stopped');
    } else {
      await this.startDispatch.execute();
      res.redirect(303, '/dashboard?notice=started');
    }
  }

  private async live(): Promise<LiveData> {
    const [stats, lag, status] = await Promise.all([this.stats.execute(), this.lag.execute(), this.status.execute()]);
    return { stats, lag, status, now: this.clock.now() };
  }
}
