import { type AttemptRecord, type GatewayResult, type InDoubtPolicy, RetryPolicy } from './delivery.js';
import { IllegalTransitionError, NotInDoubtError, ReplayRefusedError, ValidationError } from './errors.js';
import { MessageContent } from './message-content.js';
import { type Settlement, SETTLED_BY_OPERATOR, settlementViolations } from './operator.js';
import { PhoneNumber } from './phone-number.js';

export const MESSAGE_STATUSES = ['pending', 'sending', 'sent', 'failed', 'unknown', 'expired'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** States a message can be replayed from. */
export const REPLAYABLE_STATUSES = ['failed', 'unknown', 'expired'] as const satisfies readonly MessageStatus[];
export type ReplayableStatus = (typeof REPLAYABLE_STATUSES)[number];

/** The replay rule: a message in any other state is sent or may be under way, and could be sent twice. */
export function isReplayable(status: MessageStatus): status is ReplayableStatus {
  return (REPLAYABLE_STATUSES as readonly MessageStatus[]).includes(status);
}

/** The replay rule for a bulk replay: `statuses`, or ReplayRefusedError naming those that cannot be replayed. */
export function replayableStatuses(statuses: readonly MessageStatus[]): ReplayableStatus[] {
  const refused = statuses.filter((status) => !isReplayable(status));
  if (refused.length > 0) throw ReplayRefusedError.forStatuses(refused, REPLAYABLE_STATUSES);
  return statuses.filter(isReplayable);
}

export const OUTCOME_UNKNOWN = 'outcome unknown';
export const LEASE_LOST = 'sender lost its claim mid-send (it died or stalled past CLAIM_LEASE_MS)';

export interface MessageProps {
  id: string;
  phoneNumber: string;
  content: string;
  status: MessageStatus;
  attemptCount: number;
  nextAttemptAt: Date | null;
  gatewayMessageId: string | null;
  sentAt: Date | null;
  failureReason: string | null;
  /** Not sent before this time (null: as soon as possible). */
  sendAfter: Date | null;
  /** Never sent after this time: it becomes `expired` instead (null: no deadline). */
  expiresAt: Date | null;
  /** Higher goes first (MIN_PRIORITY to MAX_PRIORITY, default 0); oldest first within one. */
  priority: number;
  replayCount: number;
  /** The claim a sender holds while the message is `sending`: its fencing token. */
  claimToken: string | null;
  /**
   * When its last request was let go out (null while merely claimed): a `sending` message without
   * it cannot have reached the gateway.
   */
  requestStartedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * An outbound SMS and its delivery state. State changes are methods that refuse illegal
 * transitions; the repository persists whatever state the methods leave behind.
 *
 *   pending --claim--> sending, claimed --request started--> sending, in flight
 *      ^                    |                                          |--accepted--> sent
 *      |--released, or lease ran out before the request started       |--retryable, attempts left--> pending (nextAttemptAt)
 *                           |                                          |--retryable, none left; rejected--> failed
 *                           |--invalid row--> failed                   |--timeout / dropped connection / lease lost--> unknown (hold)
 *                           |--expiresAt passed--> expired             \-------------------------------------------> pending (resend)
 *   pending --expiresAt passed--> expired
 *   failed | unknown | expired --replay--> pending (fresh attempt budget)
 *   unknown --settled by an operator--> sent | failed
 */
export class Message {
  private constructor(private props: MessageProps) {}

  static restore(props: MessageProps): Message {
    return new Message({ ...props });
  }

  get id(): string {
    return this.props.id;
  }
  get phoneNumber(): string {
    return this.props.phoneNumber;
  }
  get content(): string {
    return this.props.content;
  }
  get status(): MessageStatus {
    return this.props.status;
  }
  get attemptCount(): number {
    return this.props.attemptCount;
  }
  get nextAttemptAt(): Date | null {
    return this.props.nextAttemptAt;
  }
  get gatewayMessageId(): string | null {
    return this.props.gatewayMessageId;
  }
  get sentAt(): Date | null {
    return this.props.sentAt;
  }
  get failureReason(): string | null {
    return this.props.failureReason;
  }
  get sendAfter(): Date | null {
    return this.props.sendAfter;
  }
  get expiresAt(): Date | null {
    return this.props.expiresAt;
  }
  get priority(): number {
    return this.props.priority;
  }
  get replayCount(): number {
    return this.props.replayCount;
  }
  get claimToken(): string | null {
    return this.props.claimToken;
  }
  get requestStartedAt(): Date | null {
    return this.props.requestStartedAt;
  }
  get createdAt(): Date {
    return this.props.createdAt;
  }
  get updatedAt(): Date {
    return this.props.updatedAt;
  }

  toProps(): MessageProps {
    return { ...this.props };
  }

  /**
   * Why this message may not be sent as it stands (rows inserted by SQL skip the API's
   * validation), or null when it may.
   */
  invalidReason(maxContentLength: number): string | null {
    return PhoneNumber.problem(this.props.phoneNumber) ?? MessageContent.problem(this.props.content, maxContentLength);
  }

  isExpiredAt(now: Date): boolean {
    return this.props.expiresAt !== null && this.props.expiresAt.getTime() <= now.getTime();
  }

  markSending(now: Date, claimToken = `claim-${now.getTime()}`): void {
    this.requireStatus(['pending'], 'be claimed');
    this.props = { ...this.props, status: 'sending', claimToken, requestStartedAt: null, updatedAt: now };
  }

  /** Its request is about to go out: from here on, losing the sender leaves it in doubt. */
  markRequestStarted(now: Date): void {
    this.requireStatus(['sending'], 'start its request');
    if (this.props.requestStartedAt !== null) throw new IllegalTransitionError(this.props.id, 'sending', 'start a second request in one claim');
    this.props = { ...this.props, requestStartedAt: now };
  }

  /** Claimed but its request never started: back to the queue as it was, no attempt counted. */
  releaseClaim(now: Date): void {
    this.requireStatus(['sending'], 'be released');
    if (this.props.requestStartedAt !== null) throw new IllegalTransitionError(this.props.id, 'sending', 'be released after its request started');
    this.props = { ...this.props, status: 'pending', claimToken: null, updatedAt: now };
  }

  /** A claimed row that breaks the rules: failed without any attempt. */
  rejectAsInvalid(reason: string, now: Date): void {
    this.requireStatus(['sending'], 'be rejected as invalid');
    this.props = { ...this.props, status: 'failed', failureReason: `invalid message: ${reason}`, nextAttemptAt: null, updatedAt: now };
  }

  /** Its deadline passed before it could be sent: never send it late. */
  expire(now: Date): void {
    this.requireStatus(['pending', 'sending'], 'expire');
    this.props = { ...this.props, status: 'expired', failureReason: 'expired before it could be sent', nextAttemptAt: null, updatedAt: now };
  }

  /** Applies one gateway answer and returns the attempt to record. */
  applyDelivery(result: GatewayResult, policy: RetryPolicy, now: Date, inDoubt: InDoubtPolicy = 'hold'): AttemptRecord {
    this.requireStatus(['sending'], 'record a delivery attempt');
    const attemptNo = this.props.attemptCount + 1;
    const base = { ...this.props, attemptCount: attemptNo, updatedAt: now };
    const retryLater = (reason: string, retryAfterMs?: number): MessageProps => ({
      ...base,
      status: 'pending',
      nextAttemptAt: new Date(now.getTime() + policy.delayAfter(attemptNo, retryAfterMs)),
      failureReason: reason,
    });
    switch (result.kind) {
      case 'accepted':
        this.props = { ...base, status: 'sent', gatewayMessageId: result.gatewayMessageId, sentAt: now, nextAttemptAt: null, failureReason: null };
        break;
      case 'retryable':
        this.props = policy.hasAttemptsLeft(attemptNo)
          ? retryLater(result.error, result.retryAfterMs)
          : { ...base, status: 'failed', nextAttemptAt: null, failureReason: `gave up after ${attemptNo} attempts: ${result.error}` };
        break;
      case 'rejected':
        this.props = { ...base, status: 'failed', nextAttemptAt: null, failureReason: result.error };
        break;
      case 'unknown':
        this.props =
          inDoubt === 'resend' && policy.hasAttemptsLeft(attemptNo)
            ? retryLater(`${OUTCOME_UNKNOWN}, resending with the same Idempotency-Key: ${result.error}`)
            : { ...base, status: 'unknown', nextAttemptAt: null, failureReason: `${OUTCOME_UNKNOWN}: ${result.error}` };
        break;
    }
    return {
      messageId: this.props.id,
      attemptNo,
      at: now,
      statusCode: result.statusCode,
      outcome: result.kind,
      error: result.kind === 'accepted' ? null : result.error,
      latencyMs: Math.round(result.latencyMs),
    };
  }

  /**
   * Back to pending with a fresh attempt budget. Returns the status it was replayed from, or
   * null when it was pending already (nothing to do). A sent or in-flight message is refused
   * (ReplayRefusedError): replaying it could send it twice. A deadline that has passed is dropped, since an operator
   * asking for the replay wants it sent.
   */
  replay(now: Date): ReplayableStatus | null {
    if (this.props.status === 'pending') return null;
    const previous = this.props.status;
    if (!isReplayable(previous)) throw ReplayRefusedError.forMessage(this.props.id, previous);
    this.props = {
      ...this.props,
      status: 'pending',
      attemptCount: 0,
      nextAttemptAt: null,
      failureReason: null,
      claimToken: null,
      expiresAt: this.isExpiredAt(now) ? null : this.props.expiresAt,
      replayCount: this.props.replayCount + 1,
      updatedAt: now,
    };
    return previous;
  }

  /**
   * An operator's decision about a message in doubt: the gateway has it (`sent`, at `now`, with
   * the gateway's messageId when known) or not (`failed`, the reason kept as
   * `settled by operator: <reason>`). Only an `unknown` message may be settled (NotInDoubtError
   * otherwise); its claim is dropped, so a late outcome of the lost request can no longer change it.
   * A settlement that breaks a rule (settlementViolations) is a ValidationError.
   */
  settle(settlement: Settlement, now: Date): void {
    const violations = settlementViolations(settlement);
    if (violations.length > 0) throw new ValidationError(violations);
    if (this.props.status !== 'unknown') throw new NotInDoubtError(this.props.id, this.props.status);
    const base = { ...this.props, claimToken: null, nextAttemptAt: null, updatedAt: now };
    this.props =
      settlement.outcome === 'sent'
        ? { ...base, status: 'sent', sentAt: now, gatewayMessageId: settlement.gatewayMessageId ?? null, failureReason: null }
        : { ...base, status: 'failed', failureReason: `${SETTLED_BY_OPERATOR}: ${settlement.reason}` };
  }

  private requireStatus(expected: readonly MessageStatus[], action: string): void {
    if (!expected.includes(this.props.status)) throw new IllegalTransitionError(this.props.id, this.props.status, action);
  }
}
