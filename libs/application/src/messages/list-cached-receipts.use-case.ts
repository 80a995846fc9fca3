import { Injectable } from '@nestjs/common';
import { type HeldReceiptPage, type PageQuery, SentMessageCache } from '@app/domain';

/**
 * The receipts the cache holds now, a page at a time (a walk over Redis with SCAN). Empty, with
 * `cache: 'disabled'`, when no cache is configured; CacheUnavailableError when it does not answer.
 */
@Injectable()
export class ListCachedReceipts {
  constructor(private readonly cache: SentMessageCache) {}

  execute(query: PageQuery): Promise<HeldReceiptPage> {
    return this.cache.scan(query.cursor, query.limit);
  }
}
