import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { CacheUnavailableError, type CachedReceipt, type CacheState, type HeldReceiptPage, SentMessageCache, type StoredReceipt } from '@app/domain';
import { decodeReceiptCursor, encodeReceiptCursor, isMessageId, MAX_CARRIED } from './receipt-cursor.js';

export const SENT_MESSAGE_KEY_PREFIX = 'sent_message:';
/** A cache write must never hold up a tick for long. */
const COMMAND_TIMEOUT_MS = 500;
/** SCAN's COUNT (a hint of how many keys one step looks at) never goes above this... */
const MAX_SCAN_COUNT = 1_000;
/** ...and one page takes at most this many SCAN steps: a Redis full of other keys gives short pages, not a slow one. */
const MAX_SCANS_PER_PAGE = 20;

/**
 * Reads a stored value: {"messageId","sentAt","cachedAt"?} with ISO-8601 dates as toISOString
 * writes them. Anything else (another program's value, a truncated one) is not a receipt: null.
 */
export function parseStoredReceipt(raw: string | null): StoredReceipt | null {
  if (raw === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const { messageId, sentAt, cachedAt } = value as Record<string, unknown>;
  if (typeof messageId !== 'string' || messageId.length === 0) return null;
  const sent = isoDate(sentAt);
  const cached = cachedAt === undefined ? null : isoDate(cachedAt);
  if (sent === null || (cachedAt !== undefined && cached === null)) return null;
  return { messageId, sentAt: sent, cachedAt: cached };
}

function isoDate(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const date = new Date(value);
  return !Number.isNaN(date.getTime()) && date.toISOString() === value ? date : null;
}

/**
 * Receipts in Redis under `sent_message:<id>` as {"messageId","sentAt","cachedAt"} JSON with a
 * TTL. While Redis is unreachable, commands fail at once (no offline queue) and the client keeps
 * reconnecting: writes and look-ups by id give up quietly, a walk (scan) says CACHE_UNAVAILABLE.
 */
export class RedisSentMessageCache extends SentMessageCache implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisSentMessageCache.name);
  private readonly redis: Redis;
  private lastErrorLogged = 0;

  constructor(
    url: string,
    private readonly ttlSeconds: number,
  ) {
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
      const cachedAt = new Date().toISOString();
      const pipeline = this.redis.pipeline();
      for (const { id, receipt } of receipts) {
        const value = JSON.stringify({ messageId: receipt.messageId, sentAt: receipt.sentAt.toISOString(), cachedAt });
        pipeline.set(SENT_MESSAGE_KEY_PREFIX + id, value, 'EX', this.ttlSeconds);
      }
      const results = (await pipeline.exec()) ?? [];
      const failed = results.filter(([error]) => error !== null);
      if (failed.length > 0) this.warnThrottled(`${failed.length} of ${receipts.length} receipt(s) not cached: ${String(failed[0][0])}`);
    } catch (error) {
      this.warnThrottled(`${receipts.length} receipt(s) not cached: ${(error as Error).message}`);
    }
  }

  async get(id: string): Promise<StoredReceipt | null> {
    return (await this.getMany([id]))[0];
  }

  /** One MGET for the ids that can be ours; null for the others, and for all while Redis is down. */
  async getMany(ids: readonly string[]): Promise<(StoredReceipt | null)[]> {
    const wanted = ids.map((id) => id.toLowerCase()).filter(isMessageId);
    if (wanted.length === 0) return ids.map(() => null);
    try {
      const values = await this.redis.mget(wanted.map((id) => SENT_MESSAGE_KEY_PREFIX + id));
      const found = new Map(wanted.map((id, i) => [id, parseStoredReceipt(values[i])]));
      return ids.map((id) => found.get(id.toLowerCase()) ?? null);
    } catch (error) {
      this.warnThrottled(`receipts not read: ${(error as Error).message}`);
      return ids.map(() => null);
    }
  }

  /**
   * A page of the walk: SCAN with MATCH sent_message:* (never KEYS, which blocks Redis for the
   * whole keyspace), then one MGET for the page's values. COUNT starts at the room left on the page
   * and follows how many receipts the keys looked at held, so a Redis of receipts takes about one
   * step per page and a Redis full of other keys takes bigger steps. A step that returns more ids
   * than the page has room for carries the rest in the cursor; ids are de-duplicated within a page.
   * Keys that are not `sent_message:<uuid>`, values that are not receipts, and keys gone between
   * SCAN and MGET are skipped, so a page may be short.
   */
  async scan(cursor: string | undefined, limit: number): Promise<HeldReceiptPage> {
    const from = cursor === undefined ? { scanCursor: '0', carried: [] } : decodeReceiptCursor(cursor);
    if (this.redis.status !== 'ready') throw new CacheUnavailableError();

    const page: string[] = [];
    const carried: string[] = [];
    const seen = new Set<string>();
    const take = (ids: readonly string[]) => {
      for (const id of ids) {
        if (seen.has(id)) continue;
        seen.add(id);
        (page.length < limit ? page : carried).push(id);
      }
    };
    take(from.carried);

    let scanCursor = from.scanCursor;
    let count = limit;
    let values: (string | null)[] = [];
    try {
      for (let steps = 0; carried.length === 0 && page.length < limit && scanCursor !== null && steps < MAX_SCANS_PER_PAGE; steps += 1) {
        const room = limit - page.length;
        const [next, keys] = await this.redis.scan(scanCursor, 'MATCH', `${SENT_MESSAGE_KEY_PREFIX}*`, 'COUNT', count);
        const ids = keys.map((key) => key.slice(SENT_MESSAGE_KEY_PREFIX.length)).filter((id) => isMessageId(id) && !seen.has(id));
        const fresh = [...new Set(ids)];
        if (fresh.length > room + MAX_CARRIED && count > room) {
          // A wide step in a dense part of the keyspace: take the same step again, narrower.
          count = room;
          continue;
        }
        take(fresh);
        if (carried.length > MAX_CARRIED) {
          // One SCAN step over a single hash bucket never holds this many keys; should it, say so.
          this.logger.warn(`one SCAN step returned ${fresh.length} receipts; ${carried.length - MAX_CARRIED} are left out of this walk`);
          carried.length = MAX_CARRIED;
        }
        scanCursor = next === '0' ? null : next;
        const left = limit - page.length;
        const density = fresh.length / count;
        count = fresh.length === 0 ? Math.min(count * 4, MAX_SCAN_COUNT) : Math.min(MAX_SCAN_COUNT, Math.max(left, Math.ceil(left / density)));
      }
      if (page.length > 0) values = await this.redis.mget(page.map((id) => SENT_MESSAGE_KEY_PREFIX + id));
    } catch {
      throw new CacheUnavailableError();
    }
    const items = page.flatMap((id, i) => {
      const receipt = parseStoredReceipt(values[i]);
      return receipt ? [{ id, receipt }] : [];
    });
    return { items, nextCursor: encodeReceiptCursor(scanCursor, carried), cache: 'up' };
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
