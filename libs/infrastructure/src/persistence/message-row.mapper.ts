import { Message, type MessageStatus } from '@app/domain';

/** A messages row as PostgreSQL returns it. */
export interface MessageRow {
  id: string;
  seq: string;
  phone_number: string;
  content: string;
  status: MessageStatus;
  attempt_count: number;
  next_attempt_at: Date | null;
  gateway_message_id: string | null;
  sent_at: Date | null;
  failure_reason: string | null;
  send_after: Date | null;
  expires_at: Date | null;
  priority: number;
  replay_count: number;
  claim_token: string | null;
  request_started_at: Date | null;
  request_hash: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = [
  'id',
  'seq',
  'phone_number',
  'content',
  'status',
  'attempt_count',
  'next_attempt_at',
  'gateway_message_id',
  'sent_at',
  'failure_reason',
  'send_after',
  'expires_at',
  'priority',
  'replay_count',
  'claim_token',
  'request_started_at',
  'request_hash',
  'created_at',
  'updated_at',
];

export const MESSAGE_COLUMNS = COLUMNS.join(', ');

/** The columns qualified with a table alias, for statements that join or use FROM. */
export function messageColumnsOf(alias: string): string {
  return COLUMNS.map((c) => `${alias}.${c}`).join(', ');
}

export function toMessage(row: MessageRow): Message {
  return Message.restore({
    id: row.id,
    phoneNumber: row.phone_number,
    content: row.content,
    status: row.status,
    attemptCount: row.attempt_count,
    nextAttemptAt: row.next_attempt_at,
    gatewayMessageId: row.gateway_message_id,
    sentAt: row.sent_at,
    failureReason: row.failure_reason,
    sendAfter: row.send_after,
    expiresAt: row.expires_at,
    priority: row.priority,
    replayCount: row.replay_count,
    claimToken: row.claim_token,
    requestStartedAt: row.request_started_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}
