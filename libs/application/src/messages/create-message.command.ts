export interface CreateMessageCommand {
  phoneNumber: string;
  content: string;
  /** Not before (ISO-8601 parsed by the caller). */
  sendAfter?: Date | null;
  /** Not after: an expired message is never sent. */
  expiresAt?: Date | null;
  /** The client's Idempotency-Key header, if any. */
  idempotencyKey?: string | null;
}
