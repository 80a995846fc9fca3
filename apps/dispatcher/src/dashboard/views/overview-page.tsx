import type { MessageStats, QueueLag, SchedulerStatus } from '@app/application';
import { MESSAGE_STATUSES, type OperatorLogEntry } from '@app/domain';
import { formatCount, formatDuration, formatRate, ratePerMinute } from '../format.js';
import type { SendChart } from '../send-chart.js';
import { Layout, type PageContext } from './layout.js';
import { Countdown, Notice, Time } from './parts.js';
import { SendChartPanel } from './send-chart-panel.js';

/** What the live part of the overview shows, from GetMessageStats, GetQueueLag, GetDispatchStatus and ListOperatorLog. */
export interface LiveData {
  stats: MessageStats;
  lag: QueueLag;
  status: SchedulerStatus;
  /** The operator log's last start or stop, if any: who changed sending, and when. */
  lastChange: OperatorLogEntry | null;
  now: Date;
}

/** How often the live part is polled (dashboard.mjs reads it from data-poll-ms). */
export const LIVE_POLL_MS = 2_000;
export const LIVE_FRAGMENT_PATH = '/dashboard/fragments/live';

export interface OverviewPageProps {
  ctx: PageContext;
  live: LiveData;
  /** Sent per minute over the chosen range, with its events. */
  chart: SendChart;
  notice?: string;
}

/**
 * The overview: counts by state, queue lag and the cadence panel, refreshed by polling
 * LIVE_FRAGMENT_PATH (htmx, every LIVE_POLL_MS; dashboard.mjs pauses it while the tab is hidden and
 * shows the stale banner when refreshes stop succeeding).
 */
export function OverviewPage({ ctx, live, chart, notice }: OverviewPageProps) {
  return (
    <Layout ctx={ctx} title="Overview" section="overview" chart>
      {notice && <Notice>{notice}</Notice>}
      <p id="stale" class="notice notice-error" role="status" hidden>
        The figures below are stale: the last refresh succeeded at <span id="stale-since">—</span>. Retrying…
      </p>
      <div id="live" hx-get={LIVE_FRAGMENT_PATH} hx-trigger={`every ${LIVE_POLL_MS / 1000}s, refresh`} hx-swap="innerHTML" data-poll-ms={LIVE_POLL_MS}>
        <LivePanel live={live} />
      </div>
      <SendChartPanel chart={chart} />
    </Layout>
  );
}

/** The polled part of the overview; also the body of GET /dashboard/fragments/live. */
export function LivePanel({ live }: { live: LiveData }) {
  return (
    <div class="live" data-refreshed-at={live.now.toISOString()}>
      <Counts stats={live.stats} />
      <QueueLagPanel lag={live.lag} />
      <CadencePanel status={live.status} lastChange={live.lastChange} now={live.now} />
    </div>
  );
}

function Counts({ stats }: { stats: MessageStats }) {
  return (
    <section class="panel" aria-labelledby="counts-title">
      <h2 id="counts-title">Messages by state</h2>
      <ul class="counts">
        {MESSAGE_STATUSES.map((state) => (
          <li key={state} class={`count count-${state}`}>
            <a id={`count-${state}`} href={`/dashboard/messages?status=${state}`}>
              <span class="count-value" data-count={state} data-value={stats.byStatus[state]}>
                {formatCount(stats.byStatus[state])}
              </span>
              <span class="count-label">{state}</span>
            </a>
          </li>
        ))}
      </ul>
      <p class="muted">
        {formatCount(stats.total)} in all, from the counts the database keeps per state (no scan of the table). Each number opens the list of that state.
      </p>
    </section>
  );
}

function QueueLagPanel({ lag }: { lag: QueueLag }) {
  return (
    <section class="panel" aria-labelledby="lag-title">
      <h2 id="lag-title">Queue lag</h2>
      {lag.oldestDueSince === null ? (
        <p>
          <span id="queue-lag" data-seconds="0">
            Nothing is due.
          </span>
        </p>
      ) : (
        <p>
          The oldest due message has waited{' '}
          <strong id="queue-lag" data-seconds={Math.round(lag.oldestDueAgeSeconds)}>
            {formatDuration(lag.oldestDueAgeSeconds * 1000)}
          </strong>{' '}
          (due since <Time at={lag.oldestDueSince} />
          ).
        </p>
      )}
    </section>
  );
}

function CadencePanel({ status, lastChange, now }: { status: SchedulerStatus; lastChange: OperatorLogEntry | null; now: Date }) {
  const configured = ratePerMinute(status.batchSize, status.intervalMs);
  return (
    <section class="panel cadence" aria-labelledby="cadence-title">
      <h2 id="cadence-title">Cadence</h2>
      <p class="cadence-state">
        Sending is{' '}
        <strong id="scheduler-state" class={status.running ? 'running' : 'stopped'} data-running={String(status.running)}>
          {status.running ? 'running' : 'stopped'}
        </strong>{' '}
        for the whole cluster{status.draining ? '; this replica is shutting down' : ''}
        {status.tickInProgress ? '; a tick is in progress on this replica' : ''}.
      </p>
      <p class="actions">
        {status.running ? (
          <a id="scheduler-action" class="button-link danger" href="/dashboard/scheduler/stop" data-action="stop">
            Stop sending…
          </a>
        ) : (
          <a id="scheduler-action" class="button-link primary" href="/dashboard/scheduler/start" data-action="start">
            Start sending…
          </a>
        )}
      </p>
      <dl class="facts">
        <dt>Last change</dt>
        <dd data-slot="last-change">
          <LastChange entry={lastChange} />
        </dd>
        <dt>Interval and batch</dt>
        <dd>
          {status.batchSize} message{status.batchSize === 1 ? '' : 's'} every {formatDuration(status.intervalMs)}
        </dd>
        <dt>Configured rate</dt>
        <dd>
          <span id="rate-configured">{formatRate(configured)}</span> messages per minute (batch size ÷ interval)
        </dd>
        <dt>Achieved rate</dt>
        <dd>
          <AchievedRate status={status} />
        </dd>
        <dt>Last tick</dt>
        <dd>
          <LastTick status={status} />
        </dd>
        <dt>Next tick</dt>
        <dd>
          {status.nextTickAt ? (
            <Countdown id="next-tick" at={status.nextTickAt} now={now} />
          ) : (
            <span id="next-tick">
              {!status.running ? 'none: sending is stopped' : status.tickInProgress ? 'a tick is running now' : 'none: sending is waiting for a leader'}
            </span>
          )}
        </dd>
        <dt>Leader</dt>
        <dd>
          <code id="leader">{status.leaderId ?? 'none'}</code>
        </dd>
        <dt>This replica</dt>
        <dd>
          <code id="replica">{status.instanceId}</code> {status.isLeader ? '(the leader: it sends)' : '(a follower: it does not send)'}
        </dd>
        <dt>Circuit breaker</dt>
        <dd>
          <Breaker status={status} now={now} />
        </dd>
      </dl>
    </section>
  );
}

const AUDIT_STARTS_AND_STOPS = '/dashboard/audit?action=start&action=stop';

/** Who last started or stopped sending, and when (the operator log); the whole log is a link away. */
function LastChange({ entry }: { entry: OperatorLogEntry | null }) {
  if (entry === null) {
    return (
      <span id="last-change" class="muted">
        no start or stop in the <a href="/dashboard/audit">operator log</a> yet (sending follows DISPATCH_AUTOSTART)
      </span>
    );
  }
  return (
    <span id="last-change" data-action={entry.action} data-source={entry.actor.source} data-actor={entry.actor.id}>
      {entry.action === 'start' ? 'started' : 'stopped'} by <code class="actor">{entry.actor.id}</code> (
      {entry.actor.source === 'api' ? 'the API' : 'the dashboard'}), <Time at={entry.at} /> (<a href={AUDIT_STARTS_AND_STOPS}>log</a>)
    </span>
  );
}

function AchievedRate({ status }: { status: SchedulerStatus }) {
  const { totals, lastTick, intervalMs } = status;
  if (totals.ticks === 0) {
    return <span class="muted">no tick on this replica since it started{status.isLeader ? '' : ' (the leader sends)'}</span>;
  }
  const average = ratePerMinute(totals.sent / totals.ticks, intervalMs);
  return (
    <>
      <span id="rate-achieved">{formatRate(average)}</span> messages per minute: {formatCount(totals.sent)} sent in {formatCount(totals.ticks)} tick
      {totals.ticks === 1 ? '' : 's'} of this replica since it started, at one tick per interval
      {lastTick && <> (last tick alone: {formatRate(ratePerMinute(lastTick.sent, intervalMs))} per minute)</>}
    </>
  );
}

function LastTick({ status }: { status: SchedulerStatus }) {
  const tick = status.lastTick;
  return (
    <>
      {status.lastTickAt ? (
        <>
          began <Time at={status.lastTickAt} /> (the cluster's last)
        </>
      ) : (
        <span class="muted">none yet</span>
      )}
      {tick && (
        <span class="tick-report">
          {' '}
          — this replica's last, {formatDuration(tick.durationMs)}: {tick.claimed} claimed, {tick.sent} sent, {tick.retried} retried, {tick.failed} failed,{' '}
          {tick.unknown} unknown, {tick.invalid} invalid, {tick.expired} expired, {tick.dropped} dropped, {tick.released} released
          {tick.skipped === 'breaker-open' ? '; skipped: the breaker was open' : ''}
        </span>
      )}
    </>
  );
}

function Breaker({ status, now }: { status: SchedulerStatus; now: Date }) {
  const breaker = status.breaker;
  return (
    <>
      <span id="breaker-state" class={`breaker breaker-${breaker.state}`}>
        {breaker.state}
      </span>{' '}
      (this replica's; {breaker.consecutiveFailures} consecutive failure{breaker.consecutiveFailures === 1 ? '' : 's'})
      {breaker.openedAt && (
        <>
          , opened <Time at={breaker.openedAt} />
        </>
      )}
      {breaker.probeAt && (
        <>
          ; next probe <Countdown id="breaker-probe" at={breaker.probeAt} now={now} /> (<Time at={breaker.probeAt} />)
        </>
      )}
    </>
  );
}
