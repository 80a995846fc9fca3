import { type CachedReceipt, type CacheState, SentMessageCache, type SentReceipt } from '@app/domain';

/** Used when REDIS_URL is not set: receipts live only in PostgreSQL. */
export class DisabledSentMessageCache extends SentMessageCache {
  async putMany(_receipts: readonly CachedReceipt[]): Promise<void> {}

  async get(_id: string): Promise<SentReceipt | null> {
    return null;
  }

  async state(): Promise<CacheState> {
    return 'disabled';
  }
}
