import { MESSAGE_STATUSES, type MessageStatus, OPERATOR_ACTIONS, type OperatorAction, REPLAYABLE_STATUSES, type ReplayableStatus } from '@app/domain';
import { DashboardPageError } from './dashboard-errors.js';

/**
 * Reading the dashboard's query strings and form fields: every view is a URL, so these values come
 * from links people paste. Pure functions; a value that cannot be read is a 400 page
 * (DashboardPageError) naming the field, never a 500.
 */

/** One value of a query parameter or form field (the first when it is repeated), or undefined. */
export function single(value: unknown): string | undefined {
  if (Array.isArray(value)) return single(value[0]);
  return typeof value === 'string' ? value : undefined;
}

/** Every value of a repeated parameter (`status=failed&status=unknown`), strings only. */
export function many(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}

/** A message state from the query string, or undefined when absent or blank. */
export function parseStatus(value: string | undefined): MessageStatus | undefined {
  if (value === undefined || value === '') return undefined;
  if ((MESSAGE_STATUSES as readonly string[]).includes(value)) return value as MessageStatus;
  throw new DashboardPageError(400, 'Bad request', `“${value.slice(0, 40)}” is not a message state (${MESSAGE_STATUSES.join(', ')}).`);
}

/** Cursors the use cases make are far shorter; a longer one is refused before it is decoded (as the API does). */
export const MAX_CURSOR_LENGTH = 512;

/** A keyset cursor from the query string, or undefined on the first page. */
export function parseCursor(value: unknown): string | undefined {
  const cursor = single(value) || undefined;
  if (cursor !== undefined && cursor.length > MAX_CURSOR_LENGTH) throw badCursor();
  return cursor;
}

/** The page for a cursor a use case refused (InvalidCursorError) or one too long to be ours. */
export function badCursor(): DashboardPageError {
  return new DashboardPageError(400, 'Bad request', 'This page link is not valid any more; start again from the first page.');
}

/**
 * Date-time inputs. The dashboard writes every time in UTC (formatTime), so the time range fields
 * are in UTC too, and say so: a `datetime-local` input sends `2026-11-22T10:05` (no zone), read
 * here as 10:05 UTC, whatever the browser's time zone; the page shows the same value back. A link
 * may also carry a full ISO 8601 time with its offset (`2026-11-22T13:05+03:00`, `...Z`), read
 * with that offset, or a bare date (midnight UTC). Anything else, or a day that does not exist
 * (2026-02-30), is refused.
 */
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?$/;
const ZONED = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/i;

/** A UTC date-time from a form field or link: a Date, null when blank, or 'invalid'. */
export function parseUtcDateTime(value: string | undefined): Date | null | 'invalid' {
  const text = (value ?? '').trim();
  if (text === '') return null;
  const local = LOCAL.exec(text);
  const zoned = local ? null : ZONED.exec(text);
  const parts = local ?? zoned;
  if (!parts) return 'invalid';
  const [year, month, day, hour = 0, minute = 0, second = 0] = parts.slice(1, 7).map((p) => (p === undefined ? undefined : Number(p))) as number[];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return 'invalid';
  if (local) {
    const ms = Number((parts[7] ?? '0').padEnd(3, '0'));
    return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms));
  }
  const offset = parts[8].toUpperCase();
  if (offset !== 'Z') {
    const [oh, om] = offset.slice(1).split(':').map(Number);
    if (oh > 23 || om > 59) return 'invalid';
  }
  const at = new Date(text.toUpperCase());
  return Number.isNaN(at.getTime()) ? 'invalid' : at;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The value a `datetime-local` input shows for a UTC time: minutes, or seconds when it has some. */
export function dateTimeInputValue(at: Date | null): string {
  if (at === null) return '';
  const iso = at.toISOString();
  return at.getUTCSeconds() === 0 && at.getUTCMilliseconds() === 0 ? iso.slice(0, 16) : iso.slice(0, 19);
}

/** A time range from the query string: both ends, or the fields that could not be read. */
export interface TimeRange {
  from: Date | null;
  to: Date | null;
  /** Human sentences, one per field that is not a time. */
  problems: string[];
}

/** `from` and `to` of a query (UTC, see parseUtcDateTime); unreadable ones are named in `problems`. */
export function parseTimeRange(query: Record<string, unknown>): TimeRange {
  const problems: string[] = [];
  const read = (field: 'from' | 'to', label: string): Date | null => {
    const raw = single(query[field]);
    const at = parseUtcDateTime(raw);
    if (at === 'invalid') {
      problems.push(`“${(raw ?? '').slice(0, 40)}” is not a time for “${label}”: use the picker, or write 2026-11-22T10:05 (UTC).`);
      return null;
    }
    return at;
  };
  const from = read('from', 'from');
  const to = read('to', 'until');
  return { from, to, problems };
}

/** A positive whole number from the query string (a count in a notice), or undefined. */
export function parseCount(value: unknown): number | undefined {
  const text = single(value);
  if (text === undefined || !/^\d{1,9}$/.test(text)) return undefined;
  return Number(text);
}

/** A replay filter from a query string or a form: the form, or the sentences saying what is wrong. */
export function parseReplayForm(input: Record<string, unknown>): {
  form: { statuses: ReplayableStatus[]; from: Date | null; to: Date | null };
  problems: string[];
  rawTimes: { from?: string; to?: string };
} {
  const problems: string[] = [];
  const statuses: ReplayableStatus[] = [];
  for (const value of many(input.status)) {
    if ((REPLAYABLE_STATUSES as readonly string[]).includes(value)) {
      if (!statuses.includes(value as ReplayableStatus)) statuses.push(value as ReplayableStatus);
    } else {
      problems.push(`“${value.slice(0, 40)}” cannot be replayed: only ${REPLAYABLE_STATUSES.join(', ')} messages can (the others could be sent twice).`);
    }
  }
  const range = parseTimeRange(input);
  problems.push(...range.problems);
  return {
    form: { statuses: REPLAYABLE_STATUSES.filter((s) => statuses.includes(s)), from: range.from, to: range.to },
    problems,
    rawTimes: { from: single(input.from), to: single(input.to) },
  };
}

/** The actions of ?action=... (repeatable), in the log's order; an unknown one is a 400 page. */
export function parseActions(value: unknown): OperatorAction[] {
  const asked = many(value).filter((a) => a !== '');
  for (const a of asked) {
    if (!(OPERATOR_ACTIONS as readonly string[]).includes(a)) {
      throw new DashboardPageError(400, 'Bad request', `“${a.slice(0, 40)}” is not an action of the operator log (${OPERATOR_ACTIONS.join(', ')}).`);
    }
  }
  return OPERATOR_ACTIONS.filter((a) => asked.includes(a));
}
