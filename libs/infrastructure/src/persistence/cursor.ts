import { InvalidCursorError } from '@app/domain';

/**
 * Opaque keyset cursors: base64url JSON of whole numbers (as strings, they may exceed 2^53),
 * tagged with the list they belong to, so that a cursor from another list, or a made-up one,
 * is refused with a 400 rather than misread. Each number is also checked against the range its
 * column can hold before it reaches a query: a forged cursor is a 400, never a SQL error.
 */
export function encodeCursor(list: string, key: string[]): string {
  return Buffer.from(JSON.stringify([list, ...key]), 'utf8').toString('base64url');
}

/** The whole numbers one part of a cursor may hold, bounds included. */
export interface CursorKeyRange {
  min: bigint;
  max: bigint;
}

/** messages.seq: a bigserial, so 1 to PostgreSQL's largest bigint. */
export const SEQ_RANGE: CursorKeyRange = { min: 1n, max: 9_223_372_036_854_775_807n };

/**
 * A timestamptz in whole microseconds since 1970, from 0001-01-01T00:00:00Z to
 * 9999-12-31T23:59:59.999999Z: the years the API takes, and any time a row can have been given.
 */
export const MICROS_RANGE: CursorKeyRange = { min: -62_135_596_800_000_000n, max: 253_402_300_799_999_999n };

const WHOLE_NUMBER = /^-?(?:0|[1-9]\d{0,18})$/;

/** The whole numbers of a cursor made by encodeCursor(list, ...), one per range, each within it. */
export function decodeCursor(list: string, cursor: string, ranges: readonly CursorKeyRange[]): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(parsed) || parsed.length !== ranges.length + 1 || parsed[0] !== list) throw new InvalidCursorError();
  const key = parsed.slice(1);
  if (!key.every((v, i) => typeof v === 'string' && WHOLE_NUMBER.test(v) && BigInt(v) >= ranges[i].min && BigInt(v) <= ranges[i].max)) {
    throw new InvalidCursorError();
  }
  return key as string[];
}
