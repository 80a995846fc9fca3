import type { MessageDetails, Receipt } from '@app/application';
import { type AttemptRecord, type DecisionRecord, isReplayable } from '@app/domain';
import { formatDuration } from '../format.js';
import type { SettleError } from '../settle-problems.js';
import { Layout, type SignedInContext } from './layout.js';
import { CsrfField, Notice, StateBadge, Time } from './parts.js';
import { SettleForm } from './settle-form.js';

export interface MessagePageProps {
  ctx: SignedInContext;
  details: MessageDetails;
  /** The receipt GetReceipt found, when the message has one. */
  receipt: Receipt | null;
  notice?: string;
  /** A refused settlement of this message: the form is shown again with it. */
  settleError?: SettleError;
}

/**
 * One message: every field (the full phone number here), its history as one timeline (attempts,
 * replays and operators' decisions, the decisions marked as such), the attempts and replays in
 * detail, the receipt, Replay when allowed, and the settle form while it is in doubt.
 */
export function MessagePage({ ctx, details, receipt, notice, settleError }: MessagePageProps) {
  const { message: m, attempts, replays } = details;
  return (
    <Layout ctx={ctx} title={`Message ${m.id}`} section="messages">
      {notice && <Notice>{notice}</Notice>}
      {settleError && <Notice kind="error">Not settled: {settleError.problems.join(' ')}</Notice>}
      <section class="panel" aria-labelledby="fields-title">
        <h2 id="fields-title">Fields</h2>
        <dl class="facts" id="message-fields">
          <dt>Id</dt>
          <dd>
            <code>{m.id}</code>
          </dd>
          <dt>State</dt>
          <dd>
            <StateBadge state={m.status} />
          </dd>
          <dt>Phone number</dt>
          <dd>
            <span class="phone">{m.phoneNumber}</span>
          </dd>
          <dt>Content</dt>
          <dd>
            <p class="content" id="message-content">
              {m.content}
            </p>
          </dd>
          <dt>Priority</dt>
          <dd>{m.priority}</dd>
          <dt>Attempts made</dt>
          <dd>{m.attemptCount}</dd>
          <dt>Next attempt</dt>
          <dd>
            <Time at={m.nextAttemptAt} />
          </dd>
          <dt>Send after</dt>
          <dd>
            <Time at={m.sendAfter} />
          </dd>
          <dt>Expires at</dt>
          <dd>
            <Time at={m.expiresAt} />
          </dd>
          <dt>Gateway message id</dt>
          <dd>{m.gatewayMessageId ? <code>{m.gatewayMessageId}</code> : <span class="muted">—</span>}</dd>
          <dt>Sent at</dt>
          <dd>
            <Time at={m.sentAt} />
          </dd>
          <dt>Failure reason</dt>
          <dd>{m.failureReason ?? <span class="muted">—</span>}</dd>
          <dt>Replayed</dt>
          <dd>
            {m.replayCount} time{m.replayCount === 1 ? '' : 's'}
          </dd>
          <dt>Request started at</dt>
          <dd>
            <Time at={m.requestStartedAt} />
          </dd>
          <dt>Claim token</dt>
          <dd>{m.claimToken ? <code>{m.claimToken}</code> : <span class="muted">—</span>}</dd>
          <dt>Created</dt>
          <dd>
            <Time at={m.createdAt} />
          </dd>
          <dt>Updated</dt>
          <dd>
            <Time at={m.updatedAt} />
          </dd>
        </dl>
        {isReplayable(m.status) && (
          <form class="replay" method="post" action={`/dashboard/messages/${m.id}/replay`} data-action="replay">
            <CsrfField token={ctx.session.csrfToken} />
            <button type="submit" class="primary">
              Replay
            </button>
            <span class="hint">
              Back to pending with a fresh attempt budget.
              {m.status === 'unknown' && ' It is in doubt: the gateway may have it already; replay only if you know it does not.'}
            </span>
          </form>
        )}
        {m.status === 'unknown' && <SettleForm id={m.id} csrfToken={ctx.session.csrfToken} back="message" error={settleError} />}
      </section>
      <section class="panel" aria-labelledby="history-title">
        <h2 id="history-title">History</h2>
        <HistoryTimeline details={details} />
      </section>
      <section class="panel" aria-labelledby="attempts-title">
        <h2 id="attempts-title">Attempts</h2>
        {attempts.length === 0 ? (
          <p class="muted">No attempt yet.</p>
        ) : (
          <ol class="timeline" id="attempts">
            {attempts.map((a, i) => (
              <AttemptItem key={a.attemptNo} attempt={a} following={attempts[i + 1]} last={i === attempts.length - 1} details={details} />
            ))}
          </ol>
        )}
      </section>
      <section class="panel" aria-labelledby="replays-title">
        <h2 id="replays-title">Replays</h2>
        {replays.length === 0 ? (
          <p class="muted">Never replayed.</p>
        ) : (
          <ol class="timeline" id="replays">
            {replays.map((r, i) => (
              <li key={i}>
                <Time at={r.at} />: replayed from <StateBadge state={r.previousStatus} />
                {r.previousReason ? <> ({r.previousReason})</> : null}
              </li>
            ))}
          </ol>
        )}
      </section>
      <section class="panel" aria-labelledby="receipt-title">
        <h2 id="receipt-title">Receipt</h2>
        <ReceiptPanel receipt={receipt} />
      </section>
    </Layout>
  );
}

type HistoryEvent =
  | { kind: 'created'; at: Date }
  | { kind: 'attempt'; at: Date; attempt: AttemptRecord }
  | { kind: 'replay'; at: Date; replay: MessageDetails['replays'][number] }
  | { kind: 'decision'; at: Date; decision: DecisionRecord };

/** Everything that happened to the message, oldest first (stable: attempts, replays, decisions of one instant in that order). */
export function historyEvents(details: MessageDetails): HistoryEvent[] {
  const events: HistoryEvent[] = [
    { kind: 'created', at: details.message.createdAt },
    ...details.attempts.map((attempt): HistoryEvent => ({ kind: 'attempt', at: attempt.at, attempt })),
    ...details.replays.map((replay): HistoryEvent => ({ kind: 'replay', at: replay.at, replay })),
    ...details.decisions.map((decision): HistoryEvent => ({ kind: 'decision', at: decision.at, decision })),
  ];
  return events.sort((a, b) => a.at.getTime() - b.at.getTime());
}

function HistoryTimeline({ details }: { details: MessageDetails }) {
  return (
    <ol class="timeline history" id="history">
      {historyEvents(details).map((event, i) => (
        <li key={i} class={`history-${event.kind}`} data-kind={event.kind}>
          <Time at={event.at} />: <HistoryText event={event} />
        </li>
      ))}
    </ol>
  );
}

function HistoryText({ event }: { event: HistoryEvent }) {
  switch (event.kind) {
    case 'created':
      return <>created</>;
    case 'attempt': {
      const a = event.attempt;
      return (
        <>
          attempt {a.attemptNo}, <span class={`outcome outcome-${a.outcome}`}>{a.outcome}</span>
          {a.statusCode !== null && <> (HTTP {a.statusCode})</>}
          {a.error && <> — {a.error}</>}
        </>
      );
    }
    case 'replay':
      return (
        <>
          replayed from <StateBadge state={event.replay.previousStatus} />
          {event.replay.previousReason ? <> ({event.replay.previousReason})</> : null}
        </>
      );
    case 'decision': {
      const d = event.decision;
      return (
        <>
          <strong class="decision-mark">Operator decision</strong>: settled by hand as <StateBadge state={d.outcome} /> by{' '}
          <code class="actor">{d.actor.id}</code> ({d.actor.source === 'api' ? 'the API' : 'the dashboard'}), because “
          <span class="decision-reason">{d.reason}</span>”
          {d.gatewayMessageId && (
            <>
              ; gateway messageId <code>{d.gatewayMessageId}</code>
            </>
          )}
          {d.previousReason && <>; it was in doubt after: {d.previousReason}</>}
        </>
      );
    }
  }
}

interface AttemptItemProps {
  attempt: AttemptRecord;
  /** The attempt after this one, if any: when it actually ran. */
  following: AttemptRecord | undefined;
  last: boolean;
  details: MessageDetails;
}

function AttemptItem({ attempt: a, following, last, details }: AttemptItemProps) {
  const m = details.message;
  return (
    <li class={`attempt attempt-${a.outcome}`}>
      <p class="attempt-head">
        <strong>Attempt {a.attemptNo}</strong> <Time at={a.at} />: <span class={`outcome outcome-${a.outcome}`}>{a.outcome}</span>
      </p>
      <dl class="facts compact">
        <dt>Status code</dt>
        <dd>{a.statusCode ?? <span class="muted">none (no HTTP answer)</span>}</dd>
        <dt>Latency</dt>
        <dd>{formatDuration(a.latencyMs)}</dd>
        <dt>Error</dt>
        <dd>{a.error ?? <span class="muted">—</span>}</dd>
        {a.outcome === 'retryable' && (
          <>
            <dt>Next attempt</dt>
            <dd>
              {following ? (
                <>
                  ran <Time at={following.at} />
                </>
              ) : last && m.status === 'pending' && m.nextAttemptAt ? (
                <>
                  due <Time at={m.nextAttemptAt} />
                </>
              ) : (
                <span class="muted">none</span>
              )}
            </dd>
          </>
        )}
      </dl>
    </li>
  );
}

function ReceiptPanel({ receipt }: { receipt: Receipt | null }) {
  if (receipt === null) return <p class="muted">No receipt: the message has not been sent.</p>;
  if (receipt.source === 'database') {
    return (
      <p id="receipt">
        Redis holds no receipt for it (expired, or the cache is off or down). PostgreSQL has it: gateway message id <code>{receipt.messageId}</code>, sent{' '}
        <Time at={receipt.sentAt} />.
      </p>
    );
  }
  return (
    <dl class="facts" id="receipt" data-source="cache">
      <dt>Cached in Redis</dt>
      <dd>yes</dd>
      <dt>Gateway message id</dt>
      <dd>
        <code>{receipt.messageId}</code>
      </dd>
      <dt>Sent at</dt>
      <dd>
        <Time at={receipt.sentAt} />
      </dd>
    </dl>
  );
}
