export interface SentReceipt {
  messageId: string;
  sentAt: Date;
}

export type CacheState = 'up' | 'down' | 'disabled';

/**
 * The gateway's receipt for each sent message, kept for a while for quick look-ups.
 * Best effort: `put` never throws and never holds up sending.
 */
export abstract class SentMessageCache {
  abstract put(id: string, receipt: SentReceipt): Promise<void>;
  abstract get(id: string): Promise<SentReceipt | null>;
  abstract state(): Promise<CacheState>;
}
