import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  type DeliveryOutcome,
  type ListQuery,
  type Message,
  MESSAGE_STATUSES,
  MessageRepository,
  type MessageStatus,
  type NewMessage,
  type Page,
  type PageQuery,
} from '@app/domain';
import { decodeCursor, encodeCursor } from './cursor.js';
import { MESSAGE_COLUMNS, type MessageRow, toMessage } from './message-row.mapper.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * MessageRepository on PostgreSQL through TypeORM's DataSource. Plain SQL on purpose: the claim
 * (FOR UPDATE SKIP LOCKED in one statement) and the batched outcome write (UPDATE ... FROM
 * unnest) are not expressible through the ORM's repository API, and one row mapper serves all.
 */
@Injectable()
export class TypeOrmMessageRepository extends MessageRepository {
  constructor(private readonly db: DataSource) {
    super();
  }

  async create(draft: NewMessage): Promise<Message> {
    const rows: MessageRow[] = await this.db.query(
      `INSERT INTO messages (phone_number, content) VALUES ($1, $2) RETURNING ${MESSAGE_COLUMNS}`,
      [draft.phoneNumber, draft.content],
    );
    return toMessage(rows[0]);
  }

  async findById(id: string): Promise<Message | null> {
    if (!UUID.test(id)) return null;
    const rows: MessageRow[] = await this.db.query(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = $1`, [id]);
    return rows.length > 0 ? toMessage(rows[0]) : null;
  }

  async claimBatch(limit: number, now: Date): Promise<Message[]> {
    // One statement, so one transaction: the locked rows are marked before anything is sent,
    // and a concurrent claimer skips them instead of waiting. The CTE is not inlined (it locks).
    const result: [MessageRow[], number] = await this.db.query(
      `WITH due AS (
         SELECT id FROM messages
          WHERE status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= $2)
          ORDER BY seq
          LIMIT $1
          FOR UPDATE SKIP LOCKED
       )
       UPDATE messages m SET status = 'sending', updated_at = $2
         FROM due WHERE m.id = due.id
       RETURNING ${MESSAGE_COLUMNS.split(', ').map((c) => `m.${c}`).join(', ')}`,
      [limit, now],
    );
    // For an UPDATE, TypeORM's postgres driver answers [rows, affected count].
    const [rows] = result;
    return rows.sort((a, b) => compareSeq(a.seq, b.seq)).map(toMessage);
  }

  async recordOutcomes(outcomes: readonly DeliveryOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    const states = outcomes.map((o) => o.message.toProps());
    const attempts = outcomes.flatMap((o) => (o.attempt ? [o.attempt] : []));
    await this.db.transaction(async (tx) => {
      // Only rows still in `sending` change: an outcome never overwrites a newer decision.
      await tx.query(
        `UPDATE messages m
            SET status = v.status, attempt_count = v.attempt_count, next_attempt_at = v.next_attempt_at,
                gateway_message_id = v.gateway_message_id, sent_at = v.sent_at,
                failure_reason = v.failure_reason, updated_at = v.updated_at
           FROM unnest($1::uuid[], $2::text[], $3::int[], $4::timestamptz[], $5::text[], $6::timestamptz[], $7::text[], $8::timestamptz[])
                AS v(id, status, attempt_count, next_attempt_at, gateway_message_id, sent_at, failure_reason, updated_at)
          WHERE m.id = v.id AND m.status = 'sending'`,
        [
          states.map((s) => s.id),
          states.map((s) => s.status),
          states.map((s) => s.attemptCount),
          states.map((s) => s.nextAttemptAt),
          states.map((s) => s.gatewayMessageId),
          states.map((s) => s.sentAt),
          states.map((s) => s.failureReason),
          states.map((s) => s.updatedAt),
        ],
      );
      if (attempts.length === 0) return;
      await tx.query(
        `INSERT INTO message_attempts (message_id, attempt_no, at, status_code, outcome, error, latency_ms)
         SELECT * FROM unnest($1::uuid[], $2::int[], $3::timestamptz[], $4::int[], $5::text[], $6::text[], $7::int[])`,
        [
          attempts.map((a) => a.messageId),
          attempts.map((a) => a.attemptNo),
          attempts.map((a) => a.at),
          attempts.map((a) => a.statusCode),
          attempts.map((a) => a.outcome),
          attempts.map((a) => a.error),
          attempts.map((a) => a.latencyMs),
        ],
      );
    });
  }

  async listSent(query: PageQuery): Promise<Page<Message>> {
    // The cursor carries sent_at in whole microseconds, exactly as PostgreSQL stores it, so no
    // row is skipped or repeated between pages whatever wrote sent_at.
    const params: unknown[] = [query.limit + 1];
    let after = '';
    if (query.cursor !== undefined) {
      const [sentMicros, seq] = decodeCursor('sent', query.cursor, 2);
      params.push(sentMicros, seq);
      after = `AND (sent_at, seq) < ('epoch'::timestamptz + $2::bigint * interval '1 microsecond', $3)`;
    }
    const rows: (MessageRow & { sent_us: string })[] = await this.db.query(
      `SELECT ${MESSAGE_COLUMNS}, (extract(epoch FROM sent_at) * 1000000)::bigint AS sent_us
         FROM messages WHERE status = 'sent' ${after}
        ORDER BY sent_at DESC, seq DESC LIMIT $1`,
      params,
    );
    return page(rows, query.limit, (last) => encodeCursor('sent', [last.sent_us, last.seq]));
  }

  async list(query: ListQuery): Promise<Page<Message>> {
    const params: unknown[] = [query.limit + 1];
    const where: string[] = [];
    if (query.status !== undefined) {
      params.push(query.status);
      where.push(`status = $${params.length}`);
    }
    if (query.cursor !== undefined) {
      const [seq] = decodeCursor('all', query.cursor, 1);
      params.push(seq);
      where.push(`seq < $${params.length}`);
    }
    const rows: MessageRow[] = await this.db.query(
      `SELECT ${MESSAGE_COLUMNS} FROM messages ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY seq DESC LIMIT $1`,
      params,
    );
    return page(rows, query.limit, (last) => encodeCursor('all', [last.seq]));
  }

  async countByStatus(): Promise<Record<MessageStatus, number>> {
    const rows: { status: MessageStatus; count: number }[] = await this.db.query(
      `SELECT status, count(*)::int AS count FROM messages GROUP BY status`,
    );
    const counts = Object.fromEntries(MESSAGE_STATUSES.map((s) => [s, 0])) as Record<MessageStatus, number>;
    for (const row of rows) counts[row.status] = row.count;
    return counts;
  }
}

function page<R extends MessageRow>(rows: R[], limit: number, cursorOf: (last: R) => string): Page<Message> {
  const items = rows.slice(0, limit);
  const nextCursor = rows.length > limit ? cursorOf(items[items.length - 1]) : null;
  return { items: items.map(toMessage), nextCursor };
}

function compareSeq(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
