/**
 * The overview in a real browser: its counts are the database's (rows inserted with SQL, counted
 * with SQL), and follow new rows through the live panel; stop and start through the confirmation
 * page change the cluster's state (checked on /api/v1/scheduler/status with the API key); the
 * next-tick countdown moves, also with the live refresh cut off (then the stale banner shows);
 * and the screenshot of the README (docs/dashboard-overview.png, written when UPDATE_SCREENSHOT=1;
 * always to the temp directory).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { waitFor } from '@test/support/waits.js';
import { BROWSER_TEST_TIMEOUT_MS, type BrowserStack, SCREENSHOT_DIR, startBrowserStack, watchErrors } from './support/browser-stack.js';

const STATES = ['pending', 'sending', 'sent', 'failed', 'unknown', 'expired'] as const;
const README_SCREENSHOT = resolve('docs/dashboard-overview.png');

/** Rows in every state but sending, straight into the table (the status counts follow by their triggers). */
const MIX_SQL = `
  INSERT INTO messages (phone_number, content, status, attempt_count, gateway_message_id, sent_at, failure_reason, request_started_at, created_at)
  SELECT '+9055' || lpad(i::text, 8, '0'),
         'Your code is ' || (100000 + i),
         s.status,
         CASE WHEN s.status = 'pending' THEN 0 ELSE 1 END,
         CASE WHEN s.status = 'sent' THEN gen_random_uuid()::text END,
         CASE WHEN s.status = 'sent' THEN now() - interval '5 minutes' END,
         CASE s.status WHEN 'failed' THEN 'gateway answered 400: invalid recipient' WHEN 'expired' THEN 'expired before it could be sent' END,
         CASE WHEN s.status = 'unknown' THEN now() - interval '3 minutes' END,
         now() - interval '10 minutes'
  FROM (VALUES ('pending', 1234), ('sent', 345), ('failed', 12), ('unknown', 3), ('expired', 2)) AS s(status, n),
       generate_series(1, s.n) AS i`;

async function dbCounts(env: BrowserStack): Promise<Record<string, number>> {
  const { rows } = await env.stack.db.sql.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM messages GROUP BY status');
  const counts: Record<string, number> = Object.fromEntries(STATES.map((s) => [s, 0]));
  for (const row of rows) counts[row.status] = row.n;
  return counts;
}

/** What the overview shows: the raw number (data-value) and the text of each count. */
async function pageCounts(page: Page): Promise<Record<string, { value: number; text: string }>> {
  const shown: Record<string, { value: number; text: string }> = {};
  for (const state of STATES) {
    const count = page.locator(`[data-count="${state}"]`);
    shown[state] = { value: Number(await count.getAttribute('data-value')), text: ((await count.textContent()) ?? '').trim() };
  }
  return shown;
}

const asText = (n: number) => n.toLocaleString('en-US');

describe('the overview in Chromium (browser)', () => {
  let env: BrowserStack;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    // A tick every 2 s: the countdown visibly moves and messages go out within seconds.
    env = await startBrowserStack({ env: { DISPATCH_INTERVAL_MS: '2000' } });
    await env.stack.db.sql.query(MIX_SQL);
    page = await env.signedInPage();
    errors = watchErrors(page);
  }, BROWSER_TEST_TIMEOUT_MS);

  afterAll(async () => {
    await env?.close();
  });

  it(
    'shows the counts the database has for each state, each a link to the list of that state',
    async () => {
      const db = await dbCounts(env);
      expect(db).toEqual({ pending: 1234, sending: 0, sent: 345, failed: 12, unknown: 3, expired: 2 });
      await page.goto('/dashboard');
      const shown = await pageCounts(page);
      for (const state of STATES) expect({ state, ...shown[state] }).toEqual({ state, value: db[state], text: asText(db[state]) });
      expect(shown.pending.text).toBe('1,234');
      for (const state of STATES) expect(await page.locator(`a#count-${state}`).getAttribute('href')).toBe(`/dashboard/messages?status=${state}`);

      // The failed count opens the list of failed messages.
      await page.locator('a#count-failed').click();
      await page.waitForURL(/\/dashboard\/messages\?status=failed$/);
      expect(await page.locator('tr.row').count()).toBe(12);
      expect(await page.locator('tr.row .state').allTextContents()).toEqual(Array(12).fill('failed'));
      expect(errors).toEqual([]);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'follows the database as rows change, through the live panel, without a reload',
    async () => {
      await page.goto('/dashboard');
      const url = page.url();
      await env.stack.db.sql.query(`UPDATE messages SET status = 'failed', failure_reason = 'operator test' WHERE id IN (
        SELECT id FROM messages WHERE status = 'pending' ORDER BY created_at LIMIT 7)`);
      await env.stack.insert([{ phone: '+905551234567', content: 'one more' }]);
      const db = await dbCounts(env);
      expect(db).toMatchObject({ pending: 1228, failed: 19 });
      await waitFor(
        'the live panel to show the new counts',
        async () => {
          const shown = await pageCounts(page);
          return STATES.every((s) => shown[s].value === db[s] && shown[s].text === asText(db[s]));
        },
        10_000,
        200,
      );
      expect(page.url()).toBe(url);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'stops and starts sending for the cluster from the page, through the confirmation step',
    async () => {
      expect((await env.api('GET', '/api/v1/scheduler/status')).running).toBe(false);
      await page.goto('/dashboard');
      expect(await page.locator('#scheduler-state').getAttribute('data-running')).toBe('false');

      // Start: the link opens the confirmation; nothing changes before it is confirmed.
      await page.locator('a#scheduler-action[data-action="start"]').click();
      await page.waitForURL(/\/dashboard\/scheduler\/start$/);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Start sending for the whole cluster?');
      expect((await env.api('GET', '/api/v1/scheduler/status')).running).toBe(false);
      await page.locator('form.confirm[data-action="start"] button[type="submit"]').click();
      await page.waitForURL(/\/dashboard\?notice=started$/);
      expect(await page.getByRole('status').filter({ hasText: 'Sending started for the whole cluster.' }).count()).toBe(1);
      expect((await env.api('GET', '/api/v1/scheduler/status')).running).toBe(true);
      expect(await page.locator('#scheduler-state').getAttribute('data-running')).toBe('true');

      // Cancel on the stop confirmation changes nothing.
      await page.locator('a#scheduler-action[data-action="stop"]').click();
      await page.waitForURL(/\/dashboard\/scheduler\/stop$/);
      await page.getByRole('link', { name: 'Cancel' }).click();
      await page.waitForURL(`${env.baseUrl}/dashboard`);
      expect((await env.api('GET', '/api/v1/scheduler/status')).running).toBe(true);

      // Stop.
      await page.locator('a#scheduler-action[data-action="stop"]').click();
      await page.waitForURL(/\/dashboard\/scheduler\/stop$/);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Stop sending for the whole cluster?');
      await page.locator('form.confirm[data-action="stop"] button[type="submit"]').click();
      await page.waitForURL(/\/dashboard\?notice=stopped$/);
      expect((await env.api('GET', '/api/v1/scheduler/status')).running).toBe(false);
      expect(await page.locator('#scheduler-state').getAttribute('data-running')).toBe('false');
      expect(await page.locator('#next-tick').getAttribute('data-at')).toBeNull();
      expect(await page.locator('#next-tick').textContent()).toBe('none: sending is stopped');

      // And start again, for the tests below.
      await page.locator('a#scheduler-action[data-action="start"]').click();
      await page.locator('form.confirm[data-action="start"] button[type="submit"]').click();
      await page.waitForURL(/\/dashboard\?notice=started$/);
      expect((await env.api('GET', '/api/v1/scheduler/status')).running).toBe(true);
      expect(errors).toEqual([]);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'counts down to the next tick: the text changes within two seconds while sending runs, and messages go out',
    async () => {
      await page.goto('/dashboard');
      const countdown = page.locator('#next-tick');
      // While a tick runs on the leader there is no next tick yet (the panel then says none): wait for one, the panel refreshes every 2 s.
      const sample = async () => {
        const at = await countdown.getAttribute('data-at');
        return at === null ? null : { at, text: ((await countdown.textContent()) ?? '').trim() };
      };
      const first = await waitFor('a next tick to count down to', sample, 6_000, 100);
      expect(first.at).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
      const seen = new Set([first.text]);
      await waitFor(
        'the countdown to change',
        async () => {
          const now = await sample();
          if (now) seen.add(now.text);
          return seen.size >= 2;
        },
        2_000,
        50,
      );
      for (const text of seen) expect(text).toMatch(/^(in \d+ s|due now)$/);

      // Sending runs: the sent count grows on the page as the sandbox receives messages.
      const sentBefore = Number(await page.locator('[data-count="sent"]').getAttribute('data-value'));
      await waitFor('the sandbox to receive messages', () => env.stack.sandbox.received.length >= 2, 10_000, 100);
      await waitFor(
        'the sent count to grow on the page',
        async () => Number(await page.locator('[data-count="sent"]').getAttribute('data-value')) > sentBefore,
        10_000,
        200,
      );
      expect(errors).toEqual([]);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'keeps counting down on its own when the live refresh fails, and says the figures are stale',
    async () => {
      const context = await env.context({ storageState: await page.context().storageState() });
      const cut = await context.newPage();
      // The page itself loads; every refresh of its live panel fails.
      await cut.route('**/dashboard/fragments/live', (route) => route.abort());
      await waitFor(
        'an overview whose next tick is still ahead',
        async () => {
          await cut.goto('/dashboard');
          return /^in \d+ s$/.test(((await cut.locator('#next-tick').textContent()) ?? '').trim());
        },
        10_000,
        0,
      );
      expect(await cut.locator('#stale').isHidden()).toBe(true);
      const refreshed = await cut.locator('#live .live').getAttribute('data-refreshed-at');
      const at = Date.parse((await cut.locator('#next-tick').getAttribute('data-at')) ?? '');
      // No fragment arrives, so only the page's own script can change the text: it reaches "due now" at data-at.
      await waitFor('the countdown to reach due now', async () => (await cut.locator('#next-tick').textContent())?.trim() === 'due now', 5_000, 50);
      expect(Date.now()).toBeGreaterThanOrEqual(at - 1_000);
      await cut.locator('#stale').waitFor({ state: 'visible', timeout: 10_000 });
      expect(await cut.locator('#stale').textContent()).toContain('The figures below are stale');
      expect(await cut.locator('#live .live').getAttribute('data-refreshed-at')).toBe(refreshed);

      // The refresh works again: the banner goes.
      await cut.unroute('**/dashboard/fragments/live');
      await cut.locator('#stale').waitFor({ state: 'hidden', timeout: 10_000 });
      await context.close();
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'takes the overview screenshot at 1280x800',
    async () => {
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.goto('/dashboard');
      await page.locator('#next-tick[data-at]').waitFor();
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const file = join(SCREENSHOT_DIR, 'overview-1280x800.png');
      const png = await page.screenshot({ path: file });
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(png.readUInt32BE(16)).toBe(1280);
      expect(png.readUInt32BE(20)).toBe(800);
      if (process.env.UPDATE_SCREENSHOT === '1') await page.screenshot({ path: README_SCREENSHOT });
      expect(errors).toEqual([]);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
