import { describe, expect, it } from '@jest/globals';
import type { MessageDetails, SchedulerStatus } from '@app/application';
import { Message, type MessageProps } from '@app/domain';
import type { AssetUrls } from '../dashboard-assets.js';
import type { DashboardSession } from '../session/dashboard-sessions.js';
import { ConfirmPage } from './confirm-page.js';
import { ErrorPage } from './error-page.js';
import { LoginPage } from './login-page.js';
import { MessagePage } from './message-page.js';
import { MessagesPage } from './messages-page.js';
import { LivePanel, type LiveData, OverviewPage } from './overview-page.js';
import { renderFragment, renderPage } from './render.js';

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
const ctx = { assets: ASSETS, session: SESSION };

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

function live(overrides: Partial<SchedulerStatus> = {}): LiveData {
  return {
    stats: { total: 10, byStatus: { pending: 4, sending: 0, sent: 3, failed: 1, unknown: 1, expired: 1 }, byPriority: [] },
    lag: { oldestDueSince: new Date(NOW.getTime() - 65_000), oldestDueAgeSeconds: 65 },
    status: status(overrides),
    now: NOW,
  };
}

const details = (m: Message) => ({ message: m, attempts: [], replays: [], decisions: [] }) as unknown as MessageDetails;

/** Every page the dashboard renders, with hostile data where there is data. */
const PAGES: [string, string][] = [
  ['login', renderPage(<LoginPage ctx={{ assets: ASSETS, session: null }} next="/dashboard" error="That key is not one of this service’s API keys." />)],
  ['overview', renderPage(<OverviewPage ctx={ctx} live={live()} notice="Sending started for the whole cluster." />)],
  ['messages', renderPage(<MessagesPage ctx={ctx} items={[message()]} status={undefined} q={XSS} cursor={undefined} nextCursor="next" />)],
  ['message', renderPage(<MessagePage ctx={ctx} details={details(message())} receipt={null} />)],
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
});
