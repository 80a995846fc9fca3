/**
 * The operator's tools in a real browser (the dashboard's phase 2): a bulk replay's preview
 * counts exactly what the confirmation replays (and when the set changes in between, nothing is
 * replayed and the page says so); messages in doubt (made by the sandbox dropping connections)
 * are settled by hand from the inbox and from their own page, and their history shows the
 * operator's decision; the overview says who stopped sending; the operator log lists it all; the
 * sent-per-minute chart counts what the database has and marks the starts and stops.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { waitFor } from '@test/support/waits.js';
import { BROWSER_TEST_TIMEOUT_MS, type BrowserStack, startBrowserStack, watchErrors } from './support/browser-stack.js';

/** failed (two reasons) and expired rows, straight into the table: what a bulk replay takes. */
const REPLAYABLE_SQL = `
  INSERT INTO messages (phone_number, content, status, attempt_count, failure_reason, created_at)
  SELECT '+9055' || lpad(i::text, 8, '0'), 'Bulk ' || s.status || ' ' || i, s.status, 1, s.reason, now() - interval '1 hour'
  FROM (VALUES ('failed', 'gateway answered 400: invalid recipient', 4),
               ('failed', 'gateway answered 503 and attempts ran out', 3),
               ('expired', 'expired before it could be sent', 3)) AS s(status, reason, n),
       generate_series(1, s.n) AS i`;

const DECISION_FAILED = 'The gateway support desk says it never arrived (ticket 4411).';
const DECISION_SENT = 'The handset received it: confirmed by phone with the customer.';
const GATEWAY_ID = '67f2f8a8-ea58-4ed0-a6f9-ff217df4d849';

describe('the operator’s tools in Chromium (browser)', () => {
  let env: BrowserStack;
  let page: Page;
  let errors: string[];
  /** Two messages whose connection the sandbox dropped after the request went out: unknown. */
  let doubtful: string[];
  /** This browser session's label, as the header shows it. */
  let label: string;

  const countByStatus = async (status: string) =>
    (await env.stack.db.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM messages WHERE status = $1', [status])).rows[0].n;

  beforeAll(async () => {
    env = await startBrowserStack({ env: { DISPATCH_INTERVAL_MS: '1000' }, sandbox: { script: ['reset', 'reset'] } });
    doubtful = await env.stack.insert([
      { phone: '+905551110000', content: 'Your code is 481516' },
      { phone: '+905552220000', content: 'Your code is 234223' },
    ]);
    await env.api('POST', '/api/v1/scheduler/start');
    await waitFor(
      'both messages in doubt',
      async () => (await env.stack.db.sql.query(`SELECT 1 FROM messages WHERE id = ANY($1) AND status = 'unknown'`, [doubtful])).rowCount === 2,
      15_000,
      50,
    );
    await env.api('POST', '/api/v1/scheduler/stop');
    await env.stack.db.sql.query(REPLAYABLE_SQL);
    page = await env.signedInPage();
    errors = watchErrors(page);
    await page.goto('/dashboard');
    label = ((await page.locator('.who').textContent()) ?? '').trim();
    expect(label).toMatch(/^key [0-9a-f]{12} · s-[0-9a-f]{6}$/);
  }, BROWSER_TEST_TIMEOUT_MS);

  afterAll(async () => {
    await env?.close();
  });

  it(
    'replays exactly what the preview counted, and replays nothing when the set changed after the preview',
    async () => {
      await page.goto('/dashboard/replay');
      await page.locator('#replay-status-failed').check();
      await page.locator('#replay-status-expired').check();
      await page.locator('#preview-button').click();
      await page.waitForURL(/\/dashboard\/replay\?.*preview=1/);

      const previewed = () => page.locator('#preview-count').getAttribute('data-value').then(Number);
      expect(await previewed()).toBe(10);
      expect((await countByStatus('failed')) + (await countByStatus('expired'))).toBe(10);
      expect(await page.locator('#preview-by-status [data-status="failed"]').getAttribute('data-value')).toBe('7');
      expect(await page.locator('#preview-by-status [data-status="expired"]').getAttribute('data-value')).toBe('3');
      expect(await page.locator('#preview-by-status [data-status="unknown"]').count()).toBe(0);
      const sample = await page.locator('#preview-sample a').evaluateAll((links) => links.map((a) => a.getAttribute('data-id') ?? ''));
      expect(sample).toHaveLength(10);
      const { rows: set } = await env.stack.db.sql.query<{ id: string }>(`SELECT id FROM messages WHERE status IN ('failed', 'expired')`);
      expect([...sample].sort()).toEqual(set.map((r) => r.id).sort());

      // One more failed message joins the set before the confirmation: nothing is replayed, and the new preview is shown.
      await env.stack.db.sql.query(
        `INSERT INTO messages (phone_number, content, status, attempt_count, failure_reason)
         VALUES ('+905559990000', 'late', 'failed', 1, 'gateway answered 400')`,
      );
      const [refused] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/dashboard/replay') && r.request().method() === 'POST'),
        page.locator('form[data-action="replay-confirm"] button[type="submit"]').click(),
      ]);
      expect(refused.status()).toBe(409);
      await page.locator('#replay-changed').waitFor();
      expect(await countByStatus('failed')).toBe(8);
      expect(await countByStatus('expired')).toBe(3);
      expect(await countByStatus('pending')).toBe(0);
      expect(await previewed()).toBe(11);

      // Confirmed again: exactly the 11 of the new preview are replayed.
      await page.locator('form[data-action="replay-confirm"] button[type="submit"]').click();
      await page.waitForURL(/\/dashboard\/replay\?replayed=11$/);
      expect(await page.locator('#replay-result').getAttribute('data-count')).toBe('11');
      expect({ failed: await countByStatus('failed'), expired: await countByStatus('expired'), pending: await countByStatus('pending') }).toEqual({
        failed: 0,
        expired: 0,
        pending: 11,
      });
      expect(await countByStatus('unknown')).toBe(2);
      const { rows: replays } = await env.stack.db.sql.query<{ n: number }>('SELECT count(DISTINCT message_id)::int AS n FROM message_replays');
      expect(replays[0].n).toBe(11);
      expect(errors.filter((e) => !e.includes('status of 409'))).toEqual([]);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'settles a message in doubt by hand from the inbox; its history shows the operator’s decision',
    async () => {
      errors.length = 0;
      const [target, other] = doubtful;
      await page.goto('/dashboard/in-doubt');
      const ids = await page.locator('li.in-doubt-item').evaluateAll((items) => items.map((li) => li.getAttribute('data-id')));
      expect([...ids].sort()).toEqual([...doubtful].sort());
      const item = page.locator(`li.in-doubt-item[data-id="${target}"]`);
      expect(await item.locator('[data-slot="idempotency-key"]').textContent()).toBe(target);

      const form = item.locator('form[data-action="settle"]');
      await form.getByLabel('Failed: the gateway does not have it').check();
      await form.getByLabel(/^Reason/).fill(DECISION_FAILED);
      await form.getByRole('button', { name: 'Settle' }).click();
      await page.waitForURL(new RegExp(`/dashboard/in-doubt\\?settled=${target}$`));
      const notice = page.locator(`[data-notice="settled"][data-id="${target}"]`);
      expect(await notice.locator('.state').textContent()).toBe('failed');
      expect(await page.locator('li.in-doubt-item').evaluateAll((items) => items.map((li) => li.getAttribute('data-id')))).toEqual([other]);
      expect((await env.stack.row(target)).status).toBe('failed');

      await page.goto(`/dashboard/messages/${target}`);
      expect(await page.locator('#message-fields .state').first().textContent()).toBe('failed');
      const decision = page.locator('#history li[data-kind="decision"]');
      expect(await decision.count()).toBe(1);
      const text = (await decision.textContent()) ?? '';
      expect(text).toContain('Operator decision');
      expect(await decision.locator('.state').textContent()).toBe('failed');
      expect(await decision.locator('.decision-reason').textContent()).toBe(DECISION_FAILED);
      expect(await decision.locator('.actor').textContent()).toBe(`session:${label}`);
      expect(text).toContain('the dashboard');
      // It came after the attempt whose connection was dropped.
      const kinds = await page.locator('#history li').evaluateAll((items) => items.map((li) => li.getAttribute('data-kind')));
      expect(kinds).toEqual(['created', 'attempt', 'decision']);
      expect(errors).toEqual([]);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'settles the other one as sent, with the gateway’s messageId, from its own page',
    async () => {
      const target = doubtful[1];
      await page.goto(`/dashboard/messages/${target}`);
      const form = page.locator('form[data-action="settle"]');
      await form.getByLabel('Sent: the gateway has it').check();
      await form.getByLabel(/^Reason/).fill(DECISION_SENT);
      await form.getByLabel(/^Gateway messageId/).fill(GATEWAY_ID);
      await form.getByRole('button', { name: 'Settle' }).click();
      await page.waitForURL(new RegExp(`/dashboard/messages/${target}\\?notice=settled$`));
      expect(await page.locator('#message-fields .state').first().textContent()).toBe('sent');
      expect(await page.locator('#message-fields').textContent()).toContain(GATEWAY_ID);
      expect(await page.locator('form[data-action="settle"]').count()).toBe(0);
      const decision = page.locator('#history li[data-kind="decision"]');
      expect(await decision.locator('.state').textContent()).toBe('sent');
      expect(await decision.textContent()).toContain(GATEWAY_ID);
      const row = await env.stack.row(target);
      expect({ status: row.status, gateway: row.gateway_message_id }).toEqual({ status: 'sent', gateway: GATEWAY_ID });
      await page.goto('/dashboard/in-doubt');
      expect(await page.locator('li.in-doubt-item').count()).toBe(0);
      expect(errors).toEqual([]);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'says on the overview who stopped sending, and lists every action in the operator log',
    async () => {
      await page.goto('/dashboard');
      // The last change so far came from the API (beforeAll).
      expect(await page.locator('#last-change').getAttribute('data-source')).toBe('api');
      await page.locator('a#scheduler-action[data-action="start"]').click();
      await page.locator('form.confirm[data-action="start"] button[type="submit"]').click();
      await page.waitForURL(/\/dashboard\?notice=started$/);
      await page.locator('a#scheduler-action[data-action="stop"]').click();
      await page.locator('form.confirm[data-action="stop"] button[type="submit"]').click();
      await page.waitForURL(/\/dashboard\?notice=stopped$/);
      const last = page.locator('#last-change');
      expect({
        action: await last.getAttribute('data-action'),
        source: await last.getAttribute('data-source'),
        actor: await last.getAttribute('data-actor'),
      }).toEqual({ action: 'stop', source: 'dashboard', actor: `session:${label}` });

      await page.goto('/dashboard/audit');
      const rows = await page
        .locator('#audit tr.row')
        .evaluateAll((trs) => trs.map((tr) => `${tr.getAttribute('data-source')} ${tr.getAttribute('data-action')}`));
      // Newest first: the dashboard's stop, start, two settlements and the bulk replay; the API's stop and start.
      expect(rows).toEqual(['dashboard stop', 'dashboard start', 'dashboard settle', 'dashboard settle', 'dashboard replay', 'api stop', 'api start']);
      const replay = page.locator('#audit tr.row[data-action="replay"]');
      expect(((await replay.locator('td[data-label="Messages"]').textContent()) ?? '').trim()).toBe('11');
      expect(await replay.locator('.actor').textContent()).toBe(`session:${label}`);
      expect(errors).toEqual([]);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
  it(
    'draws the sent-per-minute chart with uPlot: the database’s sent messages, with the starts and stops marked',
    async () => {
      await page.goto('/dashboard');
      const chart = page.locator('#sent-chart');
      await page.locator('#sent-chart[data-drawn="true"] canvas').first().waitFor();
      const box = await page.locator('#sent-chart canvas').first().boundingBox();
      expect(box!.width).toBeGreaterThan(200);
      expect(box!.height).toBeGreaterThan(50);

      const data = JSON.parse((await chart.getAttribute('data-chart')) ?? '{}') as { start: number; sent: number[]; events: { kind: string; who: string }[] };
      const shown = data.sent.reduce((sum, n) => sum + n, 0);
      const { rows } = await env.stack.db.sql.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM messages WHERE status = 'sent' AND sent_at >= to_timestamp($1)`,
        [data.start],
      );
      // The message settled by hand as sent, and whatever went out while the dashboard had sending started.
      expect(shown).toBe(rows[0].n);
      expect(shown).toBeGreaterThanOrEqual(1);
      expect(await page.locator('#chart-summary').getAttribute('data-total')).toBe(String(shown));
      // The API's start and stop (beforeAll), then the dashboard's.
      const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      expect(data.events.map((e) => `${e.kind} ${e.who}`)).toEqual([
        expect.stringMatching(/^start key:[0-9a-f]{12}\b/),
        expect.stringMatching(/^stop key:[0-9a-f]{12}\b/),
        expect.stringMatching(new RegExp(`^start session:${escaped}`)),
        expect.stringMatching(new RegExp(`^stop session:${escaped}`)),
      ]);

      // The last 24 hours is a link too, and draws as well.
      await page.locator('#range-24h').click();
      await page.waitForURL(/\/dashboard\?range=24h$/);
      await page.locator('#sent-chart[data-range="24h"][data-drawn="true"] canvas').first().waitFor();
      expect(errors).toEqual([]);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
