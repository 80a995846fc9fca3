import type { ReplayPreview } from '@app/application';
import { REPLAYABLE_STATUSES, type ReplayableStatus } from '@app/domain';
import { formatCount, formatDuration, maskPhonesIn } from '../format.js';
import { dateTimeInputValue } from '../query-params.js';
import { Layout, type SignedInContext } from './layout.js';
import { CsrfField, Notice, StateBadge } from './parts.js';

/** The filter of a bulk replay, as the form and the query string carry it. */
export interface ReplayForm {
  statuses: ReplayableStatus[];
  /** Reached their state at or after (UTC). */
  from: Date | null;
  /** Reached their state before (UTC). */
  to: Date | null;
}

/** The current cadence, for the drain time in words. */
export interface Cadence {
  batchSize: number;
  intervalMs: number;
}

export interface ReplayPageProps {
  ctx: SignedInContext;
  form: ReplayForm;
  /** The preview of the form's filter, when one was asked for. */
  preview?: ReplayPreview;
  cadence: Cadence;
  /** After a confirmed replay: how many were replayed. */
  replayed?: number;
  /** The set changed between the preview and the confirmation: nothing was replayed; `preview` is the new one. */
  changed?: boolean;
  /** Why the filter could not be used (a 400). */
  problems?: string[];
  /** What the time fields held when they could not be read. */
  rawTimes?: { from?: string; to?: string };
}

const STATE_WORDS: Record<ReplayableStatus, string> = {
  failed: 'failed: the gateway refused them, or attempts ran out',
  unknown: 'unknown: in doubt, the gateway may have them',
  expired: 'expired: their deadline passed before they were sent',
};

/** A replay page URL for a filter: the preview of a filter is a link too. */
export function replayUrl(form: ReplayForm): string {
  const params = new URLSearchParams();
  for (const s of form.statuses) params.append('status', s);
  if (form.from) params.set('from', dateTimeInputValue(form.from));
  if (form.to) params.set('to', dateTimeInputValue(form.to));
  const query = params.toString();
  return query ? `/dashboard/replay?${query}` : '/dashboard/replay';
}

/** How long a preview's set takes to send at the cadence, in words. */
export function drainWords(drainSeconds: number, cadence: Cadence): string {
  const batches = `${formatCount(cadence.batchSize)} message${cadence.batchSize === 1 ? '' : 's'} every ${formatDuration(cadence.intervalMs)}`;
  if (drainSeconds <= 0) return `nothing to send (the cadence is ${batches})`;
  return `about ${formatDuration(drainSeconds * 1000)} to send at the current cadence (${batches})`;
}

/**
 * Bulk replay with a preview: choose states and a time range (GET: the preview is a URL), see how
 * many messages it takes, by state and failure reason, a sample, and how long they take to send;
 * confirm (POST with the preview's token) to replay exactly that set, or be told it changed.
 */
export function ReplayPage({ ctx, form, preview, cadence, replayed, changed, problems, rawTimes }: ReplayPageProps) {
  return (
    <Layout ctx={ctx} title="Replay" section="replay">
      {replayed !== undefined && (
        <Notice>
          <span id="replay-result" data-count={replayed}>
            Replayed {formatCount(replayed)} message{replayed === 1 ? '' : 's'}: {replayed === 1 ? 'it is' : 'they are'} pending again with a fresh attempt
            budget. The operator log has the entry.
          </span>
        </Notice>
      )}
      {changed && (
        <div class="notice notice-error" role="alert" id="replay-changed">
          <p>
            <strong>The set changed since the preview: nothing was replayed.</strong> Messages came in, went out or moved between the preview and the
            confirmation. Here is the preview of the set as it is now; confirm again to replay it.
          </p>
        </div>
      )}
      {problems && problems.length > 0 && (
        <div class="notice notice-error" role="alert" id="replay-error">
          {problems.map((p, i) => (
            <p key={i}>{p}</p>
          ))}
        </div>
      )}
      <form class="filters replay-filter" method="get" action="/dashboard/replay" id="replay-filter">
        <fieldset class="field">
          <legend>States</legend>
          {REPLAYABLE_STATUSES.map((s) => (
            <span class="choice" key={s}>
              <input type="checkbox" id={`replay-status-${s}`} name="status" value={s} checked={form.statuses.includes(s)} />
              <label for={`replay-status-${s}`}>{STATE_WORDS[s]}</label>
            </span>
          ))}
        </fieldset>
        <div class="field">
          <label for="replay-from">Reached that state from (UTC)</label>
          <input
            id="replay-from"
            name="from"
            type="datetime-local"
            step={1}
            value={rawTimes?.from ?? dateTimeInputValue(form.from)}
            aria-describedby="replay-time-hint"
          />
        </div>
        <div class="field">
          <label for="replay-to">Reached that state before (UTC)</label>
          <input
            id="replay-to"
            name="to"
            type="datetime-local"
            step={1}
            value={rawTimes?.to ?? dateTimeInputValue(form.to)}
            aria-describedby="replay-time-hint"
          />
        </div>
        <button type="submit" name="preview" value="1" id="preview-button">
          Preview
        </button>
        <p id="replay-time-hint" class="hint">
          Times are UTC: “from” is included, “before” is not; leave them empty for any time. The preview changes nothing.
        </p>
      </form>
      {preview && <PreviewPanel ctx={ctx} form={form} preview={preview} cadence={cadence} />}
    </Layout>
  );
}

function PreviewPanel({ ctx, form, preview, cadence }: { ctx: SignedInContext; form: ReplayForm; preview: ReplayPreview; cadence: Cadence }) {
  const n = preview.count;
  return (
    <section class="panel" id="replay-preview" aria-labelledby="preview-title" data-count={n}>
      <h2 id="preview-title">Preview</h2>
      <p class="preview-count">
        <strong id="preview-count" data-value={n}>
          {formatCount(n)}
        </strong>{' '}
        message{n === 1 ? '' : 's'} would be replayed (put back to pending with a fresh attempt budget).
      </p>
      {n > 0 && (
        <>
          <dl class="facts compact" id="preview-by-status">
            {REPLAYABLE_STATUSES.filter((s) => form.statuses.includes(s)).map((s) => (
              <div class="fact" key={s} data-status={s} data-value={preview.byStatus[s]}>
                <dt>
                  <StateBadge state={s} />
                </dt>
                <dd>{formatCount(preview.byStatus[s])}</dd>
              </div>
            ))}
          </dl>
          {preview.byStatus.unknown > 0 && (
            <p class="notice notice-error" role="note">
              {formatCount(preview.byStatus.unknown)} of them {preview.byStatus.unknown === 1 ? 'is' : 'are'} in doubt: the gateway may have{' '}
              {preview.byStatus.unknown === 1 ? 'it' : 'them'} already, and replaying sends {preview.byStatus.unknown === 1 ? 'it' : 'them'} again (with the
              same Idempotency-Key).
            </p>
          )}
          <table class="list" id="preview-by-reason">
            <caption>The most frequent failure reasons</caption>
            <thead>
              <tr>
                <th scope="col">Failure reason</th>
                <th scope="col">Messages</th>
              </tr>
            </thead>
            <tbody>
              {preview.byReason.map((r, i) => (
                <tr key={i}>
                  <td data-label="Reason" class="content-cell">
                    {r.reason !== null ? maskPhonesIn(r.reason) : <span class="muted">(no reason)</span>}
                  </td>
                  <td data-label="Messages">{formatCount(r.count)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p>A sample of {preview.sampleIds.length === n ? 'them' : `${preview.sampleIds.length}, newest first`}:</p>
          <ul class="sample-ids" id="preview-sample">
            {preview.sampleIds.map((id) => (
              <li key={id}>
                <a href={`/dashboard/messages/${id}`} data-id={id}>
                  <code>{id}</code>
                </a>
              </li>
            ))}
          </ul>
        </>
      )}
      <p id="preview-drain" data-seconds={preview.drainSeconds}>
        {n > 0 ? <>They would take {drainWords(preview.drainSeconds, cadence)}.</> : 'Nothing to replay with this filter.'}
      </p>
      {n > 0 && (
        <form class="confirm replay-confirm" method="post" action="/dashboard/replay" data-action="replay-confirm" data-count={n}>
          <CsrfField token={ctx.session.csrfToken} />
          {form.statuses.map((s) => (
            <input key={s} type="hidden" name="status" value={s} />
          ))}
          {form.from && <input type="hidden" name="from" value={form.from.toISOString()} />}
          {form.to && <input type="hidden" name="to" value={form.to.toISOString()} />}
          <input type="hidden" name="previewToken" value={preview.previewToken} />
          <button type="submit" class="danger">
            Replay these {formatCount(n)} message{n === 1 ? '' : 's'}
          </button>
          <a class="button-link" href={replayUrl(form)}>
            Preview again
          </a>
          <span class="hint">Exactly this set is replayed; if it has changed meanwhile, nothing is, and you get the new preview.</span>
        </form>
      )}
    </section>
  );
}
