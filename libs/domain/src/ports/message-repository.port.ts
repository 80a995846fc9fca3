import type { AttemptRecord, InDoubtPolicy } from '../delivery.js';
import type { Message, MessageStatus, ReplayableStatus } from '../message.js';

export interface NewMessage {
  phoneNumber: string;
  content: string;
  sendAfter?: Date | null;
  expiresAt?: Date | null;
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
}

/** What one delivery attempt did to a claimed message: its new state and, if sent, the attempt. */
export interface DeliveryOutcome {
  message: Message;
  attempt: AttemptRecord | null;
}

export interface ClaimOptions {
  /** Who claims (the instance id), kept on the row for operators. */
  owner: string;
  /** How long the claim holds before the row counts as abandoned. */
  leaseMs: number;
}

export interface ReplayRecord {
  at: Date;
  previousStatus: ReplayableStatus;
  previousReason: string | null;
}

export interface MessageHistory {
  attempts: AttemptRecord[];
  replays: ReplayRecord[];
}

export interface ReplayFilter {
  statuses: ReplayableStatus[];
  /** Only messages that reached their state at or after this time. */
  from?: Date;
  /** Only messages that reached their state before this time. */
  to?: Date;
}

/** Persistence of messages, in the operations the dispatcher needs and nothing more generic. */
export abstract class MessageRepository {
  abstract create(draft: NewMessage): Promise<CreateResult>;

  abstract findById(id: string): Promise<Message | null>;

  /** The message an earlier create with this idempotency key made, with that request's fingerprint. */
  abstract findByIdempotencyKey(key: string): Promise<{ message: Message; requestHash: string | null } | null>;

  /** Attempts and replays of a message, oldest first. */
  abstract history(id: string): Promise<MessageHistory>;

  /**
   * Takes up to `limit` due pending messages, oldest first, and marks them `sending` under a
   * lease with a fresh fencing token, in one committed statement, so that no other claimer (tick,
   * worker, replica) can take them. Not due: next attempt or sendAfter in the future, or expired.
   */
  abstract claimBatch(limit: number, now: Date, claim: ClaimOptions): Promise<Message[]>;

  /**
   * Right before a send: extends the lease if the claim (id + token) is still this sender's.
   * False means the row was taken away (lease expired, replayed): the send must be dropped.
   */
  abstract renewClaim(id: string, claimToken: string, leaseUntil: Date): Promise<boolean>;

  /**
   * Persists outcomes of claimed messages and their attempts. A message changes only while it
   * still carries the same claim token and is `sending` (or was marked `unknown` when its lease
   * ran out, in which case the late but certain outcome settles it).
   */
  abstract recordOutcomes(outcomes: readonly DeliveryOutcome[]): Promise<void>;

  /**
   * Rows left `sending` past their lease (their sender died or stalled): `unknown` under the
   * hold policy, back to `pending` under resend. Returns how many.
   */
  abstract releaseAbandonedClaims(now: Date, policy: InDoubtPolicy): Promise<number>;

  /** Pending rows whose expiresAt has passed become `expired`. Returns how many. */
  abstract expireOverdue(now: Date): Promise<number>;

  /** Replays one message (see Message.replay) and records it. Null when it does not exist. */
  abstract replay(id: string, now: Date): Promise<{ message: Message; replayedFrom: ReplayableStatus | null } | null>;

  /** Replays every message matching the filter, or only counts them on a dry run. */
  abstract replayMatching(filter: ReplayFilter, now: Date, dryRun: boolean): Promise<number>;

  /** Sent messages, most recently sent first. Throws InvalidCursorError for a foreign cursor. */
  abstract listSent(query: PageQuery): Promise<Page<Message>>;

  /** Messages newest first, optionally of one status. Throws InvalidCursorError for a foreign cursor. */
  abstract list(query: ListQuery): Promise<Page<Message>>;

  /** Messages per status, from counts kept by the database: no scan of the messages table. */
  abstract countByStatus(): Promise<Record<MessageStatus, number>>;

  /**
   * When the longest-waiting message that is due now (pending, past its sendAfter and its retry
   * backoff) became due, i.e. the later of its creation and its sendAfter; null when none is due.
   */
  abstract oldestDueSince(now: Date): Promise<Date | null>;

  /** Folds the per-statement count deltas into one row per status; keeps countByStatus cheap. */
  abstract compactStatusCounts(): Promise<void>;
}
