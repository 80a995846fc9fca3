/**
 * In-memory stand-ins for the domain's ports, for unit tests. They keep state the way the real
 * adapters do (copies in, copies out), so a test can only see what a use case actually persisted.
 */
import { randomUUID } from 'node:crypto';
import { DispatchMetrics, type SendOutcome, type TickReport } from '@app/application';
import {
  type Alert,
  AlertNotifier,
  type AttemptOutcome,
  type AttemptRecord,
  type CacheState,
  type ClaimOptions,
  type Clock,
  type CreateResult,
  type DeliveryOutcome,
  type InDoubtPolicy,
  LEASE_LOST,
  Leadership,
  type MessageHistory,
  type ReplayableStatus,
  type ReplayFilter,
  type ReplayRecord,
  type GatewayResult,
  InvalidCursorError,
  type ListQuery,
  Message,
  MESSAGE_STATUSES,
  MessageGateway,
  type MessageProps,
  MessageRepository,
  type MessageStatus,
  type NewMessage,
  type OutboundSms,
  type Page,
  type PageQuery,
  SentMessageCache,
  type SentReceipt,
} from '@app/domain';

export { InMemorySchedulerState } from '../../libs/infrastructure/src/scheduler/in-memory-scheduler-state.js';

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise chain run to its end (one macrotask turn; no real waiting). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function copy(message: Message): Message {
  return Message.restore(message.toProps());
}

export class FakeMessageRepository extends MessageRepository {
  /** Every attempt passed to recordOutcomes, in the order received. */
  readonly attempts: AttemptRecord[] = [];
  /** Stored messages in insertion order (the real table's `seq`). */
  private readonly rows: Message[] = [];
  private claimFailures: unknown[] = [];

  constructor(private readonly clock: Clock) {
    super();
  }

  /** Stores a message in any state, as a row inserted by SQL would be (no validation). */
  seed(overrides: Partial<MessageProps> = {}): Message {
    const now = this.clock.now();
    const message = Message.restore({
      id: randomUUID(),
      phoneNumber: '+905551111111',
      content: 'hello',
      status: 'pending',
      attemptCount: 0,
      nextAttemptAt: null,
      gatewayMessageId: null,
      sentAt: null,
      failureReason: null,
      sendAfter: null,
      expiresAt: null,
      replayCount: 0,
      claimToken: null,
      createdAt: now,
      updatedAt: now,
      ...overrides,
    });
    this.rows.push(message);
    return copy(message);
  }

  /** The stored state of one message (a copy). */
  get(id: string): Message {
    const found = this.rows.find((m) => m.id === id);
    if (!found) throw new Error(`no message ${id} in the fake repository`);
    return copy(found);
  }

  /** Every stored message (copies), in insertion order. */
  all(): Message[] {
    return this.rows.map(copy);
  }

  /** The next claimBatch call rejects with `error` instead of claiming. */
  failNextClaimWith(error: unknown): void {
    this.claimFailures.push(error);
  }

  /** Request fingerprints by idempotency key. */
  private readonly keys = new Map<string, { id: string; requestHash: string | null }>();
  /** Lease deadlines of claimed rows, by id. */
  readonly leases = new Map<string, Date>();
  readonly replays: (ReplayRecord & { messageId: string })[] = [];

  async create(draft: NewMessage): Promise<CreateResult> {
    const existing = draft.idempotencyKey ? this.keys.get(draft.idempotencyKey) : undefined;
    if (existing) return { message: this.get(existing.id), created: false, requestHash: existing.requestHash };
    const message = this.seed({ phoneNumber: draft.phoneNumber, content: draft.content, sendAfter: draft.sendAfter ?? null, expiresAt: draft.expiresAt ?? null });
    if (draft.idempotencyKey) this.keys.set(draft.idempotencyKey, { id: message.id, requestHash: draft.requestHash ?? null });
    return { message, created: true, requestHash: draft.requestHash ?? null };
  }

  async findByIdempotencyKey(key: string): Promise<{ message: Message; requestHash: string | null } | null> {
    const existing = this.keys.get(key);
    return existing ? { message: this.get(existing.id), requestHash: existing.requestHash } : null;
  }

  async history(id: string): Promise<MessageHistory> {
    return {
      attempts: this.attempts.filter((a) => a.messageId === id),
      replays: this.replays.filter((r) => r.messageId === id).map(({ at, previousStatus, previousReason }) => ({ at, previousStatus, previousReason })),
    };
  }

  async renewClaim(id: string, claimToken: string, leaseUntil: Date): Promise<boolean> {
    const row = this.rows.find((m) => m.id === id);
    if (!row || row.status !== 'sending' || row.claimToken !== claimToken) return false;
    this.leases.set(id, leaseUntil);
    return true;
  }

  async releaseAbandonedClaims(now: Date, policy: InDoubtPolicy): Promise<number> {
    let count = 0;
    this.rows.forEach((row, i) => {
      const lease = this.leases.get(row.id);
      if (row.status !== 'sending' || !lease || lease.getTime() >= now.getTime()) return;
      const props = row.toProps();
      this.rows[i] = Message.restore(
        policy === 'hold'
          ? { ...props, status: 'unknown', failureReason: LEASE_LOST, updatedAt: now }
          : { ...props, status: 'pending', failureReason: LEASE_LOST, claimToken: null, nextAttemptAt: null, updatedAt: now },
      );
      count += 1;
    });
    return count;
  }

  async expireOverdue(now: Date): Promise<number> {
    let count = 0;
    for (const row of this.rows) {
      if (row.status === 'pending' && row.isExpiredAt(now)) {
        row.expire(now);
        count += 1;
      }
    }
    return count;
  }

  async replay(id: string, now: Date): Promise<{ message: Message; replayedFrom: ReplayableStatus | null } | null> {
    const row = this.rows.find((m) => m.id === id);
    if (!row) return null;
    const previousReason = row.failureReason;
    const replayedFrom = row.replay(now);
    if (replayedFrom) this.replays.push({ messageId: id, at: now, previousStatus: replayedFrom, previousReason });
    return { message: copy(row), replayedFrom };
  }

  async replayMatching(filter: ReplayFilter, now: Date, dryRun: boolean): Promise<number> {
    const matching = this.rows.filter(
      (m) =>
        (filter.statuses as string[]).includes(m.status) &&
        (!filter.from || m.updatedAt.getTime() >= filter.from.getTime()) &&
        (!filter.to || m.updatedAt.getTime() < filter.to.getTime()),
    );
    if (!dryRun) for (const m of matching) await this.replay(m.id, now);
    return matching.length;
  }

  async findById(id: string): Promise<Message | null> {
    const found = this.rows.find((m) => m.id === id);
    return found ? copy(found) : null;
  }

  async claimBatch(limit: number, now: Date, claim?: ClaimOptions): Promise<Message[]> {
    if (this.claimFailures.length > 0) throw this.claimFailures.shift();
    const t = now.getTime();
    const due = this.rows.filter((m) => isDue(m, now)).slice(0, limit);
    for (const message of due) {
      message.markSending(now, randomUUID());
      this.leases.set(message.id, new Date(t + (claim?.leaseMs ?? 60_000)));
    }
    return due.map(copy);
  }

  async recordOutcomes(outcomes: readonly DeliveryOutcome[]): Promise<void> {
    for (const { message, attempt } of outcomes) {
      const index = this.rows.findIndex((m) => m.id === message.id);
      const row = index >= 0 ? this.rows[index] : undefined;
      const fenced = row && row.claimToken === message.claimToken && (row.status === 'sending' || (row.status === 'unknown' && row.failureReason === LEASE_LOST));
      if (fenced) this.rows[index] = copy(message);
      if (attempt) this.attempts.push({ ...attempt });
    }
  }

  async listSent(query: PageQuery): Promise<Page<Message>> {
    const sent = this.rows
      .map((message, seq) => ({ message, seq }))
      .filter(({ message }) => message.status === 'sent')
      .sort((a, b) => (b.message.sentAt as Date).getTime() - (a.message.sentAt as Date).getTime() || b.seq - a.seq)
      .map(({ message }) => message);
    return paginate('sent', sent, query);
  }

  async list(query: ListQuery): Promise<Page<Message>> {
    const newestFirst = [...this.rows].reverse().filter((m) => query.status === undefined || m.status === query.status);
    return paginate('all', newestFirst, query);
  }

  async countByStatus(): Promise<Record<MessageStatus, number>> {
    const counts = Object.fromEntries(MESSAGE_STATUSES.map((s) => [s, 0])) as Record<MessageStatus, number>;
    for (const message of this.rows) counts[message.status] += 1;
    return counts;
  }

  async oldestDueSince(now: Date): Promise<Date | null> {
    const first = this.rows.find((m) => isDue(m, now));
    if (!first) return null;
    return new Date(Math.max(first.createdAt.getTime(), first.sendAfter?.getTime() ?? 0));
  }

  async compactStatusCounts(): Promise<void> {}
}

/** The claim's rule: pending, past its retry backoff and sendAfter, not expired. */
function isDue(m: Message, now: Date): boolean {
  const t = now.getTime();
  return (
    m.status === 'pending' &&
    (m.nextAttemptAt === null || m.nextAttemptAt.getTime() <= t) &&
    (m.sendAfter === null || m.sendAfter.getTime() <= t) &&
    !m.isExpiredAt(now)
  );
}

/** Cursor: `<kind>:<id of the last item>`; anything else is a foreign cursor. */
function paginate(kind: string, ordered: Message[], query: PageQuery): Page<Message> {
  let start = 0;
  if (query.cursor !== undefined) {
    const [prefix, id] = query.cursor.split(':');
    const index = ordered.findIndex((m) => m.id === id);
    if (prefix !== kind || index < 0) throw new InvalidCursorError();
    start = index + 1;
  }
  const items = ordered.slice(start, start + query.limit);
  const more = ordered.length > start + query.limit;
  return { items: items.map(copy), nextCursor: more ? `${kind}:${items[items.length - 1].id}` : null };
}

/** Ready-made gateway answers. */
export const gatewayResult = {
  accepted: (gatewayMessageId: string = randomUUID()): GatewayResult => ({ kind: 'accepted', statusCode: 202, gatewayMessageId, latencyMs: 12 }),
  retryable: (statusCode = 503, retryAfterMs?: number): GatewayResult => ({
    kind: 'retryable',
    statusCode,
    error: `gateway answered ${statusCode}`,
    latencyMs: 8,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  }),
  rejected: (statusCode = 400, error = `gateway answered ${statusCode}: bad request`): GatewayResult => ({ kind: 'rejected', statusCode, error, latencyMs: 5 }),
  unknown: (error = 'no answer from the gateway in time'): GatewayResult => ({ kind: 'unknown', statusCode: null, error, latencyMs: 10_000 }),
};

type Step = () => Promise<GatewayResult>;

/**
 * Answers each call with the next scripted step, in call order; with nothing scripted it accepts
 * with a fresh gateway messageId. Records every OutboundSms it received.
 */
export class FakeMessageGateway extends MessageGateway {
  readonly received: OutboundSms[] = [];
  /** Calls that have not answered yet, and the most there ever were at once. */
  inFlight = 0;
  maxInFlight = 0;
  private readonly script: Step[] = [];

  /** The next calls answer these results, one each. */
  answer(...results: GatewayResult[]): this {
    for (const result of results) this.script.push(async () => result);
    return this;
  }

  /** The next call throws `error` (an adapter bug, not a gateway answer). */
  throwOnNext(error: unknown): this {
    this.script.push(async () => {
      throw error;
    });
    return this;
  }

  /** The next call hangs until the test resolves (or rejects) the returned deferred. */
  holdNext(): Deferred<GatewayResult> {
    const held = deferred<GatewayResult>();
    this.script.push(() => held.promise);
    return held;
  }

  async send(sms: OutboundSms): Promise<GatewayResult> {
    this.received.push({ ...sms });
    const step = this.script.shift();
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      return await (step ? step() : gatewayResult.accepted());
    } finally {
      this.inFlight -= 1;
    }
  }
}

export class FakeSentMessageCache extends SentMessageCache {
  /** Every put, in call order, including those made to fail. */
  readonly puts: { id: string; receipt: SentReceipt }[] = [];
  private readonly receipts = new Map<string, SentReceipt>();
  private failure: unknown = null;

  /** From now on put rejects with `error` (breaking the port's promise, as a buggy adapter would). */
  rejectPutsWith(error: unknown): void {
    this.failure = error;
  }

  async put(id: string, receipt: SentReceipt): Promise<void> {
    this.puts.push({ id, receipt: { ...receipt } });
    if (this.failure !== null) throw this.failure;
    this.receipts.set(id, { ...receipt });
  }

  async get(id: string): Promise<SentReceipt | null> {
    const receipt = this.receipts.get(id);
    return receipt ? { ...receipt } : null;
  }

  async state(): Promise<CacheState> {
    return this.failure === null ? 'up' : 'down';
  }
}

/** A single process that always leads (unit tests of the scheduler). */
export class SoloLeadership extends Leadership {
  readonly instanceId = 'solo-instance';
  leading = true;
  released = false;

  get isLeader(): boolean {
    return this.leading;
  }

  async acquire(): Promise<boolean> {
    return this.leading;
  }

  async leaderId(): Promise<string | null> {
    return this.leading ? this.instanceId : null;
  }

  async release(): Promise<void> {
    this.released = true;
    this.leading = false;
  }
}

/** Keeps every alert it is given. */
export class RecordingAlertNotifier extends AlertNotifier {
  readonly alerts: Alert[] = [];

  async notify(alert: Alert): Promise<void> {
    this.alerts.push(alert);
  }
}

/** Keeps every metrics event it is given, in order. */
export class RecordingDispatchMetrics extends DispatchMetrics {
  readonly attempts: { answer: AttemptOutcome; latencyMs: number; outcome: SendOutcome }[] = [];
  readonly ticks: TickReport[] = [];
  failedSteps = 0;

  attemptRecorded(answer: AttemptOutcome, latencyMs: number, outcome: SendOutcome): void {
    this.attempts.push({ answer, latencyMs, outcome });
  }

  tickFinished(report: TickReport): void {
    this.ticks.push(report);
  }

  stepFailed(): void {
    this.failedSteps += 1;
  }
}

/** A tick's report: nothing claimed, nothing skipped, unless `overrides` says otherwise. */
export function tickReport(startedAt: Date, overrides: Partial<TickReport> = {}): TickReport {
  return { startedAt, durationMs: 0, claimed: 0, sent: 0, retried: 0, failed: 0, unknown: 0, invalid: 0, expired: 0, dropped: 0, skipped: null, ...overrides };
}
