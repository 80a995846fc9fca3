import { Controller, Get, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import type { ComponentChildren } from 'preact';
import { DashboardAuthGuard } from '../dashboard-auth.guard.js';
import { DashboardExceptionFilter } from '../dashboard-exception.filter.js';
import { DashboardPages } from '../dashboard-pages.js';
import type { DashboardRequest } from '../dashboard-request.js';
import { isUuid } from '../format.js';
import { MessageLookups } from '../message-lookups.js';
import { parseCursor, single } from '../query-params.js';
import { InDoubtPage } from '../views/in-doubt-page.js';
import { StateBadge } from '../views/parts.js';
import { renderPage } from '../views/render.js';

/**
 * The in-doubt inbox (GET /dashboard/in-doubt): `unknown` messages with their evidence, a page at
 * a time. Its actions post to the message routes (replay, settle) with back=in-doubt, which come
 * back here with ?replayed=<id> or ?settled=<id>.
 */
@ApiExcludeController()
@UseFilters(DashboardExceptionFilter)
@UseGuards(DashboardAuthGuard)
@Controller('dashboard/in-doubt')
export class InDoubtController {
  constructor(
    private readonly lookups: MessageLookups,
    private readonly pages: DashboardPages,
  ) {}

  @Get()
  async inbox(@Req() req: DashboardRequest, @Res() res: Response, @Query() query: Record<string, unknown>): Promise<void> {
    const ctx = await this.pages.context(req);
    const cursor = parseCursor(query.cursor);
    const [page, notice] = await Promise.all([this.lookups.inDoubt(cursor), this.notice(single(query.settled), single(query.replayed))]);
    res.type('html').send(renderPage(<InDoubtPage ctx={ctx} items={page.items} cursor={cursor} nextCursor={page.nextCursor} notice={notice} />));
  }

  /** The notice after an action: what the message is now (read again, never taken from the link). */
  private async notice(settled: string | undefined, replayed: string | undefined): Promise<ComponentChildren | undefined> {
    const id = settled ?? replayed;
    if (id === undefined || !isUuid(id)) return undefined;
    const details = await this.lookups.find(id.toLowerCase());
    if (details === null) return undefined;
    const m = details.message;
    const link = (
      <a href={`/dashboard/messages/${m.id}`}>
        <code>{m.id.slice(0, 8)}</code>
      </a>
    );
    return settled !== undefined ? (
      <span data-notice="settled" data-id={m.id}>
        Message {link} settled by hand: it is <StateBadge state={m.status} /> now. The decision is in its history and the operator log.
      </span>
    ) : (
      <span data-notice="replayed" data-id={m.id}>
        Message {link} replayed: it is <StateBadge state={m.status} /> now, and will be sent again with the same Idempotency-Key.
      </span>
    );
  }
}
