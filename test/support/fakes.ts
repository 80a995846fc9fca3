/**
 * In-memory stand-ins for the domain's ports, for unit tests. They keep state the way the real
 * adapters do (copies in, copies out), so a test can only see what a use case actually persisted.
 */
import { createHash, randomUUID } from 'node:crypto';
import { DispatchMetrics, type DispatchSettings, emptyTickReport, type SendOutcome, type TickReport } from '@app/application';
import {
  type Actor,
  type Alert,
  AlertNotifier,
  type AttemptOutcome,
  type AttemptRecord,
  type CachedReceipt,
  type CacheState,
  CacheUnavailableError,
  type HeldReceiptPage,
  type AbandonedClaims,
  type BatchIdempotency,
  type BatchItem,
  type BatchItemResult,
  type CreateManyResult,
  type StoredBatch,
  type ClaimOptions,
  type ClaimRef,
  type RecentRequests,
  type Clock,
  type CreateResult,
  type DecisionRecord,
  type DeliveryOutcome,
  type DispatchEvent,
  DispatchEventLog,
  type InDoubtPolicy,
  LEASE_LOST,
  Leadership,
  type MessageHistory,
  type MessageSearch,
  type NewDispatchEvent,
  type NewOperatorLogEntry,
  OperatorLog,
  type OperatorLogEntry,
  type OperatorLogQuery,
  PreviewChangedError,
  type ReplayableStatus,
  REPLAYABLE_STATUSES,
  type ReplayFilter,
  type ReplayOptions,
  type ReplayPreviewData,
  type ReplayRecord,
  SendHistory,
  type SentInMinute,
  type Settlement,
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
  type PriorityCount,
  type SendStep,
  SentMessageCache,
  type SentReceipt,
  type StoredReceipt,
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
  /**
   * The cluster's latest tick permit, as dispatcher_state.tick_no gives it to the PostgreSQL
   * repository: claims and starts under another permit take nothing. Null: permits are not checked.
   */
  latestTick: (() => number) | null = null;

  /**
   * `operatorLog` stands for the operator_audit table: replays and settlements given an actor
   * write their entries there, as the PostgreSQL repository does in the same transaction.
   */
  constructor(
    private readonly clock: Clock,
    readonly operatorLog: FakeOperatorLog = new FakeOperatorLog(clock),
  ) {
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
      priority: 0,
      replayCount: 0,
      claimToken: null,
      requestStartedAt: null,
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
  /** When the lease sweep parked a row as `unknown`, by id (the column lease_lost_at). */
  private readonly leaseLost = new Map<string, Date>();
  /** Who claimed a row last, by id (the column claimed_by). */
  private readonly owners = new Map<string, string>();
  readonly replays: (ReplayRecord & { messageId: string })[] = [];
  /** Operators' settlements (the table message_decisions). */
  readonly decisions: (DecisionRecord & { messageId: string })[] = [];

  /** The stored state of one message with the claim columns the port does not show (for the contract suite). */
  stored(id: string): MessageProps & { claimedBy: string | null; leaseUntil: Date | null; leaseLostAt: Date | null } {
    return {
      ...this.get(id).toProps(),
      claimedBy: this.owners.get(id) ?? null,
      leaseUntil: this.leases.get(id) ?? null,
      leaseLostAt: this.leaseLost.get(id) ?? null,
    };
  }

  async create(draft: NewMessage): Promise<CreateResult> {
    const existing = draft.idempotencyKey ? this.keys.get(draft.idempotencyKey) : undefined;
    if (existing) return { message: this.get(existing.id), created: false, requestHash: existing.requestHash };
    const message = this.seed({
      phoneNumber: draft.phoneNumber,
      content: draft.content,
      sendAfter: draft.sendAfter ?? null,
      expiresAt: draft.expiresAt ?? null,
      priority: draft.priority ?? 0,
    });
    if (draft.idempotencyKey) this.keys.set(draft.idempotencyKey, { id: message.id, requestHash: draft.requestHash ?? null });
    return { message, created: true, requestHash: draft.requestHash ?? null };
  }

  /** Answers of keyed batches, by idempotency key (the table message_batches). */
  private readonly batches = new Map<string, StoredBatch>();

  async createMany(items: readonly BatchItem[], idempotency?: BatchIdempotency): Promise<CreateManyResult> {
    const existing = idempotency ? this.batches.get(idempotency.key) : undefined;
    if (existing) return { results: structuredClone(existing.results), created: false, requestHash: existing.requestHash };
    const results = items.map((item): BatchItemResult => {
      if ('error' in item) return { error: structuredClone(item.error) };
      const { phoneNumber, content, sendAfter, expiresAt, priority } = item.message;
      return { id: this.seed({ phoneNumber, content, sendAfter: sendAfter ?? null, expiresAt: expiresAt ?? null, priority: priority ?? 0 }).id };
    });
    if (idempotency) this.batches.set(idempotency.key, { results: structuredClone(results), requestHash: idempotency.requestHash });
    return { results, created: true, requestHash: idempotency?.requestHash ?? null };
  }

  async findBatchByIdempotencyKey(key: string): Promise<StoredBatch | null> {
    const stored = this.batches.get(key);
    return stored ? { results: structuredClone(stored.results), requestHash: stored.requestHash } : null;
  }

  async findByIdempotencyKey(key: string): Promise<{ message: Message; requestHash: string | null } | null> {
    const existing = this.keys.get(key);
    return existing ? { message: this.get(existing.id), requestHash: existing.requestHash } : null;
  }

  async history(id: string): Promise<MessageHistory> {
    return {
      attempts: this.attempts.filter((a) => a.messageId === id).map((a) => ({ ...a })),
      replays: this.replays.filter((r) => r.messageId === id).map(({ at, previousStatus, previousReason }) => ({ at, previousStatus, previousReason })),
      decisions: this.decisions.filter((d) => d.messageId === id).map(({ messageId: _id, actor, ...d }) => ({ ...d, actor: { ...actor } })),
    };
  }

  async recordAndStart(step: SendStep): Promise<string[]> {
    await this.recordOutcomes(step.outcomes);
    const started: string[] = [];
    if (!this.tickIsLatest(step.tick)) return started;
    for (const claim of step.start) {
      const row = this.rows.find((m) => m.id === claim.id);
      if (!row || row.status !== 'sending' || row.claimToken !== claim.claimToken) continue;
      this.replaceRow(row.id, { requestStartedAt: step.now });
      this.leases.set(row.id, step.leaseUntil);
      started.push(row.id);
    }
    return started;
  }

  private tickIsLatest(tick: number | undefined): boolean {
    return tick === undefined || this.latestTick === null || this.latestTick() === tick;
  }

  async releaseClaims(claims: readonly ClaimRef[], now: Date): Promise<number> {
    let count = 0;
    for (const claim of claims) {
      const row = this.rows.find((m) => m.id === claim.id);
      if (!row || row.status !== 'sending' || row.claimToken !== claim.claimToken || row.requestStartedAt !== null) continue;
      row.releaseClaim(now);
      this.leases.delete(row.id);
      count += 1;
    }
    return count;
  }

  async releaseAbandonedClaims(now: Date, policy: InDoubtPolicy): Promise<AbandonedClaims> {
    const released: AbandonedClaims = { requeued: 0, inDoubt: 0 };
    for (const row of [...this.rows]) {
      const lease = this.leases.get(row.id);
      if (row.status !== 'sending' || !lease || lease.getTime() >= now.getTime()) continue;
      this.leases.delete(row.id);
      if (row.requestStartedAt === null) {
        row.releaseClaim(now);
        released.requeued += 1;
        continue;
      }
      if (policy === 'hold') {
        this.replaceRow(row.id, { status: 'unknown', failureReason: LEASE_LOST, nextAttemptAt: null, updatedAt: now });
        this.leaseLost.set(row.id, now);
      } else {
        this.replaceRow(row.id, { status: 'pending', failureReason: LEASE_LOST, claimToken: null, nextAttemptAt: null, updatedAt: now });
      }
      released.inDoubt += 1;
    }
    return released;
  }

  private replaceRow(id: string, change: Partial<MessageProps>): void {
    const index = this.rows.findIndex((m) => m.id === id);
    this.rows[index] = Message.restore({ ...this.rows[index].toProps(), ...change });
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

  async replay(id: string, now: Date, actor?: Actor): Promise<{ message: Message; replayedFrom: ReplayableStatus | null } | null> {
    const row = this.rows.find((m) => m.id === id);
    if (!row) return null;
    const previousReason = row.failureReason;
    const replayedFrom = row.replay(now);
    this.leaseLost.delete(id);
    if (replayedFrom) this.replays.push({ messageId: id, at: now, previousStatus: replayedFrom, previousReason });
    if (actor) {
      await this.operatorLog.record({ actor, action: 'replay', messageCount: replayedFrom ? 1 : 0, detail: { messageId: id, previousStatus: replayedFrom } });
    }
    return { message: copy(row), replayedFrom };
  }

  /** The rows a bulk replay takes, as the SQL's `match`. */
  private replayable(filter: ReplayFilter): Message[] {
    return this.rows.filter(
      (m) =>
        (filter.statuses as string[]).includes(m.status) &&
        (!filter.from || m.updatedAt.getTime() >= filter.from.getTime()) &&
        (!filter.to || m.updatedAt.getTime() < filter.to.getTime()),
    );
  }

  async replayMatching(filter: ReplayFilter, now: Date, dryRun: boolean, options: ReplayOptions = {}): Promise<number> {
    const matching = this.replayable(filter);
    if (options.expectedFingerprint !== undefined && fingerprintOf(filter, matching) !== options.expectedFingerprint) throw new PreviewChangedError();
    if (dryRun) return matching.length;
    for (const m of matching) await this.replay(m.id, now);
    if (options.actor) {
      const detail = { statuses: filter.statuses, from: filter.from?.toISOString() ?? null, to: filter.to?.toISOString() ?? null, ...options.logDetail };
      await this.operatorLog.record({ actor: options.actor, action: 'replay', messageCount: matching.length, detail });
    }
    return matching.length;
  }

  async previewReplay(filter: ReplayFilter): Promise<ReplayPreviewData> {
    const matching = this.replayable(filter);
    const byStatus = Object.fromEntries(REPLAYABLE_STATUSES.map((status) => [status, matching.filter((m) => m.status === status).length]));
    const reasons = new Map<string | null, number>();
    for (const m of matching) reasons.set(m.failureReason, (reasons.get(m.failureReason) ?? 0) + 1);
    const byReason = [...reasons]
      .map(([reason, count]) => ({ reason, count }))
      .sort((a, b) => b.count - a.count || compareReasons(a.reason, b.reason))
      .slice(0, 10);
    return {
      count: matching.length,
      byStatus: byStatus as Record<ReplayableStatus, number>,
      byReason,
      sampleIds: [...matching]
        .reverse()
        .slice(0, 20)
        .map((m) => m.id),
      fingerprint: fingerprintOf(filter, matching),
    };
  }

  async settle(id: string, settlement: Settlement, now: Date, actor: Actor): Promise<Message | null> {
    const row = this.rows.find((m) => m.id === id);
    if (!row) return null;
    const previousReason = row.failureReason;
    const settled = copy(row);
    settled.settle(settlement, now);
    this.replaceRow(id, settled.toProps());
    this.leases.delete(id);
    this.leaseLost.delete(id);
    const gatewayMessageId = settlement.gatewayMessageId ?? null;
    this.decisions.push({
      messageId: id,
      at: now,
      actor: { ...actor },
      outcome: settlement.outcome,
      reason: settlement.reason,
      gatewayMessageId,
      previousReason,
    });
    await this.operatorLog.record({
      actor,
      action: 'settle',
      messageCount: 1,
      detail: { messageId: id, outcome: settlement.outcome, reason: settlement.reason, gatewayMessageId },
    });
    return copy(settled);
  }

  async findById(id: string): Promise<Message | null> {
    const found = this.rows.find((m) => m.id === id);
    return found ? copy(found) : null;
  }

  async claimBatch(limit: number, now: Date, claim?: ClaimOptions): Promise<Message[]> {
    if (this.claimFailures.length > 0) throw this.claimFailures.shift();
    if (!this.tickIsLatest(claim?.tick)) return [];
    const t = now.getTime();
    const due = inClaimOrder(this.rows.filter((m) => isDue(m, now))).slice(0, limit);
    for (const message of due) {
      message.markSending(now, randomUUID());
      this.leaseLost.delete(message.id);
      if (claim) this.owners.set(message.id, claim.owner);
      this.leases.set(message.id, new Date(t + (claim?.leaseMs ?? 60_000)));
    }
    return due.map(copy);
  }

  async recordOutcomes(outcomes: readonly DeliveryOutcome[]): Promise<void> {
    for (const { message, attempt } of outcomes) {
      const index = this.rows.findIndex((m) => m.id === message.id);
      const row = index >= 0 ? this.rows[index] : undefined;
      // A token compares as in SQL: a row or an outcome without one matches nothing.
      const fenced =
        row &&
        row.claimToken !== null &&
        row.claimToken === message.claimToken &&
        (row.status === 'sending' || (row.status === 'unknown' && this.leaseLost.has(row.id)));
      if (fenced) {
        this.rows[index] = Message.restore({ ...message.toProps(), requestStartedAt: row.requestStartedAt });
        this.leases.delete(message.id);
        this.leaseLost.delete(message.id);
      }
      if (attempt) this.attempts.push({ ...attempt });
    }
  }

  async listSent(query: PageQuery): Promise<Page<Message>> {
    const sent = this.rows
      .map((message, seq) => ({ message, seq }))
      .filter(({ message }) => message.status === 'sent')
      .map(({ message, seq }) => ({ message, key: [(message.sentAt as Date).getTime(), seq] }))
      .sort((a, b) => compareKeys(b.key, a.key));
    return paginate('sent', 2, sent, query);
  }

  async list(query: ListQuery): Promise<Page<Message>> {
    const newestFirst = this.rows
      .map((message, seq) => ({ message, key: [seq] }))
      .reverse()
      .filter(({ message }) => query.status === undefined || message.status === query.status)
      .filter(({ message }) => query.priority === undefined || message.priority === query.priority)
      .filter(({ message }) => !query.search || matchesSearch(message, query.search))
      .filter(({ message }) => query.createdFrom === undefined || message.createdAt.getTime() >= query.createdFrom.getTime())
      .filter(({ message }) => query.createdTo === undefined || message.createdAt.getTime() < query.createdTo.getTime());
    return paginate('all', 1, newestFirst, query);
  }

  async countByStatus(): Promise<Record<MessageStatus, number>> {
    const counts = Object.fromEntries(MESSAGE_STATUSES.map((s) => [s, 0])) as Record<MessageStatus, number>;
    for (const message of this.rows) counts[message.status] += 1;
    return counts;
  }

  async countPendingByPriority(): Promise<PriorityCount[]> {
    const counts = new Map<number, number>();
    for (const message of this.rows) if (message.status === 'pending') counts.set(message.priority, (counts.get(message.priority) ?? 0) + 1);
    return [...counts].map(([priority, pending]) => ({ priority, pending })).sort((a, b) => b.priority - a.priority);
  }

  async oldestDueSince(now: Date): Promise<Date | null> {
    // The first due message of each priority, in claim order; the one that became due earliest.
    const firstOfLane = new Map<number, Message>();
    for (const m of this.rows) if (isDue(m, now) && !firstOfLane.has(m.priority)) firstOfLane.set(m.priority, m);
    const since = [...firstOfLane.values()].map((m) => Math.max(m.createdAt.getTime(), m.sendAfter?.getTime() ?? 0));
    return since.length > 0 ? new Date(Math.min(...since)) : null;
  }

  async compactStatusCounts(): Promise<void> {}

  async recentRequests(since: Date, limit: number): Promise<RecentRequests> {
    const latest = this.attempts.slice(-limit).filter((a) => a.at.getTime() > since.getTime());
    return {
      answeredAt: latest.map((a) => new Date(a.at)).sort((a, b) => a.getTime() - b.getTime()),
      inFlight: this.rows.filter((m) => m.status === 'sending' && m.requestStartedAt !== null).length,
    };
  }
}

/** The search's rule, as the SQL's: an id or the gateway's messageId, a phone number, a substring of the reason ignoring case. */
function matchesSearch(m: Message, search: MessageSearch): boolean {
  switch (search.kind) {
    case 'id':
      return m.id === search.id || m.gatewayMessageId === search.id || m.gatewayMessageId === search.id.toUpperCase();
    case 'phone':
      return m.phoneNumber === search.phoneNumber;
    case 'reason':
      return m.failureReason !== null && m.failureReason.toLowerCase().includes(search.text.toLowerCase());
  }
}

/** The fingerprint of a replay's set, exactly as the SQL computes it: md5 of the canonical filter and the sorted ids. */
function fingerprintOf(filter: ReplayFilter, rows: readonly Message[]): string {
  const prefix = `${[...filter.statuses].sort().join(',')}|${filter.from?.toISOString() ?? ''}|${filter.to?.toISOString() ?? ''}|`;
  const ids = rows.map((m) => m.id).sort();
  return createHash('md5')
    .update(prefix + ids.join(','), 'utf8')
    .digest('hex');
}

/** Failure reasons in the preview's order among equal counts: by code point, null last (the SQL's COLLATE "C" NULLS LAST). */
function compareReasons(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  const [ca, cb] = [[...a].map((c) => c.codePointAt(0) as number), [...b].map((c) => c.codePointAt(0) as number)];
  for (let i = 0; i < Math.min(ca.length, cb.length); i += 1) if (ca[i] !== cb[i]) return ca[i] - cb[i];
  return ca.length - cb.length;
}

/** The claim's order: the highest priority first, then insertion order (the table's seq). A stable sort. */
function inClaimOrder(rows: Message[]): Message[] {
  return [...rows].sort((a, b) => b.priority - a.priority);
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

interface Keyed {
  message: Message;
  /** Its place in the list's order (descending), as whole numbers: sentAt then seq, or seq. */
  key: number[];
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/**
 * Keyset pages, as the SQL's: the cursor `<kind>:<key of the last item>` carries where the page
 * ended, not the item itself, so it still works when that item changes. Anything else is foreign.
 */
function paginate(kind: string, keySize: number, ordered: Keyed[], query: PageQuery): Page<Message> {
  let rest = ordered;
  if (query.cursor !== undefined) {
    const [prefix, ...parts] = query.cursor.split(':');
    if (prefix !== kind || parts.length !== keySize || !parts.every((p) => /^\d{1,15}$/.test(p))) throw new InvalidCursorError();
    const after = parts.map(Number);
    rest = ordered.filter((entry) => compareKeys(entry.key, after) < 0);
  }
  const items = rest.slice(0, query.limit);
  const more = rest.length > query.limit;
  return { items: items.map((entry) => copy(entry.message)), nextCursor: more ? `${kind}:${items[items.length - 1].key.join(':')}` : null };
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
  /** Held receipts, in the order they were first written (the walk's order). */
  private readonly receipts = new Map<string, StoredReceipt>();
  private failure: unknown = null;
  /** How it answers: 'up'; 'down' (configured, not answering: nothing read or written); 'disabled' (not configured). */
  mode: 'up' | 'down' | 'disabled' = 'up';
  /** The time putMany stamps as cachedAt. */
  now: () => Date = () => new Date();
  /** The ids of every getMany call, in call order: one per look-up round trip. */
  readonly lookups: string[][] = [];

  /** From now on put rejects with `error` (breaking the port's promise, as a buggy adapter would). */
  rejectPutsWith(error: unknown): void {
    this.failure = error;
  }

  /** Every putMany call's size, in call order: one per flush. */
  readonly batches: number[] = [];

  async putMany(receipts: readonly CachedReceipt[]): Promise<void> {
    this.batches.push(receipts.length);
    for (const { id, receipt } of receipts) this.puts.push({ id, receipt: { ...receipt } });
    if (this.failure !== null) throw this.failure;
    if (this.mode !== 'up') return;
    const cachedAt = this.now();
    for (const { id, receipt } of receipts) this.receipts.set(id, { messageId: receipt.messageId, sentAt: receipt.sentAt, cachedAt });
  }

  /** Holds a receipt as given (e.g. one an older version wrote, without cachedAt: null). */
  hold(id: string, receipt: StoredReceipt): void {
    this.receipts.set(id, { ...receipt });
  }

  /** A receipt gone (its TTL ran out). */
  expire(id: string): void {
    this.receipts.delete(id);
  }

  async get(id: string): Promise<StoredReceipt | null> {
    const receipt = this.mode === 'up' ? this.receipts.get(id) : undefined;
    return receipt ? { ...receipt } : null;
  }

  async getMany(ids: readonly string[]): Promise<(StoredReceipt | null)[]> {
    this.lookups.push([...ids]);
    return Promise.all(ids.map((id) => this.get(id)));
  }

  /** A walk in insertion order; the cursor is the offset, tagged (any other cursor is refused). */
  async scan(cursor: string | undefined, limit: number): Promise<HeldReceiptPage> {
    let offset = 0;
    if (cursor !== undefined) {
      const match = /^fake-receipts:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
      if (!match) throw new InvalidCursorError();
      offset = Number(match[1]);
    }
    if (this.mode === 'disabled') return { items: [], nextCursor: null, cache: 'disabled' };
    if (this.mode === 'down') throw new CacheUnavailableError();
    const held = [...this.receipts].slice(offset, offset + limit).map(([id, receipt]) => ({ id, receipt: { ...receipt } }));
    const next = offset + limit < this.receipts.size ? Buffer.from(`fake-receipts:${offset + limit}`).toString('base64url') : null;
    return { items: held, nextCursor: next, cache: 'up' };
  }

  async state(): Promise<CacheState> {
    if (this.mode === 'disabled') return 'disabled';
    return this.failure === null && this.mode === 'up' ? 'up' : 'down';
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
  return { ...emptyTickReport(startedAt), ...overrides };
}

/** Dispatch settings for use cases under test: the service's defaults, unless `overrides` says otherwise. */
export function dispatchSettings(overrides: Partial<DispatchSettings> = {}): DispatchSettings {
  return {
    intervalMs: 120_000,
    batchSize: 2,
    concurrency: 1,
    autostart: true,
    maxContentLength: 160,
    retry: { baseMs: 1_000, maxMs: 300_000, maxAttempts: 5 },
    leaseMs: 60_000,
    inDoubtPolicy: 'hold',
    breaker: { failures: 5, cooldownMs: 60_000 },
    alertAfterFailedTicks: 3,
    shutdownGraceMs: 15_000,
    ...overrides,
  };
}

/** A deep copy of plain data (objects, arrays, Dates), made in this realm (structuredClone's Dates fail a test's `instanceof Date`). */
function clone<T>(value: T): T {
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (Array.isArray(value)) return value.map(clone) as T;
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clone(v)])) as T;
  return value;
}

/** The operator log in memory: entries numbered in the order written, timed by the clock (the database's, in production). */
export class FakeOperatorLog extends OperatorLog {
  private readonly entries: OperatorLogEntry[] = [];

  constructor(private readonly clock: Clock) {
    super();
  }

  /** Every entry, oldest first (copies). */
  all(): OperatorLogEntry[] {
    return this.entries.map((e) => clone(e));
  }

  async record(entry: NewOperatorLogEntry): Promise<OperatorLogEntry> {
    const kept: OperatorLogEntry = { ...clone(entry), id: this.entries.length + 1, at: this.clock.now() };
    this.entries.push(kept);
    return clone(kept);
  }

  async list(query: OperatorLogQuery): Promise<Page<OperatorLogEntry>> {
    let after = Number.MAX_SAFE_INTEGER;
    if (query.cursor !== undefined) {
      const match = /^audit:(\d{1,15})$/.exec(query.cursor);
      if (!match) throw new InvalidCursorError();
      after = Number(match[1]);
    }
    const rest = [...this.entries]
      .reverse()
      .filter((e) => e.id < after)
      .filter((e) => !query.actions?.length || query.actions.includes(e.action))
      .filter((e) => !query.since || e.at.getTime() >= query.since.getTime());
    const items = rest.slice(0, query.limit).map((e) => clone(e));
    return { items, nextCursor: rest.length > query.limit ? `audit:${items[items.length - 1].id}` : null };
  }
}

/** Sends per minute as the tests set them. */
export class FakeSendHistory extends SendHistory {
  private readonly minutes = new Map<number, number>();

  /** `sent` more messages in the minute that holds `at`. */
  add(at: Date, sent = 1): void {
    const minute = Math.floor(at.getTime() / 60_000) * 60_000;
    this.minutes.set(minute, (this.minutes.get(minute) ?? 0) + sent);
  }

  async sentPerMinute(from: Date, to: Date): Promise<SentInMinute[]> {
    return [...this.minutes]
      .filter(([minute]) => minute >= from.getTime() && minute < to.getTime())
      .sort(([a], [b]) => a - b)
      .map(([minute, sent]) => ({ minute: new Date(minute), sent }));
  }
}

/** Dispatch events in memory, timed by the clock; `failing` makes record reject (breaking the port's promise, as a buggy adapter would). */
export class FakeDispatchEventLog extends DispatchEventLog {
  private readonly events: DispatchEvent[] = [];
  failing = false;

  constructor(private readonly clock: Clock) {
    super();
  }

  all(): DispatchEvent[] {
    return this.events.map((e) => clone(e));
  }

  async record(event: NewDispatchEvent): Promise<void> {
    if (this.failing) throw new Error('dispatch_events is unreachable');
    this.events.push({ ...clone(event), id: this.events.length + 1, at: this.clock.now() });
  }

  async since(since: Date, limit: number): Promise<DispatchEvent[]> {
    return this.events
      .filter((e) => e.at.getTime() >= since.getTime())
      .slice(-limit)
      .map((e) => clone(e));
  }
}
