import { Injectable } from '@nestjs/common';
import { GetMessage, GetReceipt, ListMessages, type MessageDetails, type Receipt } from '@app/application';
import { InvalidCursorError, MessageNotFoundError, MessageNotSentError } from '@app/domain';
import { DashboardPageError } from './dashboard-errors.js';
import { inDoubtEvidence } from './in-doubt-evidence.js';
import { badCursor } from './query-params.js';
import type { InDoubtItem } from './views/in-doubt-page.js';

/** Messages per page of the in-doubt inbox (each shows its evidence, so fewer than the list's 50). */
export const IN_DOUBT_PAGE_SIZE = 20;

/**
 * What the message page and the in-doubt inbox read, through the use cases (GetMessage,
 * GetReceipt, ListMessages), with their errors turned into dashboard pages.
 */
@Injectable()
export class MessageLookups {
  constructor(
    private readonly listMessages: ListMessages,
    private readonly getMessage: GetMessage,
    private readonly getReceipt: GetReceipt,
  ) {}

  /** A message with its history, or the 404 page. */
  async details(id: string): Promise<MessageDetails> {
    return this.getMessage.execute(id).catch((error: unknown) => {
      throw error instanceof MessageNotFoundError ? messageNotFound(id) : error;
    });
  }

  /** A message with its history, or null when there is none. */
  async find(id: string): Promise<MessageDetails | null> {
    return this.getMessage.execute(id).catch((error: unknown) => {
      if (error instanceof MessageNotFoundError) return null;
      throw error;
    });
  }

  /** The receipt of a sent message (Redis, else PostgreSQL), or null when it has none. */
  async receipt(id: string): Promise<Receipt | null> {
    return this.getReceipt.execute(id).catch((error: unknown) => {
      if (error instanceof MessageNotSentError || error instanceof MessageNotFoundError) return null;
      throw error;
    });
  }

  /**
   * A page of the in-doubt inbox: `unknown` messages newest first (ListMessages' keyset, on
   * messages_status_seq_idx), each with its evidence from its history (one GetMessage per message).
   */
  async inDoubt(cursor: string | undefined): Promise<{ items: InDoubtItem[]; nextCursor: string | null }> {
    const page = await this.listMessages.execute({ status: 'unknown', cursor, limit: IN_DOUBT_PAGE_SIZE }).catch((error: unknown) => {
      throw error instanceof InvalidCursorError ? badCursor() : error;
    });
    const items = await Promise.all(
      page.items.map(async (message): Promise<InDoubtItem> => {
        const details = await this.find(message.id);
        // Shown as listed (a message settled or replayed in between says so when acted on).
        return { message, evidence: inDoubtEvidence(message, details?.attempts ?? []) };
      }),
    );
    return { items, nextCursor: page.nextCursor };
  }
}

export function messageNotFound(id: string): DashboardPageError {
  return new DashboardPageError(404, 'Message not found', `No message has the id ${id}.`);
}
