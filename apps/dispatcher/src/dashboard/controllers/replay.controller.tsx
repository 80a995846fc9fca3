import { Controller, Get, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { GetDispatchStatus, PreviewReplay, ReplayMessages } from '@app/application';
import { PreviewChangedError, ReplayRefusedError, ValidationError } from '@app/domain';
import { dashboardActor } from '../dashboard-actor.js';
import { DashboardAuthGuard, sessionOf } from '../dashboard-auth.guard.js';
import { DashboardExceptionFilter } from '../dashboard-exception.filter.js';
import { DashboardPages } from '../dashboard-pages.js';
import type { DashboardRequest } from '../dashboard-request.js';
import { parseCount, parseReplayForm, single } from '../query-params.js';
import type { SignedInContext } from '../views/layout.js';
import { type Cadence, type ReplayForm, ReplayPage, type ReplayPageProps } from '../views/replay-page.js';
import { renderPage } from '../views/render.js';

/** The longest preview token PreviewReplay makes is far shorter; a longer one is not ours. */
const MAX_TOKEN_LENGTH = 256;

/**
 * Replay with a preview (GET /dashboard/replay: the filter form and, once states are chosen, the
 * preview of PreviewReplay; POST /dashboard/replay: ReplayMessages with the preview's token, so
 * that exactly the previewed set is replayed, or nothing and the new preview when it changed).
 */
@ApiExcludeController()
@UseFilters(DashboardExceptionFilter)
@UseGuards(DashboardAuthGuard)
@Controller('dashboard/replay')
export class ReplayController {
  constructor(
    private readonly previewReplay: PreviewReplay,
    private readonly replayMessages: ReplayMessages,
    private readonly status: GetDispatchStatus,
    private readonly pages: DashboardPages,
  ) {}

  @Get()
  async page(@Req() req: DashboardRequest, @Res() res: Response, @Query() query: Record<string, unknown>): Promise<void> {
    const [ctx, cadence] = await Promise.all([this.pages.context(req), this.cadence()]);
    const { form, problems, rawTimes } = parseReplayForm(query);
    const asked = single(query.preview) !== undefined || form.statuses.length > 0;
    if (asked && problems.length === 0 && form.statuses.length === 0) problems.push('Choose at least one state to replay.');
    const props: ReplayPageProps = { ctx, form, cadence, replayed: parseCount(query.replayed), rawTimes };
    if (problems.length > 0) {
      this.send(res, 400, { ...props, problems });
      return;
    }
    if (!asked) {
      this.send(res, 200, props);
      return;
    }
    const preview = await this.preview(form);
    if ('problems' in preview) this.send(res, 400, { ...props, problems: preview.problems });
    else this.send(res, 200, { ...props, preview: preview.preview });
  }

  @Post()
  async confirm(@Req() req: DashboardRequest, @Res() res: Response): Promise<void> {
    const actor = dashboardActor(sessionOf(req));
    const body = (req.body ?? {}) as Record<string, unknown>;
    const { form, problems, rawTimes } = parseReplayForm(body);
    const token = single(body.previewToken) ?? '';
    if (form.statuses.length === 0) problems.push('Choose at least one state to replay.');
    if (token === '' || token.length > MAX_TOKEN_LENGTH) problems.push('The confirmation has no preview: preview the replay first, then confirm it.');
    if (problems.length > 0) {
      const [ctx, cadence] = await Promise.all([this.pages.context(req), this.cadence()]);
      this.send(res, 400, { ctx, form, cadence, problems, rawTimes });
      return;
    }
    let count: number;
    try {
      ({ count } = await this.replayMessages.execute({
        statuses: form.statuses,
        ...(form.from ? { from: form.from } : {}),
        ...(form.to ? { to: form.to } : {}),
        dryRun: false,
        actor,
        previewToken: token,
      }));
    } catch (error) {
      if (error instanceof ValidationError || error instanceof ReplayRefusedError) {
        const [ctx, cadence] = await Promise.all([this.pages.context(req), this.cadence()]);
        this.send(res, 400, { ctx, form, cadence, problems: [`${error.message}.`] });
        return;
      }
      if (!(error instanceof PreviewChangedError)) throw error;
      const [ctx, cadence, preview] = await Promise.all([this.pages.context(req), this.cadence(), this.preview(form)]);
      if ('problems' in preview) this.send(res, 400, { ctx, form, cadence, problems: preview.problems });
      else this.send(res, 409, { ctx, form, cadence, preview: preview.preview, changed: true });
      return;
    }
    res.redirect(303, `/dashboard/replay?replayed=${count}`);
  }

  private async preview(form: ReplayForm) {
    try {
      const preview = await this.previewReplay.execute({
        statuses: form.statuses,
        ...(form.from ? { from: form.from } : {}),
        ...(form.to ? { to: form.to } : {}),
      });
      return { preview };
    } catch (error) {
      if (error instanceof ValidationError || error instanceof ReplayRefusedError) return { problems: [`${error.message}.`] };
      throw error;
    }
  }

  private async cadence(): Promise<Cadence> {
    const { batchSize, intervalMs } = await this.status.execute();
    return { batchSize, intervalMs };
  }

  private send(res: Response, status: number, props: ReplayPageProps & { ctx: SignedInContext }): void {
    res
      .status(status)
      .type('html')
      .send(renderPage(<ReplayPage {...props} />));
  }
}
