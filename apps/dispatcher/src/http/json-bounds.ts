/**
 * Bounds on the shape of a JSON body, checked on its raw UTF-8 bytes before JSON.parse,
 * class-transformer or class-validator see it: those recurse once per nesting level (a 20 KB
 * array nested 5,000 deep overflowed the stack) and work once per key. One pass, no allocation.
 */

export interface JsonBounds {
  /** Most `[` / `{` open at once; the top-level object or array is level 1. */
  maxDepth: number;
  /** Most object keys in the whole body, all levels together. */
  maxKeys: number;
}

export type JsonBoundViolation = 'depth' | 'keys';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;

/**
 * The first bound a UTF-8 JSON text breaks, or null. Brackets and colons inside strings don't
 * count (in UTF-8 no byte of a multi-byte character is below 0x80, so ASCII bytes mean what they
 * say); outside strings a colon only ever follows a key. Text that is not JSON is not judged
 * here: JSON.parse refuses it after (it parses iteratively, so depth alone cannot hurt it).
 */
export function findJsonBoundViolation(bytes: Uint8Array, bounds: JsonBounds): JsonBoundViolation | null {
  let depth = 0;
  let keys = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i += 1) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i += 1;
      else if (byte === QUOTE) inString = false;
      continue;
    }
    switch (byte) {
      case QUOTE:
        inString = true;
        break;
      case OPEN_BRACE:
      case OPEN_BRACKET:
        depth += 1;
        if (depth > bounds.maxDepth) return 'depth';
        break;
      case CLOSE_BRACE:
      case CLOSE_BRACKET:
        depth -= 1;
        break;
      case COLON:
        keys += 1;
        if (keys > bounds.maxKeys) return 'keys';
        break;
      default:
        break;
    }
  }
  return null;
}
