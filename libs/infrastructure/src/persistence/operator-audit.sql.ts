import type { Actor, OperatorAction, OperatorLogEntry } from '@app/domain';

/** An operator_audit row as PostgreSQL returns it. */
export interface OperatorAuditRow {
  id: string;
  at: Date;
  source: Actor['source'];
  actor: string;
  action: OperatorAction;
  message_count: number;
  detail: Record<string, unknown>;
}

export const OPERATOR_AUDIT_COLUMNS = 'id, at, source, actor, action, message_count, detail';

export function toOperatorLogEntry(row: OperatorAuditRow): OperatorLogEntry {
  return {
    id: Number(row.id),
    at: row.at,
    actor: { source: row.source, id: row.actor },
    action: row.action,
    messageCount: row.message_count,
    detail: row.detail,
  };
}
