import { type AttemptRecord, type GatewayResult, RetryPolicy } from './delivery.js';
import { IllegalTransitionError } from './errors.js';
import { MessageContent } from './message-content.js';
import { PhoneNumber } from './phone-number.js';

export const MESSAGE_STATUSES = ['pending', 'sending', 'sent', 'failed'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export const OUTCOME_UNKNOWN = 'outcome unknown';

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
  createdAt: Date;
  updatedAt: Date;
}

/**
 * An outbound SMS and its delivery state. State changes are methods that refuse illegal
 * transitions; the repository persists whatever state the methods leave behind.
 *
 *   pending --claim--> sending --accepted--> sent
 *                         |----retryable, attempts left--> pending (nextAttemptAt)
 *                         |----retryable, none left / rejected / unknown--> failed
 *   pending --invalid row--> failed
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

  markSending(now: Date): void {
    this.requireStatus('pending', 'be claimed');
    this.props = { ...this.props, status: 'sending', updatedAt: now };
  }

  /** A claimed row that breaks the rules: failed without any attempt. */
  rejectAsInvalid(reason: string, now: Date): void {
    this.requireStatus('sending', 'be rejected as invalid');
    this.props = { ...this.props, status: 'failed', failureReason: `invalid message: ${reason}`, nextAttemptAt: null, updatedAt: now };
  }

  /** Applies one gateway answer and returns the attempt to record. */
  applyDelivery(result: GatewayResult, policy: RetryPolicy, now: Date): AttemptRecord {
    this.requireStatus('sending', 'record a delivery attempt');
    const attemptNo = this.props.attemptCount + 1;
    const base = { ...this.props, attemptCount: attemptNo, updatedAt: now };
    switch (result.kind) {
      case 'accepted':
        this.props = { ...base, status: 'sent', gatewayMessageId: result.gatewayMessageId, sentAt: now, nextAttemptAt: null, failureReason: null };
        break;
      case 'retryable':
        this.props = policy.hasAttemptsLeft(attemptNo)
          ? { ...base, status: 'pending', nextAttemptAt: new Date(now.getTime() + policy.delayAfter(attemptNo, result.retryAfterMs)), failureReason: result.error }
          : { ...base, status: 'failed', nextAttemptAt: null, failureReason: `gave up after ${attemptNo} attempts: ${result.error}` };
        break;
      case 'rejected':
        this.props = { ...base, status: 'failed', nextAttemptAt: null, failureReason: result.error };
        break;
      case 'unknown':
        this.props = { ...base, status: 'failed', nextAttemptAt: null, failureReason: `${OUTCOME_UNKNOWN}: ${result.error}` };
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

  private requireStatus(expected: MessageStatus, action: string): void {
    if (this.props.status !== expected) throw new IllegalTransitionError(this.props.id, this.props.status, action);
  }
}
