import { Controller, Get, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { ListOperatorLog } from '@app/application';
import { InvalidCursorError } from '@app/domain';
import { DashboardAuthGuard } from '../dashboard-auth.guard.js';
import { DashboardExceptionFilter } from '../dashboard-exception.filter.js';
import { DashboardPages } from '../dashboard-pages.js';
import type { DashboardRequest } from '../dashboard-request.js';
import { badCursor, parseActions, parseCursor } from '../query-params.js';
import { AuditPage } from '../views/audit-page.js';
import { renderPage } from '../views/render.js';

/** Entries per page of the operator log. */
export const AUDIT_PAGE_SIZE = 50;

/** The operator log page (GET /dashboard/audit), through ListOperatorLog: the API's GET /api/v1/audit, as a page. */
@ApiExcludeController()
@UseFilters(DashboardExceptionFilter)
@UseGuards(DashboardAuthGuard)
@Controller('dashboard/audit')
export class AuditController {
  constructor(
    private readonly log: ListOperatorLog,
    private readonly pages: DashboardPages,
  ) {}

  @Get()
  async page(@Req() req: DashboardRequest, @Res() res: Response, @Query() query: Record<string, unknown>): Promise<void> {
    const ctx = await this.pages.context(req);
    const actions = parseActions(query.action);
    const cursor = parseCursor(query.cursor);
    const page = await this.log.execute({ limit: AUDIT_PAGE_SIZE, cursor, ...(actions.length > 0 ? { action: actions } : {}) }).catch((error: unknown) => {
      throw error instanceof InvalidCursorError ? badCursor() : error;
    });
    res.type('html').send(renderPage(<AuditPage ctx={ctx} entries={page.items} actions={actions} cursor={cursor} nextCursor={page.nextCursor} />));
  }
}
