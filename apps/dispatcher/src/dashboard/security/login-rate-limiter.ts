/**
 * Sign-in attempts per client address, in fixed windows: `limit` attempts per `windowMs`, then
 * 429 with Retry-After until the window ends. Right and wrong keys count alike, so the answer
 * tells nothing about the key. Kept in memory per replica: a client spreading its attempts over
 * N replicas gets N times the limit, which still makes guessing a key hopeless.
 * At most `maxClients` addresses are tracked; past that, windows that have ended are dropped, and
 * if every one is still running the oldest is, so memory stays bounded under a flood.
 */
export interface RateLimitDecision {
  allowed: boolean;
  /** Whole seconds until the client may try again (0 when allowed). */
  retryAfterSeconds: number;
}

interface Window {
  startedAt: number;
  count: number;
}

export class LoginRateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    readonly limit = 10,
    readonly windowMs = 60_000,
    private readonly maxClients = 10_000,
  ) {}

  /** Counts one attempt by `client` at `now` (ms) and says whether it may go on. */
  attempt(client: string, now: number): RateLimitDecision {
    let window = this.windows.get(client);
    if (window === undefined || now - window.startedAt >= this.windowMs) {
      this.windows.delete(client);
      this.makeRoom(now);
      window = { startedAt: now, count: 0 };
      this.windows.set(client, window);
    }
    window.count += 1;
    if (window.count <= this.limit) return { allowed: true, retryAfterSeconds: 0 };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((window.startedAt + this.windowMs - now) / 1000)) };
  }

  /** How many client addresses are tracked now. */
  get size(): number {
    return this.windows.size;
  }

  private makeRoom(now: number): void {
    if (this.windows.size < this.maxClients) return;
    for (const [client, window] of this.windows) {
      if (now - window.startedAt >= this.windowMs) this.windows.delete(client);
    }
    // Maps iterate in insertion order: the first key is the oldest window.
    while (this.windows.size >= this.maxClients) this.windows.delete(this.windows.keys().next().value as string);
  }
}
