import { Controller, Get, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { ListMessages, ReplayMessage, SettleMessage } from '@app/application';
import {
  InvalidCursorError,
  MAX_SEARCH_LENGTH,
  MessageNotFoundError,
  NotInDoubtError,
  parseMessageSearch,
  ReplayRefusedError,
  type SettlementOutcome,
  ValidationError,
} from '@app/domain';
import { dashboardActor } from '../dashboard-actor.js';
import { DashboardAuthGuard, sessionOf } from '../dashboard-auth.guard.js';
import { DashboardPageError } from '../dashboard-errors.js';
import { DashboardExceptionFilter } from '../dashboard-exception.filter.js';
import { DashboardPages } from '../dashboard-pages.js';
import type { DashboardRequest } from '../dashboard-request.js';
import { isUuid } from '../format.js';
import { MessageLookups, messageNotFound } from '../message-lookups.js';
import { badCursor, parseCursor, parseStatus, parseTimeRange, single } from '../query-params.js';
import { type SettleError, type SettleFormValues, settleProblems } from '../settle-problems.js';
import { InDoubtPage } from '../views/in-doubt-page.js';
import { MessagePage } from '../views/message-page.js';
import { type MessageFilters, MessagesPage } from '../views/messages-page.js';
import { renderPage } from '../views/render.js';

/** Rows per page of the list. */
export const PAGE_SIZE = 50;

const NOTICES: Record<string, string> = {
  replayed: 'Replayed: the message is pending again with a fresh attempt budget.',
  settled: 'Settled by hand: the decision is in the message’s history and the operator log.',
};

function checkId(id: string): void {
  if (!isUuid(id)) throw new DashboardPageError(400, 'Bad request', 'A message id is a UUID, e.g. 0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11.');
}

/** The list's ValidationError (a search too short for the reason index, a bad time) in the words of its form. */
function filterProblems(error: ValidationError, q: string): string[] {
  return error.details.map((violation) => {
    if (violation.field !== 'q') return violation.messages.join('; ');
    if (q.length > MAX_SEARCH_LENGTH) return `A search is at most ${MAX_SEARCH_LENGTH} characters.`;
    return (
      `“${q}” is too short to search failure reasons: write at least 3 letters or digits in a row ` +
      '(or search by a message id, a gateway messageId or a phone number).'
    );
  });
}

/** What a search found nothing for, in words. */
function notFoundNotice(q: string): string {
  const search = parseMessageSearch(q);
  if (search?.kind === 'id') return `No message has the id or the gateway messageId ${q}.`;
  if (search?.kind === 'phone') return `No message to ${search.phoneNumber} matches.`;
  return `No message’s failure reason contains “${q}”.`;
}

/**
 * The messages list (filters by state, search and time range, all in the query string) and a
 * message's own page, with replay and the manual settlement of a message in doubt, through
 * ListMessages, GetMessage, GetReceipt, ReplayMessage and SettleMessage. Actions are recorded
 * under the session's label (dashboardActor).
 */
@ApiExcludeController()
@UseFilters(DashboardExceptionFilter)
@UseGuards(DashboardAuthGuard)
@Controller('dashboard/messages')
export class MessagesPagesController {
  constructor(
    private readonly listMessages: ListMessages,
    private readonly replayMessage: ReplayMessage,
    private readonly settleMessage: SettleMessage,
    private readonly lookups: MessageLookups,
    private readonly pages: DashboardPages,
  ) {}

  @Get()
  async list(@Req() req: DashboardRequest, @Res() res: Response, @Query() query: Record<string, unknown>): Promise<void> {
    const ctx = await this.pages.context(req);
    const status = parseStatus(single(query.status));
    const cursor = parseCursor(query.cursor);
    const q = (single(query.q) ?? '').trim();
    const range = parseTimeRange(query);
    const filters: MessageFilters = { status, q, from: range.from, to: range.to };
    const refuse = (problems: string[]) =>
      res
        .status(400)
        .type('html')
        .send(
          renderPage(
            <MessagesPage
              ctx={ctx}
              items={[]}
              filters={filters}
              cursor={cursor}
              nextCursor={null}
              problems={problems}
              rawTimes={{ from: single(query.from), to: single(query.to) }}
            />,
          ),
        );
    if (range.problems.length > 0) {
      refuse(range.problems);
      return;
    }
    let page;
    try {
      page = await this.listMessages.execute({
        status,
        cursor,
        limit: PAGE_SIZE,
        ...(q === '' ? {} : { q }),
        ...(range.from ? { from: range.from } : {}),
        ...(range.to ? { to: range.to } : {}),
      });
    } catch (error) {
      if (error instanceof InvalidCursorError) throw badCursor();
      if (error instanceof ValidationError) {
        refuse(filterProblems(error, q));
        return;
      }
      throw error;
    }
    // A message's own id, typed or pasted in the search box: its page.
    const id = q.toLowerCase();
    if (isUuid(q) && cursor === undefined && page.items.length === 1 && page.items[0].id === id) {
      res.redirect(303, `/dashboard/messages/${id}`);
      return;
    }
    const notice = q !== '' && page.items.length === 0 && cursor === undefined ? notFoundNotice(q) : undefined;
    res
      .type('html')
      .send(renderPage(<MessagesPage ctx={ctx} items={page.items} filters={filters} cursor={cursor} nextCursor={page.nextCursor} notice={notice} />));
  }

  @Get(':id')
  async message(@Req() req: DashboardRequest, @Res() res: Response, @Param('id') id: string, @Query('notice') notice: unknown): Promise<void> {
    const ctx = await this.pages.context(req);
    checkId(id);
    const [details, receipt] = await Promise.all([this.lookups.details(id), this.lookups.receipt(id)]);
    const key = single(notice);
    const text = key === undefined ? undefined : NOTICES[key];
    res.type('html').send(renderPage(<MessagePage ctx={ctx} details={details} receipt={receipt} notice={text} />));
  }

  @Post(':id/replay')
  async replay(@Req() req: DashboardRequest, @Res() res: Response, @Param('id') id: string): Promise<void> {
    const actor = dashboardActor(sessionOf(req));
    checkId(id);
    await this.replayMessage.execute(id, actor).catch((error: unknown) => {
      if (error instanceof MessageNotFoundError) throw messageNotFound(id);
      if (error instanceof ReplayRefusedError) throw new DashboardPageError(409, 'Not replayed', `${error.message}.`);
      throw error;
    });
    const body = (req.body ?? {}) as Record<string, unknown>;
    res.redirect(303, single(body.back) === 'in-doubt' ? `/dashboard/in-doubt?replayed=${id}` : `/dashboard/messages/${id}?notice=replayed`);
  }

  /**
   * Settles a message in doubt by hand (SettleMessage): back to the inbox or the message's page
   * with a notice; refused (blank reason, bad gateway messageId: 400; no longer in doubt: 409),
   * the page the form came from is shown again, saying why, with the form as it was filled in.
   */
  @Post(':id/settle')
  async settle(@Req() req: DashboardRequest, @Res() res: Response, @Param('id') id: string): Promise<void> {
    const actor = dashboardActor(sessionOf(req));
    checkId(id);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const back = single(body.back) === 'in-doubt' ? 'in-doubt' : 'message';
    const values: SettleFormValues = {
      outcome: single(body.outcome) ?? '',
      reason: single(body.reason) ?? '',
      gatewayMessageId: (single(body.gatewayMessageId) ?? '').trim(),
    };
    try {
      await this.settleMessage.execute({
        id,
        outcome: values.outcome as SettlementOutcome,
        reason: values.reason,
        gatewayMessageId: values.gatewayMessageId === '' ? null : values.gatewayMessageId,
        actor,
      });
    } catch (error) {
      if (error instanceof MessageNotFoundError) throw messageNotFound(id);
      if (error instanceof ValidationError) {
        await this.refuseSettle(req, res, back, body, 400, { id, problems: settleProblems(error), values });
        return;
      }
      if (error instanceof NotInDoubtError) {
        const now = await this.lookups.find(id);
        const state = now ? `it is ${now.message.status} now` : 'it is gone';
        const problem =
          `Nothing was changed: message ${id} is no longer in doubt (${state}). ` +
          'Someone settled or replayed it first, or the answer of its request came in late.';
        await this.refuseSettle(req, res, back, body, 409, { id, problems: [problem], values });
        return;
      }
      throw error;
    }
    res.redirect(303, back === 'in-doubt' ? `/dashboard/in-doubt?settled=${id}` : `/dashboard/messages/${id}?notice=settled`);
  }

  private async refuseSettle(
    req: DashboardRequest,
    res: Response,
    back: 'in-doubt' | 'message',
    body: Record<string, unknown>,
    status: number,
    settleError: SettleError,
  ): Promise<void> {
    const ctx = await this.pages.context(req);
    if (back === 'in-doubt') {
      const cursor = parseCursor(body.cursor);
      const page = await this.lookups.inDoubt(cursor);
      const listed = page.items.some((item) => item.message.id === settleError.id);
      res
        .status(status)
        .type('html')
        .send(
          renderPage(
            <InDoubtPage
              ctx={ctx}
              items={page.items}
              cursor={cursor}
              nextCursor={page.nextCursor}
              settleError={listed ? settleError : undefined}
              error={
                listed ? undefined : (
                  <>
                    {settleError.problems.join(' ')} <a href={`/dashboard/messages/${settleError.id}`}>See the message</a>.
                  </>
                )
              }
            />,
          ),
        );
      return;
    }
    const [details, receipt] = await Promise.all([this.lookups.details(settleError.id), this.lookups.receipt(settleError.id)]);
    res
      .status(status)
      .type('html')
      .send(renderPage(<MessagePage ctx={ctx} details={details} receipt={receipt} settleError={settleError} />));
  }
}
