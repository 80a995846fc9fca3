/**
 * What a search box means for the message list, decided once for every implementation:
 * - a UUID (any case): the message of that id, or the messages the gateway gave that messageId;
 * - a phone number, once the spaces, dashes, dots and parentheses people type are taken out, in
 *   E.164 form (+ then 7 to 15 digits, as create takes it): the messages to that number;
 * - anything else: the messages whose failure reason holds the text, ignoring case. Such a text
 *   must hold 3 letters or digits in a row: the search is served by an index of trigrams
 *   (pg_trgm), which cannot serve a shorter one (PostgreSQL would read the whole table).
 * Blank text is no search.
 */

export type MessageSearch =
  | { kind: 'id'; id: string }
  | { kind: 'phone'; phoneNumber: string }
  /** A substring of the failure reason, matched ignoring case; `%`, `_` and `\` are literal. */
  | { kind: 'reason'; text: string };

/** Longest search text, in UTF-16 code units. */
export const MAX_SEARCH_LENGTH = 200;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const E164 = /^\+[1-9]\d{6,14}$/;
const PHONE_PUNCTUATION = /[\s\-.()]/g;

/** The search `q` asks for, or null for none (absent or blank). */
export function parseMessageSearch(q: string | null | undefined): MessageSearch | null {
  const text = (q ?? '').trim();
  if (text.length === 0) return null;
  if (UUID.test(text)) return { kind: 'id', id: text.toLowerCase() };
  const phone = text.replace(PHONE_PUNCTUATION, '');
  if (E164.test(phone)) return { kind: 'phone', phoneNumber: phone };
  return { kind: 'reason', text };
}

/** Three letters or digits in a row: what a trigram index needs to find a substring. */
const TRIGRAM = /[\p{L}\p{N}]{3}/u;

/** Why `q` cannot be searched for, or null when it can. */
export function searchProblem(q: string): string | null {
  if (q.length > MAX_SEARCH_LENGTH) return `q must be at most ${MAX_SEARCH_LENGTH} characters`;
  if (q.includes('\u0000')) return 'q must not contain NUL';
  const search = parseMessageSearch(q);
  if (search?.kind === 'reason' && !TRIGRAM.test(search.text)) {
    return 'q must hold 3 letters or digits in a row to search failure reasons (or be a message id, a gateway messageId or a phone number)';
  }
  return null;
}
