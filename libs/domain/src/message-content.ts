import { ValidationError } from './errors.js';

export const DEFAULT_MAX_CONTENT_LENGTH = 160;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Counts what a reader sees as one character: "ğ" (precomposed or g + combining breve) and "😀"
 * are one each, and so is a family emoji joined with ZWJ.
 */
export function countCharacters(text: string): number {
  let count = 0;
  for (const _ of graphemes.segment(text)) count += 1;
  return count;
}

/** The text of an SMS: 1 to maxLength characters, no NUL (PostgreSQL text cannot hold it). */
export class MessageContent {
  private constructor(readonly value: string) {}

  static create(text: unknown, maxLength = DEFAULT_MAX_CONTENT_LENGTH): MessageContent {
    const reason = MessageContent.problem(text, maxLength);
    if (reason) throw ValidationError.forField('content', reason);
    return new MessageContent(text as string);
  }

  /** Why `text` is not valid content, or null when it is. */
  static problem(text: unknown, maxLength = DEFAULT_MAX_CONTENT_LENGTH): string | null {
    if (typeof text !== 'string') return 'content must be a string';
    if (text.includes('\u0000')) return 'content must not contain NUL characters';
    // A lone surrogate is not text: PostgreSQL would store U+FFFD instead, changing the message.
    if (LONE_SURROGATE.test(text)) return 'content must be valid Unicode text (it holds a lone surrogate)';
    if (text.trim().length === 0) return 'content must not be empty';
    // Every character takes at least one UTF-16 unit, so text within the limit in units is within
    // it in characters: most texts skip the grapheme count (about 40 µs for 70 characters).
    if (text.length <= maxLength) return null;
    const length = countCharacters(text);
    if (length > maxLength) {
      return `content must be at most ${maxLength} characters (got ${length})`;
    }
    return null;
  }
}
