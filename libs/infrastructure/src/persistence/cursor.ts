import { InvalidCursorError } from '@app/domain';

/**
 * Opaque keyset cursors: base64url JSON of whole numbers (as strings, they may exceed 2^53),
 * tagged with the list they belong to, so that a cursor from another list, or a made-up one,
 * is refused with a 400 rather than misread.
 */
export function encodeCursor(list: string, key: string[]): string {
  return Buffer.from(JSON.stringify([list, ...key]), 'utf8').toString('base64url');
}

/** The `size` whole numbers of a cursor made by encodeCursor(list, ...). */
export function decodeCursor(list: string, cursor: string, size: number): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(parsed) || parsed.length !== size + 1 || parsed[0] !== list) throw new InvalidCursorError();
  const key = parsed.slice(1);
  if (!key.every((v): v is string => typeof v === 'string' && /^-?\d{1,19}$/.test(v))) throw new InvalidCursorError();
  return key;
}
