import { type Message, MESSAGE_STATUSES, type MessageStatus } from '@app/domain';
import { maskPhone, truncate } from '../format.js';
import { Layout, type PageContext } from './layout.js';
import { Notice, StateBadge, Time } from './parts.js';

export interface MessagesPageProps {
  ctx: PageContext;
  items: Message[];
  status: MessageStatus | undefined;
  q: string;
  /** The cursor of this page (absent on the first). */
  cursor: string | undefined;
  nextCursor: string | null;
  notice?: string;
}

/** A list URL: the filters and the cursor live in the query string, so a view can be pasted into a chat. */
export function listUrl(status: MessageStatus | undefined, cursor?: string | null): string {
  const params = new URLSearchParams();
  if (status) params.set('status', status);
  if (cursor) params.set('cursor', cursor);
  const query = params.toString();
  return query ? `/dashboard/messages?${query}` : '/dashboard/messages';
}

/** The messages list: newest first, a page at a time (ListMessages' keyset cursor), phone numbers masked. */
export function MessagesPage({ ctx, items, status, q, cursor, nextCursor, notice }: MessagesPageProps) {
  return (
    <Layout ctx={ctx} title={status ? `Messages: ${status}` : 'Messages'} section="messages" ownSearch>
      {notice && <Notice>{notice}</Notice>}
      <form class="filters" role="search" method="get" action="/dashboard/messages">
        <div class="field">
          <label for="status">State</label>
          <select id="status" name="status">
            <option value="" selected={!status}>
              any
            </option>
            {MESSAGE_STATUSES.map((s) => (
              <option key={s} value={s} selected={s === status}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="search">Search</label>
          <input id="search" name="q" type="search" value={q} placeholder="Message id" autocomplete="off" aria-describedby="search-hint" />
        </div>
        <button type="submit">Show</button>
        <p id="search-hint" class="hint">
          Search finds a message by its id. Press <kbd>/</kbd> to search, <kbd>j</kbd> and <kbd>k</kbd> to move in the list.
        </p>
      </form>
      {items.length === 0 ? (
        <p class="empty">{cursor ? 'No more messages.' : status ? `No ${status} messages.` : 'No messages yet.'}</p>
      ) : (
        <table class="list messages">
          <caption class="visually-hidden">Messages, newest first{status ? `, ${status} only` : ''}</caption>
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
      <nav class="pager" aria-label="Pages">
        {cursor && <a href={listUrl(status)}>First page</a>}
        {nextCursor && (
          <a href={listUrl(status, nextCursor)} rel="next">
            Next page
          </a>
        )}
      </nav>
    </Layout>
  );
}
