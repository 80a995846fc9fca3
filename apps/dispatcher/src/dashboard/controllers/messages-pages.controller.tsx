import { Controller, Get, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { GetMessage, GetReceipt, ListMessages, type MessageDetails, type Receipt, ReplayMessage } from '@app/application';
import { InvalidCursorError, MESSAGE_STATUSES, MessageNotFoundError, MessageNotSentError, type MessageStatus, ReplayRefusedError } from '@app/domain';
import { DashboardAssets } from '../dashboard-assets.js';
import { DashboardAuthGuard, sessionOf } from '../dashboard-auth.guard.js';
import { DashboardPageError } from '../dashboard-errors.js';
import { DashboardExceptionFilter } from '../dashboard-exception.filter.js';
import type { DashboardRequest } from '../dashboard-request.js';
import { isUuid } from '../format.js';
import { MessagePage } from '../views/message-page.js';
import { MessagesPage } from '../views/messages-page.js';
import { renderPage } from '../views/render.js';

/** Rows per page of the list. */
export const PAGE_SIZE = 50;
/** Cursors ListMessages makes are far shorter; a longer one is refused before it is decoded (as the API does). */
const MAX_CURSOR_LENGTH = 512;
const MAX_QUERY_LENGTH = 200;

const NOTICES: Record<string, string> = {
  replayed: 'Replayed: the message is pending again with a fresh attempt budget.',
};

/** One value of a query parameter (the first when it is repeated), or undefined. */
function single(value: unknown): string | undefined {
  if (Array.isArray(value)) return single(value[0]);
  return typeof value === 'string' ? value : undefined;
}

function parseStatus(value: string | undefined): MessageStatus | undefined {
  if (value === undefined || value === '') return undefined;
  if ((MESSAGE_STATUSES as readonly string[]).includes(value)) return value as MessageStatus;
  throw new DashboardPageError(400, 'Bad request', `“${value.slice(0, 40)}” is not a message state (${MESSAGE_STATUSES.join(', ')}).`);
}

function checkId(id: string): void {
  if (!isUuid(id)) throw new DashboardPageError(400, 'Bad request', 'A message id is a UUID, e.g. 0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11.');
}

/** The messages list and a message's own page, through ListMessages, GetMessage, GetReceipt and ReplayMessage. */
@ApiExcludeController()
@UseFilters(DashboardExceptionFilter)
@UseGuards(DashboardAuthGuard)
@Controller('dashboard/messages')
export class MessagesPagesController {
  constructor(
    private readonly listMessages: ListMessages,
    private readonly getMessage: GetMessage,
    private readonly getReceipt: GetReceipt,
    private readonly replayMessage: ReplayMessage,
    private readonly assets: DashboardAssets,
  ) {}

  @Get()
  async list(@Req() req: DashboardRequest, @Res() res: Response, @Query() query: Record<string, unknown>): Promise<void> {
    const ctx = { assets: this.assets.urls, session: sessionOf(req) };
    const status = parseStatus(single(query.status));
    const cursor = single(query.cursor) || undefined;
    const q = (single(query.q) ?? '').trim().slice(0, MAX_QUERY_LENGTH);
    let notice: string | undefined;
    if (q !== '') {
      // Phase 2 searches by gateway messageId, phone number and failure reason on the server; for now, a message id.
      if (isUuid(q)) {
        const found = await this.getMessage.execute(q.toLowerCase()).then(
          () => true,
          (error: unknown) => {
            if (error instanceof MessageNotFoundError) return false;
            throw error;
          },
        );
        if (found) {
          res.redirect(303, `/dashboard/messages/${q.toLowerCase()}`);
          return;
        }
        notice = `No message has the id ${q}.`;
      } else {
        notice = 'Search finds a message by its id (a UUID) for now; the list below is not filtered by it.';
      }
    }
    if (cursor !== undefined && cursor.length > MAX_CURSOR_LENGTH) throw this.badCursor();
    const page = await this.listMessages.execute({ status, cursor, limit: PAGE_SIZE }).catch((error: unknown) => {
      throw error instanceof InvalidCursorError ? this.badCursor() : error;
    });
    res
      .type('html')
      .send(renderPage(<MessagesPage ctx={ctx} items={page.items} status={status} q={q} cursor={cursor} nextCursor={page.nextCursor} notice={notice} />));
  }

  @Get(':id')
  async message(@Req() req: DashboardRequest, @Res() res: Response, @Param('id') id: string, @Query('notice') notice: unknown): Promise<void> {
    const ctx = { assets: this.assets.urls, session: sessionOf(req) };
    checkId(id);
    const details = await this.details(id);
    const receipt = await this.receipt(id);
    const text = typeof notice === 'string' ? NOTICES[notice] : undefined;
    res.type('html').send(renderPage(<MessagePage ctx={ctx} details={details} receipt={receipt} notice={text} />));
  }

  @Post(':id/replay')
  async replay(@Req() req: DashboardRequest, @Res() res: Response, @Param('id') id: string): Promise<void> {
    sessionOf(req);
    checkId(id);
    // Phase 2: record the session's label as the one who did it (the operator log).
    await this.replayMessage.execute(id).catch((error: unknown) => {
      if (error instanceof MessageNotFoundError) throw this.notFound(id);
      if (error instanceof ReplayRefusedError) throw new DashboardPageError(409, 'Not replayed', `${error.message}.`);
      throw error;
    });
    res.redirect(303, `/dashboard/messages/${id}?notice=replayed`);
  }

  private async details(id: string): Promise<MessageDetails> {
    return this.getMessage.execute(id).catch((error: unknown) => {
      throw error instanceof MessageNotFoundError ? this.notFound(id) : error;
    });
  }

  private async receipt(id: string): Promise<Receipt | null> {
    return this.getReceipt.execute(id).catch((error: unknown) => {
      if (error instanceof MessageNotSentError || error instanceof MessageNotFoundError) return null;
      throw error;
    });
  }

  private notFound(id: string): DashboardPageError {
    return new DashboardPageError(404, 'Message not found', `No message has the id ${id}.`);
  }

  private badCursor(): DashboardPageError {
    return new DashboardPageError(400, 'Bad request', 'This page link is not valid any more; start again from the first page.');
  }
}
