export interface CreateMessageCommand {
  phoneNumber: string;
  content: string;
  /** Not before (ISO-8601 parsed by the caller). */
  sendAfter?: Date | null;
  /** Not after: an expired message is never sent. */
  expiresAt?: Date | null;
  /** Higher goes first (MIN_PRIORITY to MAX_PRIORITY); DEFAULT_PRIORITY (0) when left out. */
  priority?: number | null;
  /** The client's Idempotency-Key header, if any. */
  idempotencyKey?: string | null;
}
