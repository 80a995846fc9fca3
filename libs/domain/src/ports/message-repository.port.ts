import type { FieldViolation } from '../errors.js';
import type { AttemptRecord, InDoubtPolicy } from '../delivery.js';
import type { Message, MessageStatus, ReplayableStatus } from '../message.js';
import type { MessageSearch } from '../message-search.js';
import type { Actor, DecisionRecord, Settlement } from '../operator.js';
import type { PriorityCount } from '../priority.js';

export interface NewMessage {
  phoneNumber: string;
  content: string;
  sendAfter?: Date | null;
  expiresAt?: Date | null;
  /** Higher goes first; DEFAULT_PRIORITY (0) when left out. */
  priority?: number;
  /** With a key, a second create with the same key returns the first message instead of a new row. */
  idempotencyKey?: string | null;
  /** Fingerprint of the request that created the message, to tell a retry from a different request. */
  requestHash?: string | null;
}

export interface CreateResult {
  message: Message;
  /** False when a message with the same idempotency key already existed. */
  created: boolean;
  /** The stored request fingerprint of the message (for an existing one: the first request's). */
  requestHash: string | null;
}

export interface Page<T> {
  items: T[];
  /** Opaque; pass back as `cursor` for the next page. Null on the last page. */
  nextCursor: string | null;
}

export interface PageQuery {
  limit: number;
  cursor?: string;
}

export interface ListQuery extends PageQuery {
  status?: MessageStatus;
  /** Only messages of this priority. */
  priority?: number;
  /** Only messages this search finds (see parseMessageSearch). */
  search?: MessageSearch | null;
  /** Only messages created at or after this time. */
  createdFrom?: Date;
  /** Only messages created before this time. */
  createdTo?: Date;
}

/** What one delivery attempt did to a claimed message: its new state and, if sent, the attempt. */
export interface DeliveryOutcome {
  message: Message;
  attempt: AttemptRecord | null;
}

/** A claim as its holder knows it: the message and the fencing token it was claimed under. */
export interface ClaimRef {
  id: string;
  claimToken: string;
}

export interface SendStep {
  /** Outcomes of sends that have finished, not recorded yet. */
  outcomes: readonly DeliveryOutcome[];
  /** Claimed messages whose requests are about to go out. */
  start: readonly ClaimRef[];
  /** When the requests of `start` begin. */
  now: Date;
  /** Their lease runs until then. */
  leaseUntil: Date;
  /**
   * The cluster's tick permit the requests go out under (SchedulerState.tryTick): when given, no
   * request of `start` starts unless that permit is still the cluster's latest.
   */
  tick?: number;
}

export interface AbandonedClaims {
  /** Claimed, request never started: pending again, no attempt counted. */
  requeued: number;
  /** Request may have started: `unknown` (hold) or pending again (resend). */
  inDoubt: number;
}

export interface ClaimOptions {
  /** Who claims (the instance id), kept on the row for operators. */
  owner: string;
  /** How long the claim holds before the row counts as abandoned. */
  leaseMs: number;
  /**
   * The cluster's tick permit the claim is made under (SchedulerState.tryTick): when given, the
   * claim takes nothing unless that permit is still the cluster's latest, so that a replica
   * which lost its permit to a newer one (it led a moment too long) sends nothing more.
   */
  tick?: number;
}

/** The requests the gateway may still be counting, as a new leader finds them (MessageRepository.recentRequests). */
export interface RecentRequests {
  /** When the latest recorded answers came back (at most `limit` of them, those after `since`), oldest first. */
  answeredAt: Date[];
  /** Rows whose request may be in flight or answered but not recorded yet: `sending`, request started. */
  inFlight: number;
}

export interface ReplayRecord {
  at: Date;
  previousStatus: ReplayableStatus;
  previousReason: string | null;
}

export interface MessageHistory {
  attempts: AttemptRecord[];
  replays: ReplayRecord[];
  /** Operators' settlements of the message while it was in doubt. */
  decisions: DecisionRecord[];
}

export interface ReplayFilter {
  statuses: ReplayableStatus[];
  /** Only messages that reached their state at or after this time. */
  from?: Date;
  /** Only messages that reached their state before this time. */
  to?: Date;
}

/** What a bulk replay would take, as a preview shows it. */
export interface ReplayPreviewData {
  count: number;
  /** Per replayable status (every one of them, zeros included). */
  byStatus: Record<ReplayableStatus, number>;
  /** The most frequent failure reasons, most frequent first (ties: by reason), at most 10; null is a reason too. */
  byReason: { reason: string | null; count: number }[];
  /** Up to 20 ids of the set, newest first. */
  sampleIds: string[];
  /**
   * A fingerprint of exactly this set under this filter (the ids, sorted, and the filter): a replay
   * given it replays only while the set still has it (see ReplayOptions.expectedFingerprint).
   */
  fingerprint: string;
}

/** How a bulk replay is recorded and guarded. */
export interface ReplayOptions {
  /** Who asked: with an actor, the replay is written to the operator log in its own transaction (not on a dry run). */
  actor?: Actor;
  /**
   * Replay only if the matching set still has this fingerprint (ReplayPreviewData.fingerprint),
   * checked on the locked rows in the transaction that replays them; otherwise PreviewChangedError
   * and nothing changes.
   */
  expectedFingerprint?: string;
  /** Written to the operator log's detail with the filter. */
  logDetail?: Record<string, unknown>;
}

/** Why one item of a batch was refused: the code, message and details a refused single create gets. */
export interface BatchItemError {
  code: string;
  message: string;
  details: FieldViolation[];
}

/** A message of a batch; the batch as a whole carries the Idempotency-Key, not its messages. */
export type BatchMessage = Omit<NewMessage, 'idempotencyKey' | 'requestHash'>;

/** One item of a batch as it reaches the store: a message to insert, or why it was refused. */
export type BatchItem = { message: BatchMessage } | { error: BatchItemError };

/** The answer for one item of a batch: the id of its message, or why it was refused. */
export type BatchItemResult = { id: string } | { error: BatchItemError };

export interface BatchIdempotency {
  key: string;
  /** Fingerprint of the request, to tell a retry from a different request with the same key. */
  requestHash: string;
}

/** The answer a batch got, kept under its Idempotency-Key. */
export interface StoredBatch {
  /** One per item, in request order. */
  results: BatchItemResult[];
  requestHash: string;
}

export interface CreateManyResult {
  /** One per item, in request order. */
  results: BatchItemResult[];
  /** False when a batch with the same idempotency key already existed: nothing was inserted. */
  created: boolean;
  /** The stored request fingerprint (for an existing batch: the first request's); null without a key. */
  requestHash: string | null;
}

/** Persistence of messages, in the operations the dispatcher needs and nothing more generic. */
export abstract class MessageRepository {
  abstract create(draft: NewMessage): Promise<CreateResult>;

  /**
   * Inserts the messages of `items` in one statement and answers one result per item, in order:
   * the new message's id, or the error the item came with. With `idempotency`, the answer is kept
   * under the key by the same statement; when the key is taken already (also by a concurrent
   * request: the database decides), nothing is inserted and the first answer comes back.
   */
  abstract createMany(items: readonly BatchItem[], idempotency?: BatchIdempotency): Promise<CreateManyResult>;

  /** The answer an earlier batch with this idempotency key got, with that request's fingerprint. */
  abstract findBatchByIdempotencyKey(key: string): Promise<StoredBatch | null>;

  abstract findById(id: string): Promise<Message | null>;

  /** The message an earlier create with this idempotency key made, with that request's fingerprint. */
  abstract findByIdempotencyKey(key: string): Promise<{ message: Message; requestHash: string | null } | null>;

  /** Attempts, replays and operators' decisions of a message, oldest first. */
  abstract history(id: string): Promise<MessageHistory>;

  /**
   * Takes up to `limit` due pending messages, the highest priority first and the oldest first
   * within a priority (insertion order, which also breaks every tie), and marks them `sending` under a
   * lease with a fresh fencing token, in one committed statement, so that no other claimer (tick,
   * worker, replica) can take them. Not due: next attempt or sendAfter in the future, or expired.
   * Answers them in that order (with DISPATCH_CONCURRENCY=1 the gateway gets them in it).
   */
  abstract claimBatch(limit: number, now: Date, claim: ClaimOptions): Promise<Message[]>;

  /**
   * One round trip of the send pipeline, in one statement: records `outcomes` (as recordOutcomes
   * does) and marks the claimed messages of `start` as "request about to go out", extending their
   * lease to `leaseUntil`, where the claim (id + token) is still this sender's and the message is
   * still `sending`. Returns the ids of `start` whose claim held: only those may be sent; a
   * message missing from the answer was taken away (lease ran out, replayed) and must be dropped.
   * Recording first means that when the statement commits, no message is in doubt but the ones
   * still in flight and the ones it starts.
   */
  abstract recordAndStart(step: SendStep): Promise<string[]>;

  /**
   * Persists outcomes of claimed messages and their attempts. A message changes only while it
   * still carries the same claim token and is `sending`, or was marked `unknown` by the lease
   * sweep (then the late but certain outcome settles it). Every attempt is kept regardless.
   */
  abstract recordOutcomes(outcomes: readonly DeliveryOutcome[]): Promise<void>;

  /**
   * Claimed messages whose requests never started go back to `pending` as they were (no attempt
   * counted), e.g. when the breaker opened mid-batch or the process is shutting down. Messages
   * whose claim is no longer this one, or whose request started, are left alone. Returns how many.
   */
  abstract releaseClaims(claims: readonly ClaimRef[], now: Date): Promise<number>;

  /**
   * Rows left `sending` past their lease (their sender died or stalled). Those whose request
   * never started cannot have reached the gateway: back to `pending`, no attempt counted
   * (`requeued`). Those whose request may have started are in doubt: `unknown` under the hold
   * policy (the late outcome of a live sender may still settle them), `pending` again under
   * resend (`inDoubt`).
   */
  abstract releaseAbandonedClaims(now: Date, policy: InDoubtPolicy): Promise<AbandonedClaims>;

  /** Pending rows whose expiresAt has passed become `expired`. Returns how many. */
  abstract expireOverdue(now: Date): Promise<number>;

  /**
   * Replays one message (see Message.replay) and records it. Null when it does not exist. With an
   * actor, the operator log gets an entry (action replay, 1 message, or 0 when it was pending
   * already) in the same transaction; a refused replay writes none.
   */
  abstract replay(id: string, now: Date, actor?: Actor): Promise<{ message: Message; replayedFrom: ReplayableStatus | null } | null>;

  /**
   * Replays every message matching the filter, or only counts them on a dry run. With an actor
   * (and not a dry run) the operator log gets one entry with the count, in the same transaction.
   * With an expected fingerprint, see ReplayOptions (a dry run checks it too, changing nothing).
   */
  abstract replayMatching(filter: ReplayFilter, now: Date, dryRun: boolean, options?: ReplayOptions): Promise<number>;

  /** What replayMatching(filter) would replay now, broken down, with the set's fingerprint. Changes nothing. */
  abstract previewReplay(filter: ReplayFilter): Promise<ReplayPreviewData>;

  /**
   * An operator's settlement of a message in doubt (Message.settle: NotInDoubtError unless it is
   * `unknown`), kept in its history as a decision and written to the operator log, all in one
   * transaction. Null when the message does not exist.
   */
  abstract settle(id: string, settlement: Settlement, now: Date, actor: Actor): Promise<Message | null>;

  /** Sent messages, most recently sent first. Throws InvalidCursorError for a foreign cursor. */
  abstract listSent(query: PageQuery): Promise<Page<Message>>;

  /**
   * Messages newest first, optionally of one status, of one priority, found by a search and created
   * in a time range. Throws InvalidCursorError for a foreign cursor.
   */
  abstract list(query: ListQuery): Promise<Page<Message>>;

  /** Messages per status, from counts kept by the database: no scan of the messages table. */
  abstract countByStatus(): Promise<Record<MessageStatus, number>>;

  /**
   * Pending messages per priority, the highest first, only priorities that have some; from counts
   * kept by the database, like countByStatus: no scan of the messages table.
   */
  abstract countPendingByPriority(): Promise<PriorityCount[]>;

  /**
   * When the longest-waiting message that is due now (pending, past its sendAfter and its retry
   * backoff) became due, i.e. the later of its creation and its sendAfter; null when none is due.
   * Across every priority: the first due message of each priority, in claim order, is a candidate,
   * and the one that became due earliest wins, so a low priority that waits behind higher ones shows.
   */
  abstract oldestDueSince(now: Date): Promise<Date | null>;

  /** Folds the per-statement count deltas into one row per status; keeps countByStatus cheap. */
  abstract compactStatusCounts(): Promise<void>;

  /**
   * The requests of whichever replica sent before: the latest `limit` recorded attempts answered
   * after `since`, and the rows whose request started and whose outcome is not recorded. A new
   * leader's pacer starts from them, so that the gateway's window holds across a takeover.
   */
  abstract recentRequests(since: Date, limit: number): Promise<RecentRequests>;
}
