import { type Message, MESSAGE_STATUSES, type MessageStatus } from '@app/domain';
import { maskPhone, maskPhonesIn, truncate } from '../format.js';
import { dateTimeInputValue } from '../query-params.js';
import { Layout, Pager, type PageContext } from './layout.js';
import { Notice, StateBadge, Time } from './parts.js';

/** The list's filters, as the query string carries them. */
export interface MessageFilters {
  status?: MessageStatus;
  /** The search text (trimmed), '' for none. */
  q: string;
  /** Created at or after (UTC). */
  from: Date | null;
  /** Created before (UTC). */
  to: Date | null;
}

export const NO_FILTERS: MessageFilters = { q: '', from: null, to: null };

export interface MessagesPageProps {
  ctx: PageContext;
  items: Message[];
  filters: MessageFilters;
  /** The cursor of this page (absent on the first). */
  cursor: string | undefined;
  nextCursor: string | null;
  notice?: string;
  /** Why the filters could not be used (a 400): the list is not shown. */
  problems?: string[];
  /** What the time fields held when they could not be read, to show them again. */
  rawTimes?: { from?: string; to?: string };
}

/**
 * A list URL: the filters and the cursor live in the query string, so a view can be pasted into a
 * chat. Times are written as the inputs show them (UTC, see parseUtcDateTime). The first argument
 * may be a state alone (the links of the overview's counts).
 */
export function listUrl(filters: MessageFilters | MessageStatus | undefined, cursor?: string | null): string {
  const f: MessageFilters = typeof filters === 'object' ? filters : { ...NO_FILTERS, status: filters };
  const params = new URLSearchParams();
  if (f.status) params.set('status', f.status);
  if (f.q) params.set('q', f.q);
  if (f.from) params.set('from', dateTimeInputValue(f.from));
  if (f.to) params.set('to', dateTimeInputValue(f.to));
  if (cursor) params.set('cursor', cursor);
  const query = params.toString();
  return query ? `/dashboard/messages?${query}` : '/dashboard/messages';
}

function isFiltered(f: MessageFilters): boolean {
  return f.status !== undefined || f.q !== '' || f.from !== null || f.to !== null;
}

function emptyText(f: MessageFilters, cursor: string | undefined): string {
  if (cursor) return 'No more messages.';
  if (f.q !== '' || f.from !== null || f.to !== null) return 'No message matches these filters.';
  return f.status ? `No ${f.status} messages.` : 'No messages yet.';
}

/**
 * The messages list: newest first, a page at a time (ListMessages' keyset cursor, the filters kept
 * in the page links), phone numbers masked; filters by state, server-side search and a time range
 * on the creation time (UTC).
 */
export function MessagesPage({ ctx, items, filters, cursor, nextCursor, notice, problems, rawTimes }: MessagesPageProps) {
  const f = filters;
  return (
    <Layout ctx={ctx} title={f.status ? `Messages: ${f.status}` : 'Messages'} section="messages" ownSearch>
      {notice && <Notice>{notice}</Notice>}
      {problems && problems.length > 0 && (
        <div class="notice notice-error" role="alert" id="filter-error">
          {problems.map((p, i) => (
            <p key={i}>{p}</p>
          ))}
        </div>
      )}
      <form class="filters" role="search" method="get" action="/dashboard/messages">
        <div class="field">
          <label for="status">State</label>
          <select id="status" name="status">
            <option value="" selected={!f.status}>
              any
            </option>
            {MESSAGE_STATUSES.map((s) => (
              <option key={s} value={s} selected={s === f.status}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div class="field field-wide">
          <label for="search">Search</label>
          <input
            id="search"
            name="q"
            type="search"
            value={f.q}
            placeholder="Id, messageId, phone or reason"
            autocomplete="off"
            aria-describedby="search-hint"
            maxlength={200}
          />
        </div>
        <div class="field">
          <label for="from">Created from (UTC)</label>
          <input id="from" name="from" type="datetime-local" step={1} value={rawTimes?.from ?? dateTimeInputValue(f.from)} aria-describedby="time-hint" />
        </div>
        <div class="field">
          <label for="to">Created before (UTC)</label>
          <input id="to" name="to" type="datetime-local" step={1} value={rawTimes?.to ?? dateTimeInputValue(f.to)} aria-describedby="time-hint" />
        </div>
        <button type="submit">Show</button>
        {isFiltered(f) && (
          <a class="button-link" href="/dashboard/messages" id="clear-filters">
            Clear
          </a>
        )}
        <p id="search-hint" class="hint">
          Search takes a message id or the gateway’s messageId (a UUID), a phone number (with + and the country code), or words of the failure reason (3 letters
          or digits in a row at least). Press <kbd>/</kbd> to search, <kbd>j</kbd> and <kbd>k</kbd> to move in the list.
        </p>
        <p id="time-hint" class="hint">
          Times are UTC, as everywhere on this dashboard: “from” is included, “before” is not.
        </p>
      </form>
      {problems && problems.length > 0 ? null : items.length === 0 ? (
        <p class="empty">{emptyText(f, cursor)}</p>
      ) : (
        <table class="list messages">
          <caption class="visually-hidden">Messages, newest first{f.status ? `, ${f.status} only` : ''}</caption>
          <thead>
            <tr>
              <th scope="col">Message</th>
              <th scope="col">State</th>
              <th scope="col">Phone</th>
              <th scope="col">Content</th>
              <th scope="col">Attempts</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {items.map((m) => (
              <tr key={m.id} class="row" data-id={m.id}>
                <td data-label="Message">
                  <a class="row-link" href={`/dashboard/messages/${m.id}`} aria-label={`Message ${m.id}`}>
                    <code>{m.id.slice(0, 8)}</code>
                  </a>
                </td>
                <td data-label="State">
                  <StateBadge state={m.status} />
                </td>
                <td data-label="Phone">
                  <span class="phone">{maskPhone(m.phoneNumber)}</span>
                </td>
                <td data-label="Content" class="content-cell">
                  {truncate(m.content, 80)}
                  {m.failureReason && <span class="reason-cell">{truncate(maskPhonesIn(m.failureReason), 120)}</span>}
                </td>
                <td data-label="Attempts">{m.attemptCount}</td>
                <td data-label="Created">
                  <Time at={m.createdAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager cursor={cursor} nextCursor={nextCursor} pageUrl={(c?: string) => listUrl(f, c)} />
    </Layout>
  );
}
