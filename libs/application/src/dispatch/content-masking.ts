/**
 * Message contents never reach logs or alerts. A gateway may echo the message in its error
 * answer (many real ones do), so errors are masked before they leave the dispatch path.
 */

/** Shorter contents ("ok", "1") would mask ordinary words of an error, and reveal nothing. */
const MIN_MASKED_LENGTH = 3;

/** `text` with every occurrence of the message's content (and its JSON-escaped form) masked. */
export function withoutContent(text: string, content: string): string {
  let masked = text;
  for (const form of new Set([content, JSON.stringify(content).slice(1, -1)])) {
    if (form.trim().length >= MIN_MASKED_LENGTH) masked = masked.split(form).join('[content]');
  }
  return masked;
}
