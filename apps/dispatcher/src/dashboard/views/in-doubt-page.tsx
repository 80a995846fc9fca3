import type { ComponentChildren } from 'preact';
import type { Message } from '@app/domain';
import { formatCount, formatDuration, maskPhone, truncate } from '../format.js';
import type { InDoubtEvidence } from '../in-doubt-evidence.js';
import type { SettleError } from '../settle-problems.js';
import { Layout, Pager, type SignedInContext } from './layout.js';
import { CsrfField, Notice, Time } from './parts.js';
import { SettleForm } from './settle-form.js';

export interface InDoubtItem {
  message: Message;
  evidence: InDoubtEvidence;
}

export interface InDoubtPageProps {
  ctx: SignedInContext;
  items: InDoubtItem[];
  /** The cursor of this page (absent on the first). */
  cursor: string | undefined;
  nextCursor: string | null;
  notice?: ComponentChildren;
  /** A refused settlement: shown at the top and next to its message's form. */
  settleError?: SettleError;
  /** A refusal that is not about one form's fields (e.g. settled by someone else first). */
  error?: ComponentChildren;
}

export function inDoubtUrl(cursor?: string | null): string {
  return cursor ? `/dashboard/in-doubt?cursor=${encodeURIComponent(cursor)}` : '/dashboard/in-doubt';
}

/**
 * The in-doubt inbox: every `unknown` message, newest first, a page at a time, with its evidence
 * (when the request went out, what happened, the Idempotency-Key the gateway got) and what an
 * operator can do: replay it, or settle it by hand as sent or failed with a reason.
 */
export function InDoubtPage({ ctx, items, cursor, nextCursor, notice, settleError, error }: InDoubtPageProps) {
  const total = ctx.inDoubt ?? items.length;
  return (
    <Layout ctx={ctx} title="In doubt" section="in-doubt">
      {notice && <Notice>{notice}</Notice>}
      {error && <Notice kind="error">{error}</Notice>}
      {settleError && (
        <Notice kind="error">
          Message <a href={`#in-doubt-${settleError.id}`}>{settleError.id.slice(0, 8)}</a> was not settled: {settleError.problems.join(' ')}
        </Notice>
      )}
      <p class="lead">
        {total === 0 ? 'No message is in doubt.' : `${formatCount(total)} message${total === 1 ? ' is' : 's are'} in doubt.`} A message is in doubt when its
        request reached the gateway, or may have, and no usable answer came back: the gateway may have sent the SMS. The dispatcher never sends it again by
        itself. Replay it only when you know the gateway does not have it (or deduplicates on the Idempotency-Key); otherwise settle it by hand.
      </p>
      {items.length === 0 ? (
        <p class="empty">{cursor ? 'No more messages in doubt.' : 'Nothing to decide.'}</p>
      ) : (
        <ol class="in-doubt-list" id="in-doubt">
          {items.map((item) => (
            <InDoubtEntry
              key={item.message.id}
              item={item}
              csrfToken={ctx.session.csrfToken}
              cursor={cursor}
              error={settleError?.id === item.message.id ? settleError : undefined}
            />
          ))}
        </ol>
      )}
      <Pager cursor={cursor} nextCursor={nextCursor} pageUrl={inDoubtUrl} />
    </Layout>
  );
}

interface InDoubtEntryProps {
  item: InDoubtItem;
  csrfToken: string;
  cursor: string | undefined;
  error: SettleError | undefined;
}

function InDoubtEntry({ item: { message: m, evidence: e }, csrfToken, cursor, error }: InDoubtEntryProps) {
  return (
    <li class="row in-doubt-item panel" data-id={m.id} id={`in-doubt-${m.id}`}>
      <h2 class="item-title">
        <a class="row-link" href={`/dashboard/messages/${m.id}`} aria-label={`Message ${m.id}`}>
          Message <code>{m.id.slice(0, 8)}</code>
        </a>{' '}
        <span class="muted">
          to <span class="phone">{maskPhone(m.phoneNumber)}</span>, created <Time at={m.createdAt} />
        </span>
      </h2>
      <p class="content-cell">{truncate(m.content, 160)}</p>
      <dl class="facts compact evidence">
        <dt>Request went out</dt>
        <dd data-slot="went-out">
          <Time at={e.wentOutAt} />
        </dd>
        <dt>What happened</dt>
        <dd data-slot="cause" data-cause={e.cause}>
          <strong>{e.summary}</strong>
          {e.error && (
            <>
              : <span class="error-text">{e.error}</span>
            </>
          )}
        </dd>
        {e.attempt && (
          <>
            <dt>The attempt</dt>
            <dd>
              attempt {e.attempt.attemptNo}, answer recorded <Time at={e.attempt.at} /> after {formatDuration(e.attempt.latencyMs)},{' '}
              {e.attempt.statusCode === null ? 'no HTTP answer' : `HTTP ${e.attempt.statusCode}`}
            </dd>
          </>
        )}
        <dt>Idempotency-Key</dt>
        <dd>
          <code data-slot="idempotency-key">{e.idempotencyKey}</code> <span class="hint">(the header the gateway got: the message id)</span>
        </dd>
      </dl>
      <div class="in-doubt-actions">
        <form class="replay" method="post" action={`/dashboard/messages/${m.id}/replay`} data-action="replay" data-id={m.id}>
          <CsrfField token={csrfToken} />
          <input type="hidden" name="back" value="in-doubt" />
          <button type="submit">Replay</button>
          <span class="hint">Pending again: it is sent once more, with the same Idempotency-Key.</span>
        </form>
        <SettleForm id={m.id} csrfToken={csrfToken} back="in-doubt" cursor={cursor} error={error} />
      </div>
    </li>
  );
}
