export interface SentReceipt {
  messageId: string;
  sentAt: Date;
}

export type CacheState = 'up' | 'down' | 'disabled';

export interface CachedReceipt {
  /** Our message id. */
  id: string;
  receipt: SentReceipt;
}

/**
 * The gateway's receipt for each sent message, kept for a while for quick look-ups.
 * Best effort: writes never throw and never hold up sending.
 */
export abstract class SentMessageCache {
  /** Caches many receipts in one round trip. */
  abstract putMany(receipts: readonly CachedReceipt[]): Promise<void>;

  put(id: string, receipt: SentReceipt): Promise<void> {
    return this.putMany([{ id, receipt }]);
  }

  abstract get(id: string): Promise<SentReceipt | null>;
  abstract state(): Promise<CacheState>;
}
