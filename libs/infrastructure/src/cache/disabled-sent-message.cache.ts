import { type CachedReceipt, type CacheState, type HeldReceiptPage, SentMessageCache, type StoredReceipt } from '@app/domain';
import { decodeReceiptCursor } from './receipt-cursor.js';

/** Used when REDIS_URL is not set: receipts live only in PostgreSQL. */
export class DisabledSentMessageCache extends SentMessageCache {
  async putMany(_receipts: readonly CachedReceipt[]): Promise<void> {}

  async get(_id: string): Promise<StoredReceipt | null> {
    return null;
  }

  async getMany(ids: readonly string[]): Promise<(StoredReceipt | null)[]> {
    return ids.map(() => null);
  }

  /** Nothing to walk; a cursor is still checked, so that a bad one is a 400 whether or not Redis is configured. */
  async scan(cursor: string | undefined, _limit: number): Promise<HeldReceiptPage> {
    if (cursor !== undefined) decodeReceiptCursor(cursor);
    return { items: [], nextCursor: null, cache: 'disabled' };
  }

  async state(): Promise<CacheState> {
    return 'disabled';
  }
}
