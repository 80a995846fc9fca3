import { Controller, Get, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  GetDispatchStatus,
  GetMessageStats,
  GetQueueLag,
  GetSendHistory,
  ListDispatchEvents,
  ListOperatorLog,
  StartDispatch,
  StopDispatch,
} from '@app/application';
import { Clock } from '@app/domain';
import { dashboardActor } from '../dashboard-actor.js';
import { DashboardAuthGuard, sessionOf } from '../dashboard-auth.guard.js';
import { DashboardPageError } from '../dashboard-errors.js';
import { DashboardExceptionFilter } from '../dashboard-exception.filter.js';
import { DashboardPages } from '../dashboard-pages.js';
import type { DashboardRequest } from '../dashboard-request.js';
import { single } from '../query-params.js';
import { CHART_RANGES, type ChartRange, parseChartRange, sendChart, type SendChart } from '../send-chart.js';
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
 * The overview (counts, queue lag, cadence with who last started or stopped sending, the chart of
 * sends per minute), its live fragment, and start/stop for the cluster with a confirmation page,
 * recorded in the operator log under the session's label. Reads and acts through the API's use
 * cases only.
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
    private readonly operatorLog: ListOperatorLog,
    private readonly sendHistory: GetSendHistory,
    private readonly dispatchEvents: ListDispatchEvents,
    private readonly pages: DashboardPages,
    private readonly clock: Clock,
  ) {}

  @Get()
  async overview(@Req() req: DashboardRequest, @Res() res: Response, @Query() query: Record<string, unknown>): Promise<void> {
    sessionOf(req);
    const [live, chart] = await Promise.all([this.live(), this.chart(parseChartRange(single(query.range)))]);
    const ctx = await this.pages.context(req, live.stats.byStatus.unknown);
    const notice = single(query.notice);
    const text = notice === undefined ? undefined : NOTICES[notice];
    res.type('html').send(renderPage(<OverviewPage ctx={ctx} live={live} chart={chart} notice={text} />));
  }

  @Get('fragments/live')
  async liveFragment(@Req() req: DashboardRequest, @Res() res: Response): Promise<void> {
    sessionOf(req);
    res.type('html').send(renderFragment(<LivePanel live={await this.live()} />));
  }

  @Get('scheduler/:action')
  async confirm(@Req() req: DashboardRequest, @Res() res: Response, @Param('action') action: string): Promise<void> {
    const ctx = await this.pages.context(req);
    const which = schedulerAction(action);
    const status = await this.status.execute();
    res.type('html').send(renderPage(<ConfirmPage ctx={ctx} action={which} running={status.running} />));
  }

  @Post('scheduler/:action')
  async act(@Req() req: DashboardRequest, @Res() res: Response, @Param('action') action: string): Promise<void> {
    const actor = dashboardActor(sessionOf(req));
    if (schedulerAction(action) === 'stop') {
      await this.stopDispatch.execute(actor);
      res.redirect(303, '/dashboard?notice=stopped');
    } else {
      await this.startDispatch.execute(actor);
      res.redirect(303, '/dashboard?notice=started');
    }
  }

  private async live(): Promise<LiveData> {
    const [stats, lag, status, log] = await Promise.all([
      this.stats.execute(),
      this.lag.execute(),
      this.status.execute(),
      this.operatorLog.execute({ limit: 1, action: ['start', 'stop'] }),
    ]);
    return { stats, lag, status, lastChange: log.items[0] ?? null, now: this.clock.now() };
  }

  /** The chart of a range: GetSendHistory's minutes and the events since the first of them (the same minutes GetSendHistory counts). */
  private async chart(range: ChartRange): Promise<SendChart> {
    const { minutes } = CHART_RANGES[range];
    const end = Math.floor(this.clock.now().getTime() / 60_000) * 60_000 + 60_000;
    const [history, events] = await Promise.all([
      this.sendHistory.execute({ minutes }),
      this.dispatchEvents.execute({ since: new Date(end - minutes * 60_000) }),
    ]);
    return sendChart(range, history, events);
  }
}
