import type { FieldViolation } from '@app/domain';
import type { MessageFields } from './new-message-rules.js';

/** Most messages one batch create may hold. */
export const MAX_BATCH_MESSAGES = 1000;

/**
 * One item of a batch: the fields of its message, or (`rejected`) why its shape was refused
 * before any rule could run (a field of the wrong type, an unknown field), named as in a single
 * create.
 */
export type CreateMessagesItem = MessageFields | { rejected: FieldViolation[] };

export interface CreateMessagesCommand {
  /** 1 to MAX_BATCH_MESSAGES items, in request order. */
  items: readonly CreateMessagesItem[];
  /** All or none: one bad item refuses the whole batch, and nothing is created. */
  atomic: boolean;
  /** The client's Idempotency-Key header, if any: it covers the whole batch. */
  idempotencyKey?: string | null;
}
