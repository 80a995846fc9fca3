import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { type CachedReceipt, type CacheState, SentMessageCache, type SentReceipt } from '@app/domain';

export const SENT_MESSAGE_KEY_PREFIX = 'sent_message:';
/** A cache write must never hold up a tick for long. */
const COMMAND_TIMEOUT_MS = 500;

/**
 * Receipts in Redis under `sent_message:<id>` as {"messageId","sentAt"} with a TTL. While Redis
 * is unreachable, commands fail at once (no offline queue) and the client keeps reconnecting.
 */
export class RedisSentMessageCache extends SentMessageCache implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisSentMessageCache.name);
  private readonly redis: Redis;
  private lastErrorLogged = 0;

  constructor(url: string, private readonly ttlSeconds: number) {
    super();
    this.redis = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: 2_000,
      retryStrategy: (times) => Math.min(times * 250, 5_000),
    });
    this.redis.on('error', (error: Error) => this.warnThrottled(`redis: ${error.message}`));
  }

  /** One pipeline (one round trip) for the whole list. */
  async putMany(receipts: readonly CachedReceipt[]): Promise<void> {
    if (receipts.length === 0) return;
    try {
      const pipeline = this.redis.pipeline();
      for (const { id, receipt } of receipts) {
        const value = JSON.stringify({ messageId: receipt.messageId, sentAt: receipt.sentAt.toISOString() });
        pipeline.set(SENT_MESSAGE_KEY_PREFIX + id, value, 'EX', this.ttlSeconds);
      }
      const results = (await pipeline.exec()) ?? [];
      const failed = results.filter(([error]) => error !== null);
      if (failed.length > 0) this.warnThrottled(`${failed.length} of ${receipts.length} receipt(s) not cached: ${String(failed[0][0])}`);
    } catch (error) {
      this.warnThrottled(`${receipts.length} receipt(s) not cached: ${(error as Error).message}`);
    }
  }

  async get(id: string): Promise<SentReceipt | null> {
    try {
      const raw = await this.redis.get(SENT_MESSAGE_KEY_PREFIX + id);
      if (raw === null) return null;
      const parsed = JSON.parse(raw) as { messageId: string; sentAt: string };
      return { messageId: parsed.messageId, sentAt: new Date(parsed.sentAt) };
    } catch {
      return null;
    }
  }

  async state(): Promise<CacheState> {
    if (this.redis.status !== 'ready') return 'down';
    try {
      return (await this.redis.ping()) === 'PONG' ? 'up' : 'down';
    } catch {
      return 'down';
    }
  }

  /** After the drain, so the receipts of the last sends are still cached. */
  async onApplicationShutdown(): Promise<void> {
    this.redis.disconnect();
  }

  private warnThrottled(text: string): void {
    const now = Date.now();
    if (now - this.lastErrorLogged < 10_000) return;
    this.lastErrorLogged = now;
    this.logger.warn(text);
  }
}
