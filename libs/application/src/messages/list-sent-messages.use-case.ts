import { Injectable } from '@nestjs/common';
import { type Message, MessageRepository, type Page, type PageQuery, SentMessageCache } from '@app/domain';

export interface SentListItem {
  message: Message;
  /** Whether its receipt can be read from the cache now (false while Redis is down or not configured). */
  cached: boolean;
}

/** Sent messages, most recently sent first, a page at a time, each with whether its receipt is cached. */
@Injectable()
export class ListSentMessages {
  constructor(
    private readonly messages: MessageRepository,
    private readonly cache: SentMessageCache,
  ) {}

  async execute(query: PageQuery): Promise<Page<SentListItem>> {
    const page = await this.messages.listSent(query);
    // One look-up (one MGET) for the whole page, not one per message.
    const receipts = page.items.length > 0 ? await this.cache.getMany(page.items.map((m) => m.id)) : [];
    return { items: page.items.map((message, i) => ({ message, cached: Boolean(receipts[i]) })), nextCursor: page.nextCursor };
  }
}
