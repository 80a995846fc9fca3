import { OPERATOR_ACTIONS, type OperatorAction, type OperatorLogEntry } from '@app/domain';
import { detailLines } from '../audit-detail.js';
import { formatCount } from '../format.js';
import { Layout, Pager, type SignedInContext } from './layout.js';
import { Time } from './parts.js';

export interface AuditPageProps {
  ctx: SignedInContext;
  entries: OperatorLogEntry[];
  /** The actions shown; empty for all. */
  actions: OperatorAction[];
  cursor: string | undefined;
  nextCursor: string | null;
}

export const ACTION_WORDS: Record<OperatorAction, string> = {
  start: 'started sending',
  stop: 'stopped sending',
  replay: 'replayed',
  settle: 'settled by hand',
};

/** An operator log URL: the actions and the cursor in the query string. */
export function auditUrl(actions: readonly OperatorAction[], cursor?: string | null): string {
  const params = new URLSearchParams();
  for (const a of actions) params.append('action', a);
  if (cursor) params.set('cursor', cursor);
  const query = params.toString();
  return query ? `/dashboard/audit?${query}` : '/dashboard/audit';
}

/**
 * The operator log: every start, stop, replay and manual settlement, from the dashboard or the
 * API, newest first, a page at a time (ListOperatorLog's keyset), filtered by action: when, who,
 * what, how many messages, and the detail in words (escaped, like everything else).
 */
export function AuditPage({ ctx, entries, actions, cursor, nextCursor }: AuditPageProps) {
  return (
    <Layout ctx={ctx} title="Operator log" section="audit">
      <form class="filters" method="get" action="/dashboard/audit" id="audit-filter">
        <fieldset class="field">
          <legend>Actions</legend>
          {OPERATOR_ACTIONS.map((a) => (
            <span class="choice" key={a}>
              <input type="checkbox" id={`audit-action-${a}`} name="action" value={a} checked={actions.includes(a)} />
              <label for={`audit-action-${a}`}>{ACTION_WORDS[a]}</label>
            </span>
          ))}
        </fieldset>
        <button type="submit">Show</button>
        <p class="hint">
          None ticked: every action. The same log is at GET /api/v1/audit. Press <kbd>j</kbd> and <kbd>k</kbd> to move in the list.
        </p>
      </form>
      {entries.length === 0 ? (
        <p class="empty">{cursor ? 'No more entries.' : actions.length > 0 ? 'No entry of these actions yet.' : 'Nothing has been done by hand yet.'}</p>
      ) : (
        <table class="list audit" id="audit">
          <caption class="visually-hidden">Operator log, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Messages</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id} class="row" data-id={e.id} data-action={e.action} data-source={e.actor.source}>
                <td data-label="When">
                  <Time at={e.at} />
                </td>
                <td data-label="Who">
                  <code class="actor">{e.actor.id}</code>{' '}
                  <span class={`source source-${e.actor.source}`}>{e.actor.source === 'api' ? 'API' : 'dashboard'}</span>
                </td>
                <td data-label="What">{ACTION_WORDS[e.action]}</td>
                <td data-label="Messages">{formatCount(e.messageCount)}</td>
                <td data-label="Detail">
                  <Detail entry={e} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager cursor={cursor} nextCursor={nextCursor} pageUrl={(c?: string) => auditUrl(actions, c)} />
    </Layout>
  );
}

function Detail({ entry }: { entry: OperatorLogEntry }) {
  const lines = detailLines(entry.detail);
  if (lines.length === 0) return <span class="muted">—</span>;
  return (
    <dl class="detail">
      {lines.map((line) => (
        <div class="detail-line" key={line.key}>
          <dt>{line.label}</dt>
          <dd>
            {line.messageId ? (
              <a href={`/dashboard/messages/${line.messageId}`}>
                <code>{line.messageId}</code>
              </a>
            ) : (
              line.value
            )}
          </dd>
        </div>
      ))}
    </dl>
  );
}
