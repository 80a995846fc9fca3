export interface SentReceipt {
  messageId: string;
  sentAt: Date;
}

/** A receipt as the cache holds it. */
export interface StoredReceipt extends SentReceipt {
  /** When it was written to the cache; null for a value written before the cache stored it. */
  cachedAt: Date | null;
}

export type CacheState = 'up' | 'down' | 'disabled';

export interface CachedReceipt {
  /** Our message id. */
  id: string;
  receipt: SentReceipt;
}

/** A receipt found by walking the cache. */
export interface HeldReceipt {
  /** Our message id. */
  id: string;
  receipt: StoredReceipt;
}

/** One page of a walk over the receipts the cache holds now. */
export interface HeldReceiptPage {
  items: HeldReceipt[];
  /** Opaque; pass back as `cursor` for the next page. Null once the walk is over. */
  nextCursor: string | null;
  /** `disabled` when no cache is configured (then there is never an item). */
  cache: 'up' | 'disabled';
}

/**
 * The gateway's receipt for each sent message, kept for a while for quick look-ups.
 * Best effort: writes never throw and never hold up sending; look-ups by id answer null when the
 * cache cannot tell (disabled, down, or a value it cannot read), so callers fall back to PostgreSQL.
 */
export abstract class SentMessageCache {
  /** Caches many receipts in one round trip. */
  abstract putMany(receipts: readonly CachedReceipt[]): Promise<void>;

  put(id: string, receipt: SentReceipt): Promise<void> {
    return this.putMany([{ id, receipt }]);
  }

  abstract get(id: string): Promise<StoredReceipt | null>;

  /** The receipts of `ids`, in the same order (null where there is none to read), in one round trip. */
  abstract getMany(ids: readonly string[]): Promise<(StoredReceipt | null)[]>;

  /**
   * Up to `limit` receipts the cache holds now, from where `cursor` (a nextCursor of an earlier
   * page; none for the first page) left off. A walk returns every receipt held for its whole
   * duration at least once; it may return one twice across pages, and a page may hold fewer than
   * `limit` items (even none) before the walk is over. Throws InvalidCursorError for a cursor it
   * did not make, CacheUnavailableError when the cache is configured but does not answer.
   */
  abstract scan(cursor: string | undefined, limit: number): Promise<HeldReceiptPage>;

  abstract state(): Promise<CacheState>;
}
