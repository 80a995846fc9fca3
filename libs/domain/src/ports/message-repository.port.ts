import type { AttemptRecord } from '../delivery.js';
import type { Message, MessageStatus } from '../message.js';

export interface NewMessage {
  phoneNumber: string;
  content: string;
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

/** Persistence of messages, in the operations the dispatcher needs and nothing more generic. */
export abstract class MessageRepository {
  abstract create(draft: NewMessage): Promise<Message>;

  abstract findById(id: string): Promise<Message | null>;

  /**
   * Takes up to `limit` due pending messages, oldest first, and marks them `sending` in one
   * committed transaction, so that no other claimer (tick, worker, replica) can take them.
   */
  abstract claimBatch(limit: number, now: Date): Promise<Message[]>;

  /** Persists the outcome of claimed messages (only rows still `sending` change) and their attempts. */
  abstract recordOutcomes(outcomes: readonly DeliveryOutcome[]): Promise<void>;

  /** Sent messages, most recently sent first. Throws InvalidCursorError for a foreign cursor. */
  abstract listSent(query: PageQuery): Promise<Page<Message>>;

  /** Messages newest first, optionally of one status. Throws InvalidCursorError for a foreign cursor. */
  abstract list(query: ListQuery): Promise<Page<Message>>;

  abstract countByStatus(): Promise<Record<MessageStatus, number>>;
}
