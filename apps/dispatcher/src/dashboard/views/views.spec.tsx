import { describe, expect, it } from '@jest/globals';
import type { MessageDetails, ReplayPreview, SchedulerStatus } from '@app/application';
import { LEASE_LOST, Message, type MessageProps, type OperatorLogEntry } from '@app/domain';
import type { AssetUrls } from '../dashboard-assets.js';
import { inDoubtEvidence } from '../in-doubt-evidence.js';
import { sendChart } from '../send-chart.js';
import type { DashboardSession } from '../session/dashboard-sessions.js';
import { AuditPage } from './audit-page.js';
import { ConfirmPage } from './confirm-page.js';
import { ErrorPage } from './error-page.js';
import { InDoubtPage } from './in-doubt-page.js';
import { LoginPage } from './login-page.js';
import { MessagePage } from './message-page.js';
import { MessagesPage, NO_FILTERS } from './messages-page.js';
import { LivePanel, type LiveData, OverviewPage } from './overview-page.js';
import { renderFragment, renderPage } from './render.js';
import { ReplayPage } from './replay-page.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const XSS = '<script>alert(1)</script>';
const ASSETS: AssetUrls = {
  htmx: '/dashboard/assets/htmx-2.0.11.min.js',
  uplotJs: '/dashboard/assets/uplot-1.6.32.min.js',
  uplotCss: '/dashboard/assets/uplot-1.6.32.min.css',
  css: '/dashboard/assets/dashboard-0123456789ab.css',
  js: '/dashboard/assets/dashboard-0123456789ab.js',
};
const SESSION: DashboardSession = {
  csrfToken: 'csrf-token-of-the-session-000000000000000000',
  label: 'key 0123456789ab · s-abcdef',
  keyFingerprint: '0123456789ab',
  createdAt: NOW,
  lastSeenAt: NOW,
  expiresAt: new Date(NOW.getTime() + 8 * 3_600_000),
};
const ctx = { assets: ASSETS, session: SESSION, inDoubt: 3 };
const DASHBOARD_ACTOR = { source: 'dashboard', id: `session:${SESSION.label}` } as const;

function message(overrides: Partial<MessageProps> = {}): Message {
  return Message.restore({
    id: '0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11',
    phoneNumber: '+905551111111',
    content: XSS,
    status: 'failed',
    attemptCount: 1,
    nextAttemptAt: null,
    gatewayMessageId: null,
    sentAt: null,
    failureReason: `gateway answered 400: ${XSS}`,
    sendAfter: null,
    expiresAt: null,
    priority: 0,
    replayCount: 0,
    claimToken: null,
    requestStartedAt: NOW,
    createdAt: NOW,
    updatedAt: NOW,
    ...overrides,
  });
}

function status(overrides: Partial<SchedulerStatus> = {}): SchedulerStatus {
  return {
    running: true,
    intervalMs: 120_000,
    batchSize: 2,
    lastTickAt: NOW,
    nextTickAt: new Date(NOW.getTime() + 90_000),
    tickInProgress: false,
    lastTick: null,
    totals: { ticks: 0, claimed: 0, sent: 0, retried: 0, failed: 0, unknown: 0, invalid: 0, expired: 0, dropped: 0, released: 0 },
    instanceId: 'replica-1',
    isLeader: true,
    leaderId: 'replica-1',
    breaker: { state: 'closed', consecutiveFailures: 0, openedAt: null, probeAt: null },
    draining: false,
    ...overrides,
  };
}

const LAST_STOP: OperatorLogEntry = { id: 7, at: NOW, actor: DASHBOARD_ACTOR, action: 'stop', messageCount: 0, detail: {} };

function live(overrides: Partial<SchedulerStatus> = {}, lastChange: OperatorLogEntry | null = LAST_STOP): LiveData {
  return {
    stats: { total: 10, byStatus: { pending: 4, sending: 0, sent: 3, failed: 1, unknown: 1, expired: 1 }, byPriority: [] },
    lag: { oldestDueSince: new Date(NOW.getTime() - 65_000), oldestDueAgeSeconds: 65 },
    status: status(overrides),
    lastChange,
    now: NOW,
  };
}

const details = (m: Message) => ({ message: m, attempts: [], replays: [], decisions: [] }) as unknown as MessageDetails;

const minute = (offset: number) => new Date(NOW.getTime() + offset * 60_000);
const CHART = sendChart(
  '1h',
  Array.from({ length: 60 }, (_, i) => ({ minute: minute(i - 59), sent: i === 50 ? 12 : i % 10 })),
  [
    { at: minute(-30), kind: 'stop', actor: { source: 'dashboard', id: `session:${XSS}` }, detail: {} },
    { at: minute(-20), kind: 'breaker-opened', actor: null, detail: { consecutiveFailures: 5 } },
  ],
);

const IN_DOUBT = message({ status: 'unknown', failureReason: `outcome unknown: no answer from the gateway in time (${XSS})` });
const IN_DOUBT_DETAILS = {
  message: IN_DOUBT,
  attempts: [
    {
      messageId: IN_DOUBT.id,
      attemptNo: 1,
      at: NOW,
      statusCode: null,
      outcome: 'unknown',
      error: `no answer from the gateway in time (${XSS})`,
      latencyMs: 1000,
    },
  ],
  replays: [],
  decisions: [],
} as unknown as MessageDetails;
const SETTLED_DETAILS = {
  message: message({ status: 'sent', failureReason: null, gatewayMessageId: '67f2f8a8-ea58-4ed0-a6f9-ff217df4d849' }),
  attempts: IN_DOUBT_DETAILS.attempts,
  replays: [],
  decisions: [
    {
      at: new Date(NOW.getTime() + 60_000),
      actor: DASHBOARD_ACTOR,
      outcome: 'sent',
      reason: `support confirmed ${XSS}`,
      gatewayMessageId: '67f2f8a8-ea58-4ed0-a6f9-ff217df4d849',
      previousReason: 'outcome unknown: timeout',
    },
  ],
} as unknown as MessageDetails;

const PREVIEW: ReplayPreview = {
  count: 3,
  byStatus: { failed: 2, unknown: 1, expired: 0 },
  byReason: [
    { reason: `gateway answered 400: ${XSS}`, count: 2 },
    { reason: null, count: 1 },
  ],
  sampleIds: ['0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11', '1b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11', '2b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11'],
  drainSeconds: 240,
  previewToken: 'token-of-the-preview',
};
const REPLAY_FORM = { statuses: ['failed', 'unknown'] as ('failed' | 'unknown')[], from: new Date('2026-11-22T09:00:00.000Z'), to: null };
const CADENCE = { batchSize: 2, intervalMs: 120_000 };

const AUDIT: OperatorLogEntry[] = [
  {
    id: 9,
    at: NOW,
    actor: DASHBOARD_ACTOR,
    action: 'settle',
    messageCount: 1,
    detail: { messageId: IN_DOUBT.id, outcome: 'failed', reason: XSS, gatewayMessageId: null },
  },
  {
    id: 8,
    at: NOW,
    actor: { source: 'api', id: 'key:0123456789ab' },
    action: 'replay',
    messageCount: 2,
    detail: { statuses: ['failed'], from: null, to: null },
  },
];

/** Every page the dashboard renders, with hostile data where there is data. */
const PAGES: [string, string][] = [
  ['login', renderPage(<LoginPage ctx={{ assets: ASSETS, session: null }} next="/dashboard" error="That key is not one of this service’s API keys." />)],
  ['overview', renderPage(<OverviewPage ctx={ctx} live={live()} chart={CHART} notice="Sending started for the whole cluster." />)],
  ['messages', renderPage(<MessagesPage ctx={ctx} items={[message()]} filters={{ ...NO_FILTERS, q: XSS }} cursor={undefined} nextCursor="next" />)],
  [
    'messages refused',
    renderPage(
      <MessagesPage ctx={ctx} items={[]} filters={{ ...NO_FILTERS, q: 'ab' }} cursor={undefined} nextCursor={null} problems={[`“${XSS}” is too short`]} />,
    ),
  ],
  ['message', renderPage(<MessagePage ctx={ctx} details={details(message())} receipt={null} />)],
  ['message in doubt', renderPage(<MessagePage ctx={ctx} details={IN_DOUBT_DETAILS} receipt={null} />)],
  ['message settled', renderPage(<MessagePage ctx={ctx} details={SETTLED_DETAILS} receipt={null} notice="Settled by hand." />)],
  [
    'in doubt',
    renderPage(
      <InDoubtPage
        ctx={ctx}
        items={[
          { message: IN_DOUBT, evidence: inDoubtEvidence(IN_DOUBT, IN_DOUBT_DETAILS.attempts) },
          {
            message: message({ id: '1b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11', status: 'unknown', failureReason: LEASE_LOST }),
            evidence: inDoubtEvidence(message({ status: 'unknown', failureReason: LEASE_LOST }), []),
          },
        ]}
        cursor={undefined}
        nextCursor="next"
        settleError={{ id: IN_DOUBT.id, problems: ['Give a reason.'], values: { outcome: 'failed', reason: XSS, gatewayMessageId: '' } }}
      />,
    ),
  ],
  ['replay', renderPage(<ReplayPage ctx={ctx} form={{ statuses: [], from: null, to: null }} cadence={CADENCE} />)],
  ['replay preview', renderPage(<ReplayPage ctx={ctx} form={REPLAY_FORM} cadence={CADENCE} preview={PREVIEW} />)],
  ['replay changed', renderPage(<ReplayPage ctx={ctx} form={REPLAY_FORM} cadence={CADENCE} preview={PREVIEW} changed />)],
  ['replay done', renderPage(<ReplayPage ctx={ctx} form={{ statuses: [], from: null, to: null }} cadence={CADENCE} replayed={3} />)],
  ['audit', renderPage(<AuditPage ctx={ctx} entries={AUDIT} actions={[]} cursor="c" nextCursor="next" />)],
  ['confirm', renderPage(<ConfirmPage ctx={ctx} action="stop" running />)],
  ['error', renderPage(<ErrorPage ctx={ctx} status={404} title="Message not found" detail={`No message has the id ${XSS}.`} />)],
];

describe('dashboard views', () => {
  it.each(PAGES)('%s: escapes data, and has no inline script, style or event handler (the CSP forbids them)', (_name, html) => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toContain(XSS);
    expect(html).toMatch(/<html lang="en">/);
    for (const script of html.match(/<script\b[^>]*>[\s\S]*?<\/script>/g) ?? [])
      expect(script).toMatch(/^<script src="\/dashboard\/assets\/[^"]+"[^>]*><\/script>$/);
    expect(html).not.toMatch(/<style\b/);
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/\shx-on/);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('shows message content, failure reasons, reasons and actors as text on the new pages too', () => {
    for (const name of ['message in doubt', 'message settled', 'in doubt', 'replay preview', 'audit', 'overview', 'messages refused']) {
      const [, html] = PAGES.find(([n]) => n === name)!;
      expect(html).toContain('&lt;script>alert(1)&lt;/script>');
    }
  });

  it('shows message content and failure reasons as text', () => {
    const [, list] = PAGES.find(([name]) => name === 'messages')!;
    const [, page] = PAGES.find(([name]) => name === 'message')!;
    expect(list).toContain('&lt;script>alert(1)&lt;/script>');
    expect(page).toContain('&lt;script>alert(1)&lt;/script>');
    expect(page).toContain('gateway answered 400: &lt;script>');
  });

  it('masks phone numbers in the list and shows the full number on the message’s page', () => {
    const [, list] = PAGES.find(([name]) => name === 'messages')!;
    const [, page] = PAGES.find(([name]) => name === 'message')!;
    expect(list).toContain('+90555*****11');
    expect(list).not.toContain('+905551111111');
    expect(page).toContain('+905551111111');
  });

  it('puts the session’s CSRF token in every form that posts, and never the key', () => {
    for (const [name, html] of PAGES) {
      const posts = html.match(/<form[^>]*method="post"[^>]*>[\s\S]*?<\/form>/g) ?? [];
      for (const form of posts) if (name !== 'login') expect(form).toContain(`name="_csrf" value="${SESSION.csrfToken}"`);
    }
  });

  it('gives the browser tests their hooks', () => {
    const html = new Map(PAGES);
    expect(html.get('login')).toMatch(/<form id="login"/);
    expect(html.get('login')).toMatch(/<label for="key">API key<\/label>/);
    expect(html.get('login')).toMatch(/<input id="key" name="key" type="password"/);
    for (const state of ['pending', 'sending', 'sent', 'failed', 'unknown', 'expired']) expect(html.get('overview')).toContain(`data-count="${state}"`);
    expect(html.get('overview')).toMatch(/id="next-tick" data-countdown data-at="2026-11-22T10:01:30.000Z"/);
    expect(html.get('overview')).toContain('data-action="stop"');
    expect(html.get('confirm')).toMatch(/<form class="confirm" method="post" action="\/dashboard\/scheduler\/stop" data-action="stop">/);
    expect(html.get('messages')).toMatch(/<tr class="row" data-id="0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11">/);
    expect(html.get('messages')).toMatch(/<input id="search" name="q"/);
    expect(html.get('overview')).toMatch(/<input id="search" name="q"/);
    expect(html.get('message')).toContain('data-action="replay"');
  });

  it('links each count to the list of its state', () => {
    const html = renderFragment(<LivePanel live={live()} />);
    expect(html).toContain('href="/dashboard/messages?status=failed"');
    expect(html).toMatch(/data-count="pending" data-value="4">4</);
  });

  it('shows the configured rate next to the achieved one, saying where the achieved one comes from', () => {
    const html = renderFragment(
      <LivePanel
        live={live({
          intervalMs: 60_000,
          batchSize: 5,
          totals: { ticks: 4, claimed: 20, sent: 18, retried: 2, failed: 0, unknown: 0, invalid: 0, expired: 0, dropped: 0, released: 0 },
          lastTick: {
            startedAt: NOW,
            durationMs: 40,
            claimed: 5,
            sent: 3,
            retried: 2,
            failed: 0,
            unknown: 0,
            invalid: 0,
            expired: 0,
            dropped: 0,
            released: 0,
            skipped: null,
          },
        })}
      />,
    );
    expect(html).toContain('<span id="rate-configured">5</span> messages per minute');
    expect(html).toContain('<span id="rate-achieved">4.5</span> messages per minute: 18 sent in 4 ticks of this replica');
    expect(html).toContain('last tick alone: 3 per minute');
  });

  it('says when there is no next tick, and shows an open breaker’s next probe', () => {
    const stopped = renderFragment(<LivePanel live={live({ running: false, nextTickAt: null })} />);
    expect(stopped).toContain('<span id="next-tick">none: sending is stopped</span>');
    expect(stopped).toContain('data-action="start"');
    const open = renderFragment(
      <LivePanel live={live({ breaker: { state: 'open', consecutiveFailures: 5, openedAt: NOW, probeAt: new Date(NOW.getTime() + 30_000) } })} />,
    );
    expect(open).toMatch(/id="breaker-probe" data-countdown data-at="2026-11-22T10:00:30.000Z"[^>]*>in 30 s</);
  });

  it('offers Replay only for failed, unknown and expired messages', () => {
    for (const state of ['failed', 'unknown', 'expired'] as const) {
      expect(renderPage(<MessagePage ctx={ctx} details={details(message({ status: state }))} receipt={null} />)).toContain('data-action="replay"');
    }
    for (const state of ['pending', 'sending', 'sent'] as const) {
      expect(renderPage(<MessagePage ctx={ctx} details={details(message({ status: state }))} receipt={null} />)).not.toContain('data-action="replay"');
    }
  });

  it('shows who last started or stopped sending, from the operator log', () => {
    const html = renderFragment(<LivePanel live={live()} />);
    expect(html).toMatch(
      /<dd data-slot="last-change"><span id="last-change" data-action="stop" data-source="dashboard" data-actor="session:key 0123456789ab · s-abcdef">/,
    );
    expect(html).toContain('stopped by <code class="actor">session:key 0123456789ab · s-abcdef</code> (the dashboard)');
    expect(renderFragment(<LivePanel live={live({}, null)} />)).toContain('no start or stop in the');
  });

  it('links the navigation to every page, with the number of messages in doubt', () => {
    const html = new Map(PAGES).get('audit')!;
    for (const [id, href] of [
      ['overview', '/dashboard'],
      ['messages', '/dashboard/messages'],
      ['in-doubt', '/dashboard/in-doubt'],
      ['replay', '/dashboard/replay'],
      ['audit', '/dashboard/audit'],
    ]) {
      expect(html).toContain(`<a id="nav-${id}" href="${href}"`);
    }
    expect(html).toMatch(/<a id="nav-audit" href="\/dashboard\/audit" aria-current="page">/);
    expect(html).toContain('<span class="nav-count attention" data-nav-count="unknown" data-value="3">3<span class="visually-hidden"> messages</span></span>');
  });

  it('draws the chart from a data attribute, links the ranges, and says what it shows in words', () => {
    const html = new Map(PAGES).get('overview')!;
    expect(html).toContain(`<script src="${ASSETS.uplotJs}" defer></script>`);
    expect(html).toContain(`<link rel="stylesheet" href="${ASSETS.uplotCss}"/>`);
    const json = /<div id="sent-chart" class="chart-canvas" data-range="1h" data-chart="([^"]+)" aria-hidden="true"><\/div>/.exec(html)![1];
    const data = JSON.parse(json.replaceAll('&quot;', '"').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&'));
    expect(data).toMatchObject({ range: '1h', start: minute(-59).getTime() / 1000, step: 60 });
    expect(data.sent).toHaveLength(60);
    expect(data.events).toEqual([
      { t: minute(-30).getTime() / 1000, kind: 'stop', who: `session:${XSS} (dashboard)` },
      { t: minute(-20).getTime() / 1000, kind: 'breaker-opened', who: null },
    ]);
    expect(html).toContain('<a id="range-1h" href="/dashboard?range=1h" class="selected" aria-current="true">Last hour</a>');
    expect(html).toContain('<a id="range-24h" href="/dashboard?range=24h">Last 24 hours</a>');
    expect(html).toMatch(/<figcaption id="chart-summary" data-total="\d+">[\d,]+ messages sent in the last hour; the busiest minute was 09:51 UTC with 12\./);
    expect(html).toContain('2 events marked');
    expect(html).toMatch(/<tr data-kind="breaker-opened"><td data-label="When"><time[^>]*>[^<]+<\/time><\/td><td data-label="What">circuit breaker opened/);
    expect(html).not.toContain(`<div id="sent-chart" class="chart-canvas" data-range="1h" data-chart="${XSS}`);
  });

  it('lists the messages in doubt with their evidence, replay and settle forms, and a refused settlement next to its form', () => {
    const html = new Map(PAGES).get('in doubt')!;
    expect(html).toMatch(
      /<li class="row in-doubt-item panel" data-id="0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11" id="in-doubt-0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11">/,
    );
    expect(html).toContain('data-slot="cause" data-cause="timeout"');
    expect(html).toContain('data-slot="cause" data-cause="sender-died"');
    expect(html).toContain('<code data-slot="idempotency-key">0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11</code>');
    expect(html).toMatch(/<dd data-slot="went-out"><time datetime="2026-11-22T10:00:00.000Z">/);
    expect(html).toMatch(
      /<form class="replay" method="post" action="\/dashboard\/messages\/0b9d9c54-[^"]+\/replay" data-action="replay" data-id="0b9d9c54-[^"]+">/,
    );
    expect(html).toMatch(
      /<form class="settle" method="post" action="\/dashboard\/messages\/0b9d9c54-[^"]+\/settle" data-action="settle" data-id="0b9d9c54-[^"]+">/,
    );
    expect(html).toContain('<input type="hidden" name="back" value="in-doubt"/>');
    expect(html).toContain('id="outcome-sent-0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11" name="outcome" value="sent" required');
    expect(html).toMatch(/id="outcome-failed-0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11" name="outcome" value="failed" checked/);
    expect(html).toContain('<textarea id="reason-0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11" name="reason" rows="2" maxlength="500" required>&lt;script>');
    expect(html).toContain(
      '<div class="field-error" id="settle-error-0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11" role="alert" data-slot="settle-error"><p>Give a reason.</p>',
    );
    expect(html.match(/data-slot="settle-error"/g)).toHaveLength(1);
    expect(html).toContain('<a href="/dashboard/in-doubt?cursor=next" rel="next">Next page</a>');
  });

  it('shows the settle form only while a message is in doubt, and operators’ decisions marked as such in its history', () => {
    const doubt = new Map(PAGES).get('message in doubt')!;
    expect(doubt).toContain('data-action="settle"');
    expect(doubt).toContain('<input type="hidden" name="back" value="message"/>');
    expect(doubt).toMatch(
      /<ol class="timeline history" id="history"><li class="history-created" data-kind="created">.*<li class="history-attempt" data-kind="attempt">/,
    );
    const settled = new Map(PAGES).get('message settled')!;
    expect(settled).not.toContain('data-action="settle"');
    expect(settled).toMatch(
      new RegExp(
        '<li class="history-decision" data-kind="decision"><time[^>]*>2026-11-22 10:01:00 UTC</time>: ' +
          '<strong class="decision-mark">Operator decision</strong>: settled by hand as <span class="state state-sent">sent</span> ' +
          'by <code class="actor">session:key 0123456789ab · s-abcdef</code>',
      ),
    );
    expect(settled).toContain('support confirmed &lt;script>');
    expect(settled).toContain('gateway messageId <code>67f2f8a8-ea58-4ed0-a6f9-ff217df4d849</code>');
  });

  it('keeps the list’s filters in its page links and its time fields in UTC', () => {
    const filters = { status: 'failed' as const, q: 'bad number', from: new Date('2026-11-22T09:00:00.000Z'), to: new Date('2026-11-22T10:30:15.000Z') };
    const html = renderPage(<MessagesPage ctx={ctx} items={[message()]} filters={filters} cursor="c1" nextCursor="c2" />);
    expect(html).toContain('<input id="from" name="from" type="datetime-local" step="1" value="2026-11-22T09:00"');
    expect(html).toContain('value="2026-11-22T10:30:15"');
    expect(html).toContain(
      '<a href="/dashboard/messages?status=failed&amp;q=bad+number&amp;from=2026-11-22T09%3A00&amp;to=2026-11-22T10%3A30%3A15&amp;cursor=c2" rel="next">',
    );
    expect(html).toContain(
      '<a href="/dashboard/messages?status=failed&amp;q=bad+number&amp;from=2026-11-22T09%3A00&amp;to=2026-11-22T10%3A30%3A15">First page</a>',
    );
    const refused = new Map(PAGES).get('messages refused')!;
    expect(refused).toMatch(/<div class="notice notice-error" role="alert" id="filter-error"><p>/);
    expect(refused).not.toContain('<table');
  });

  it('previews a replay with its breakdown, sample, drain time, and a confirm form carrying the same filter and the token', () => {
    const html = new Map(PAGES).get('replay preview')!;
    expect(html).toContain('<input type="checkbox" id="replay-status-failed" name="status" value="failed" checked/>');
    expect(html).toContain('<input type="checkbox" id="replay-status-expired" name="status" value="expired"/>');
    expect(html).toContain('<strong id="preview-count" data-value="3">3</strong>');
    expect(html).toContain('<div class="fact" data-status="failed" data-value="2">');
    expect(html).toContain('<a href="/dashboard/messages/1b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11" data-id="1b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11">');
    expect(html).toContain('<p id="preview-drain" data-seconds="240">They would take about 4 min to send at the current cadence (2 messages every 2 min).</p>');
    const form =
      /<form class="confirm replay-confirm" method="post" action="\/dashboard\/replay" data-action="replay-confirm" data-count="3">.*?<\/form>/s.exec(html)![0];
    expect(form).toContain('<input type="hidden" name="status" value="failed"/><input type="hidden" name="status" value="unknown"/>');
    expect(form).toContain('<input type="hidden" name="from" value="2026-11-22T09:00:00.000Z"/>');
    expect(form).not.toContain('name="to"');
    expect(form).toContain('<input type="hidden" name="previewToken" value="token-of-the-preview"/>');
    expect(new Map(PAGES).get('replay changed')).toContain('<div class="notice notice-error" role="alert" id="replay-changed">');
    expect(new Map(PAGES).get('replay done')).toContain('<span id="replay-result" data-count="3">Replayed 3 messages');
    expect(new Map(PAGES).get('replay')).not.toContain('id="replay-preview"');
  });

  it('lists the operator log with who, what, how many and the detail in words', () => {
    const html = new Map(PAGES).get('audit')!;
    expect(html).toMatch(/<tr class="row" data-id="9" data-action="settle" data-source="dashboard">/);
    expect(html).toContain('<code class="actor">session:key 0123456789ab · s-abcdef</code> <span class="source source-dashboard">dashboard</span>');
    expect(html).toContain('<td data-label="What">settled by hand</td><td data-label="Messages">1</td>');
    expect(html).toContain('<dt>message</dt><dd><a href="/dashboard/messages/0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11">');
    expect(html).toContain('<dt>reason</dt><dd>&lt;script>alert(1)&lt;/script></dd>');
    expect(html).not.toContain('gateway messageId');
    expect(html).toContain('<dt>states</dt><dd>failed</dd>');
    expect(html).toContain('<a href="/dashboard/audit?cursor=next" rel="next">Next page</a>');
  });
});
