/**
 * Messages in a real browser, against the sandbox gateway over HTTP: a message the gateway
 * refused is replayed from its page and then sent (the sandbox receives it again; its page then
 * says sent, with the replay and the receipt); search finds a message by the messageId the
 * gateway gave it, and by its own id; the list's keyboard shortcuts work.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { waitFor } from '@test/support/waits.js';
import { BROWSER_TEST_TIMEOUT_MS, type BrowserStack, startBrowserStack, watchErrors } from './support/browser-stack.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The messages a search shows: the one message when it opened the message's page, else the ids of the list's rows. */
async function shownMessageIds(page: Page): Promise<string[]> {
  const path = new URL(page.url()).pathname;
  const own = /^\/dashboard\/messages\/([0-9a-f-]{36})$/.exec(path);
  if (own) return [own[1]];
  expect(path).toBe('/dashboard/messages');
  return page.locator('tr.row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-id') ?? ''));
}

describe('messages in Chromium (browser)', () => {
  let env: BrowserStack;
  let page: Page;
  let errors: string[];
  /** Refused by the gateway (400) at its first attempt: failed, until replayed. */
  let refused: string;
  /** Sent at once, with the gateway's messageId. */
  let others: string[];

  beforeAll(async () => {
    env = await startBrowserStack({ env: { DISPATCH_INTERVAL_MS: '1000' }, sandbox: { script: ['400'] } });
    [refused] = await env.stack.insert([{ phone: '+905551110000', content: 'refused at first, then replayed' }]);
    await env.api('POST', '/api/v1/scheduler/start');
    await waitFor('the gateway to refuse the first message', async () => (await env.stack.row(refused)).status === 'failed', 15_000, 50);
    others = await env.stack.insert([
      { phone: '+905552220000', content: 'second message' },
      { phone: '+905553330000', content: 'third message' },
      { phone: '+905554440000', content: 'fourth message' },
    ]);
    await waitFor(
      'the other messages sent',
      async () => {
        const { rows } = await env.stack.db.sql.query(`SELECT count(*)::int AS n FROM messages WHERE id = ANY($1) AND status = 'sent'`, [others]);
        return rows[0].n === others.length;
      },
      15_000,
      50,
    );
    page = await env.signedInPage();
    errors = watchErrors(page);
  }, BROWSER_TEST_TIMEOUT_MS);

  afterAll(async () => {
    await env?.close();
  });

  it(
    'replays a failed message from its page; it is then sent, and its page says so',
    async () => {
      await page.goto(`/dashboard/messages/${refused}`);
      const fields = page.locator('#message-fields');
      expect(await fields.locator('.state').textContent()).toBe('failed');
      expect(await fields.textContent()).toContain('gateway answered 400');
      expect(await page.locator('#message-content').textContent()).toBe('refused at first, then replayed');
      const firstRequests = env.stack.sandbox.received.filter((r) => r.content === 'refused at first, then replayed');
      expect(firstRequests.map((r) => r.answered)).toEqual(['400']);

      await page.locator('form[data-action="replay"] button[type="submit"]').click();
      await page.waitForURL(new RegExp(`/dashboard/messages/${refused}\\?notice=replayed$`));
      expect(await page.getByRole('status').textContent()).toContain('Replayed: the message is pending again');
      expect(await page.locator('#replays li').count()).toBe(1);
      expect(await page.locator('#replays li').textContent()).toContain('replayed from failed');

      // The sandbox receives it a second time and accepts it.
      const accepted = await waitFor(
        'the sandbox to accept the replayed message',
        () => env.stack.sandbox.received.find((r) => r.content === 'refused at first, then replayed' && r.answered === 'accept'),
        15_000,
        50,
      );
      expect(accepted.messageId).toMatch(UUID);
      await waitFor(
        'its page to say sent',
        async () => {
          await page.reload();
          return (await fields.locator('.state').textContent()) === 'sent';
        },
        10_000,
        200,
      );
      expect(await page.locator('form[data-action="replay"]').count()).toBe(0);
      expect(await fields.textContent()).toContain(accepted.messageId!);
      expect(await page.locator('#replays li').count()).toBe(1);
      expect(await page.locator('#attempts li.attempt').count()).toBe(2);
      expect((await env.stack.row(refused)).gateway_message_id).toBe(accepted.messageId);
      expect(errors).toEqual([]);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'finds a message by its own id from the search box of the header',
    async () => {
      await page.goto('/dashboard');
      await page.locator('#search').fill(others[1]);
      await page.locator('#search').press('Enter');
      await page.waitForURL(new RegExp(`/dashboard/messages/${others[1]}$`));
      expect(await shownMessageIds(page)).toEqual([others[1]]);
      expect(await page.locator('#message-content').textContent()).toBe('third message');
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'finds a message by the messageId the gateway gave it',
    async () => {
      const target = others[2];
      const gatewayId = String((await env.stack.row(target)).gateway_message_id);
      expect(gatewayId).toMatch(UUID);
      expect(env.stack.sandbox.received.find((r) => r.content === 'fourth message')?.messageId).toBe(gatewayId);
      expect(gatewayId).not.toBe(target);

      await page.goto('/dashboard/messages');
      expect((await shownMessageIds(page)).length).toBe(4);
      await page.locator('#search').fill(gatewayId);
      await page.locator('#search').press('Enter');
      // Either the list filtered by the search, or the message's own page when the search opens a single match.
      await page.waitForURL((url) => url.searchParams.has('q') || /^\/dashboard\/messages\/[0-9a-f-]{36}$/.test(url.pathname));
      expect(await shownMessageIds(page)).toEqual([target]);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'moves in the list with j and k, opens with Enter, focuses search with /, and lists the shortcuts with ?',
    async () => {
      await page.goto('/dashboard/messages');
      const ids = await shownMessageIds(page);
      expect(ids).toHaveLength(4);

      await page.keyboard.press('/');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('search');
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());

      await page.keyboard.press('j');
      await page.keyboard.press('j');
      await page.keyboard.press('k');
      await page.keyboard.press('j');
      expect(await page.locator('tr.row.selected').getAttribute('data-id')).toBe(ids[1]);
      await page.keyboard.press('Enter');
      await page.waitForURL(new RegExp(`/dashboard/messages/${ids[1]}$`));

      await page.keyboard.press('?');
      const dialog = page.locator('dialog#shortcuts');
      await dialog.waitFor({ state: 'visible' });
      expect(await dialog.getByRole('heading').textContent()).toBe('Keyboard shortcuts');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      expect(errors).toEqual([]);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
