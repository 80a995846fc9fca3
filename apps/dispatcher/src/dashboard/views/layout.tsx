import type { ComponentChildren } from 'preact';
import type { AssetUrls } from '../dashboard-assets.js';
import type { DashboardSession } from '../session/dashboard-sessions.js';
import { formatCount } from '../format.js';
import { CsrfField } from './parts.js';

/**
 * htmx's settings under the dashboard's Content-Security-Policy: no inline <style> for its
 * indicators, no eval (trigger filters, hx-vars, hx-on stay off), no <script> from swapped
 * content, requests only to this origin, no page snapshots in localStorage (they would hold
 * message contents and phone numbers).
 */
export const HTMX_CONFIG = {
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  selfRequestsOnly: true,
  historyCacheSize: 0,
  refreshOnHistoryMiss: true,
};

export type Section = 'overview' | 'messages' | 'in-doubt' | 'replay' | 'audit';

/** What every page needs besides its own data. */
export interface PageContext {
  assets: AssetUrls;
  /** Null on the sign-in page and on errors before sign-in. */
  session: DashboardSession | null;
  /** Messages in doubt (`unknown`), for the navigation's badge; left out on error pages. */
  inDoubt?: number;
}

/** A page behind the sign-in: it has a session. */
export type SignedInContext = PageContext & { session: DashboardSession };

const NAV: { section: Section; href: string; label: string }[] = [
  { section: 'overview', href: '/dashboard', label: 'Overview' },
  { section: 'messages', href: '/dashboard/messages', label: 'Messages' },
  { section: 'in-doubt', href: '/dashboard/in-doubt', label: 'In doubt' },
  { section: 'replay', href: '/dashboard/replay', label: 'Replay' },
  { section: 'audit', href: '/dashboard/audit', label: 'Operator log' },
];

interface LayoutProps {
  ctx: PageContext;
  title: string;
  section?: Section;
  /** The page has its own search box (the messages list): the header leaves its out. */
  ownSearch?: boolean;
  /** The page draws a chart: uPlot's script and stylesheet are linked. */
  chart?: boolean;
  children: ComponentChildren;
}

/** Every page: head with the assets, header with navigation, search and sign-out, the shortcuts dialog. */
export function Layout({ ctx, title, section, ownSearch = false, chart = false, children }: LayoutProps) {
  const session = ctx.session;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <meta name="referrer" content="same-origin" />
        <meta name="htmx-config" content={JSON.stringify(HTMX_CONFIG)} />
        <title>{`${title} · Message dispatcher`}</title>
        <link rel="icon" href="data:," />
        {chart && <link rel="stylesheet" href={ctx.assets.uplotCss} />}
        <link rel="stylesheet" href={ctx.assets.css} />
        <script src={ctx.assets.htmx} defer></script>
        {chart && <script src={ctx.assets.uplotJs} defer></script>}
        <script src={ctx.assets.js} defer></script>
      </head>
      <body>
        <a class="skip-link" href="#main">
          Skip to content
        </a>
        <header class="site-header">
          <p class="brand">
            <a href="/dashboard">Message dispatcher</a>
          </p>
          {session && (
            <nav aria-label="Main">
              <ul>
                {NAV.map((item) => (
                  <li key={item.section}>
                    <a id={`nav-${item.section}`} href={item.href} aria-current={item.section === section ? 'page' : undefined}>
                      {item.label}
                      {item.section === 'in-doubt' && ctx.inDoubt !== undefined && <InDoubtBadge count={ctx.inDoubt} />}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          )}
          {session && !ownSearch && (
            <form class="header-search" role="search" method="get" action="/dashboard/messages">
              <label for="search">Search messages</label>
              <input id="search" name="q" type="search" placeholder="Id, messageId, phone or reason" autocomplete="off" />
              <button type="submit">Search</button>
            </form>
          )}
          {session && (
            <form class="sign-out" method="post" action="/dashboard/logout">
              <CsrfField token={session.csrfToken} />
              <span class="who" title="This session's label, recorded with what it does">
                {session.label}
              </span>
              <button type="submit">Sign out</button>
            </form>
          )}
        </header>
        <main id="main" tabindex={-1}>
          <h1>{title}</h1>
          {children}
        </main>
        {session && <ShortcutsDialog />}
      </body>
    </html>
  );
}

/** How many messages are in doubt, beside "In doubt" in the navigation. */
function InDoubtBadge({ count }: { count: number }) {
  return (
    <span class={count > 0 ? 'nav-count attention' : 'nav-count'} data-nav-count="unknown" data-value={count}>
      {formatCount(count)}
      <span class="visually-hidden"> {count === 1 ? 'message' : 'messages'}</span>
    </span>
  );
}

/** The keyboard shortcuts, opened with `?` (dashboard.mjs). */
function ShortcutsDialog() {
  return (
    <dialog id="shortcuts" aria-labelledby="shortcuts-title">
      <h2 id="shortcuts-title">Keyboard shortcuts</h2>
      <dl class="shortcuts">
        <dt>
          <kbd>/</kbd>
        </dt>
        <dd>Focus the search box</dd>
        <dt>
          <kbd>j</kbd> / <kbd>k</kbd>
        </dt>
        <dd>Next / previous row of a list</dd>
        <dt>
          <kbd>Enter</kbd>
        </dt>
        <dd>Open the selected row</dd>
        <dt>
          <kbd>?</kbd>
        </dt>
        <dd>Show this list</dd>
        <dt>
          <kbd>Esc</kbd>
        </dt>
        <dd>Close it</dd>
      </dl>
      <button type="button" data-close-dialog="">
        Close
      </button>
    </dialog>
  );
}

/** Keyset paging under a list: back to the first page when on a later one, and the next page when there is one. */
export function Pager({ cursor, nextCursor, pageUrl }: { cursor?: string | null; nextCursor: string | null; pageUrl: (cursor?: string) => string }) {
  return (
    <nav class="pager" aria-label="Pages">
      {cursor && <a href={pageUrl()}>First page</a>}
      {nextCursor && (
        <a href={pageUrl(nextCursor)} rel="next">
          Next page
        </a>
      )}
    </nav>
  );
}
