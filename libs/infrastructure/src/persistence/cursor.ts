import { InvalidCursorError } from '@app/domain';

/**
 * Opaque keyset cursors: base64url JSON tagged with the list they belong to, so that a cursor
 * from one list, or a made-up one, is refused with a 400 rather than misread.
 */
export function encodeCursor(list: string, key: (string | number)[]): string {
  return Buffer.from(JSON.stringify([list, ...key]), 'utf8').toString('base64url');
}

export function decodeCursor(list: string, cursor: string, shape: ('seq' | 'time')[]): (string | Date)[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(parsed) || parsed.length !== shape.length + 1 || parsed[0] !== list) throw new InvalidCursorError();
  return shape.map((kind, i) => {
    const value: unknown = parsed[i + 1];
    if (kind === 'seq' && typeof value === 'string' && /^\d{1,18}$/.test(value)) return value;
    if (kind === 'time' && typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value);
    throw new InvalidCursorError();
  });
}
