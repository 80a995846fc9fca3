import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type NewOperatorLogEntry, OperatorLog, type OperatorLogEntry, type OperatorLogQuery, type Page } from '@app/domain';
import { decodeCursor, encodeCursor, SEQ_RANGE } from './cursor.js';
import { OPERATOR_AUDIT_COLUMNS, type OperatorAuditRow, toOperatorLogEntry } from './operator-audit.sql.js';

/**
 * The operator log on PostgreSQL (table operator_audit, migration OperatorTools1795700000000).
 * Pages are keyset on id, newest first: the primary key serves them, operator_audit_action_idx
 * those of chosen actions. Replays and settlements are written by TypeOrmMessageRepository in
 * their own transactions; start and stop come through record().
 */
@Injectable()
export class PgOperatorLog extends OperatorLog {
  constructor(private readonly db: DataSource) {
    super();
  }

  async record(entry: NewOperatorLogEntry): Promise<OperatorLogEntry> {
    const rows: OperatorAuditRow[] = await this.db.query(
      `INSERT INTO operator_audit (source, actor, action, message_count, detail) VALUES ($1, $2, $3, $4, $5::jsonb)
       RETURNING ${OPERATOR_AUDIT_COLUMNS}`,
      [entry.actor.source, entry.actor.id, entry.action, entry.messageCount, JSON.stringify(entry.detail)],
    );
    return toOperatorLogEntry(rows[0]);
  }

  async list(query: OperatorLogQuery): Promise<Page<OperatorLogEntry>> {
    const params: unknown[] = [query.limit + 1];
    const where: string[] = [];
    if (query.actions && query.actions.length > 0) {
      params.push(query.actions);
      where.push(`action = ANY($${params.length}::text[])`);
    }
    if (query.since !== undefined) {
      params.push(query.since);
      where.push(`at >= $${params.length}`);
    }
    if (query.cursor !== undefined) {
      // Ids are a bigint identity: the range of a messages.seq.
      const [id] = decodeCursor('audit', query.cursor, [SEQ_RANGE]);
      params.push(id);
      where.push(`id < $${params.length}`);
    }
    const rows: OperatorAuditRow[] = await this.db.query(
      `SELECT ${OPERATOR_AUDIT_COLUMNS} FROM operator_audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $1`,
      params,
    );
    const items = rows.slice(0, query.limit);
    const nextCursor = rows.length > query.limit ? encodeCursor('audit', [items[items.length - 1].id]) : null;
    return { items: items.map(toOperatorLogEntry), nextCursor };
  }
}
