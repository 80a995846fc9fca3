import type { OperatorLogDetail } from '@app/domain';

/**
 * An operator log entry's detail (free-form JSON: a replay's filter, a settlement's outcome and
 * reason, the message id) as lines people read: `label: value`, keys in the order written, values
 * as text (lists joined, objects as JSON), each cut to a readable length. The views escape them.
 */
export interface DetailLine {
  key: string;
  label: string;
  value: string;
  /** A message id: the view links it to the message's page. */
  messageId?: string;
}

const LABELS: Record<string, string> = {
  messageId: 'message',
  statuses: 'states',
  status: 'states',
  from: 'from',
  to: 'until',
  outcome: 'outcome',
  reason: 'reason',
  gatewayMessageId: 'gateway messageId',
  previewToken: 'preview token',
  previousStatus: 'was',
  dryRun: 'dry run',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const MAX_DETAIL_VALUE = 300;

function text(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) return value.join(', ');
  return JSON.stringify(value);
}

function cut(value: string): string {
  const chars = [...value];
  return chars.length <= MAX_DETAIL_VALUE ? value : `${chars.slice(0, MAX_DETAIL_VALUE - 1).join('')}…`;
}

/** The lines of a detail; none for an empty one. Keys without a value (null) are left out. */
export function detailLines(detail: OperatorLogDetail | null | undefined): DetailLine[] {
  if (detail === null || detail === undefined || typeof detail !== 'object') return [];
  return Object.entries(detail)
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([key, value]) => {
      const line: DetailLine = { key, label: LABELS[key] ?? key, value: cut(text(value)) };
      if (key === 'messageId' && typeof value === 'string' && UUID.test(value)) line.messageId = value.toLowerCase();
      return line;
    });
}
