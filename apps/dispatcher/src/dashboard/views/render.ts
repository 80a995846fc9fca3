import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';

/**
 * A page as HTML: preact-render-to-string escapes every text and attribute value, so data from
 * the database (message content, failure reasons) is always shown as text. No view sets
 * dangerouslySetInnerHTML.
 */
export function renderPage(page: VNode): string {
  return `<!doctype html>\n${renderToString(page)}`;
}

/** A fragment (a part of a page swapped in by htmx), escaped the same way. */
export function renderFragment(fragment: VNode): string {
  return renderToString(fragment);
}
