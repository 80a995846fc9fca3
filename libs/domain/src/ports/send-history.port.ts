/** Messages that became `sent` within one minute (by their sentAt, in UTC). */
export interface SentInMinute {
  /** The minute's start. */
  minute: Date;
  sent: number;
}

/**
 * How many messages went out per minute, from counts the database keeps as messages become sent
 * (a statement-level trigger): reading it never scans the messages table.
 */
export abstract class SendHistory {
  /** The minutes from `from` (inclusive) to `to` (exclusive) that had sends, oldest first; minutes without any are left out. */
  abstract sentPerMinute(from: Date, to: Date): Promise<SentInMinute[]>;
}
