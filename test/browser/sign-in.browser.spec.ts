/**
 * Signing in to the dashboard in a real browser: a wrong key leaves the browser on the sign-in
 * page with the error and no cookie; a right key lands on the overview with an HttpOnly cookie
 * that the page's script cannot read, and the key is nowhere the browser keeps things (storage,
 * cookies, URLs, history, the page). Signing out ends the session.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BrowserContext, Page } from 'playwright-core';
import { API_KEY } from '@test/support/stack.js';
import { BROWSER_TEST_TIMEOUT_MS, type BrowserStack, startBrowserStack, watchErrors } from './support/browser-stack.js';

const WRONG_KEY = 'not-one-of-the-api-keys-0000';

describe('dashboard sign-in in Chromium (browser)', () => {
  let env: BrowserStack;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  /** Every URL the browser asked for in this context. */
  const requested: string[] = [];

  beforeAll(async () => {
    env = await startBrowserStack();
    context = await env.context();
    context.on('request', (request) => requested.push(request.url()));
    page = await context.newPage();
    errors = watchErrors(page);
  }, BROWSER_TEST_TIMEOUT_MS);

  afterAll(async () => {
    await env?.close();
  });

  it(
    'sends a visitor without a session to the sign-in form',
    async () => {
      await page.goto('/dashboard/messages?status=failed');
      expect(new URL(page.url()).pathname).toBe('/dashboard/login');
      expect(await page.locator('form#login').isVisible()).toBe(true);
      expect(await page.getByLabel('API key').getAttribute('type')).toBe('password');
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'keeps a wrong key on the sign-in page with the error, and sets no cookie',
    async () => {
      await page.goto('/dashboard/login');
      await page.getByLabel('API key').fill(WRONG_KEY);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/dashboard/login') && r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
      expect(response.status()).toBe(401);
      await page.waitForLoadState();
      expect(new URL(page.url()).pathname).toBe('/dashboard/login');
      expect(await page.locator('form#login').isVisible()).toBe(true);
      expect(await page.getByRole('alert').textContent()).toContain('That key is not one of this service’s API keys.');
      expect(await context.cookies()).toEqual([]);
      // The wrong key is not echoed back into the form or the page either.
      expect(await page.content()).not.toContain(WRONG_KEY);
      expect(await page.getByLabel('API key').inputValue()).toBe('');
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'signs in with a right key: the overview, an HttpOnly cookie the page cannot read, and the key nowhere in the browser',
    async () => {
      // The wrong key's 401 page logged its status as a console error; only what follows counts here.
      errors.length = 0;
      await page.goto('/dashboard/login');
      await page.getByLabel('API key').fill(API_KEY);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${env.baseUrl}/dashboard`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Overview');
      expect(await page.locator('[data-count="pending"]').count()).toBe(1);

      const cookies = await context.cookies();
      expect(cookies).toHaveLength(1);
      expect(cookies[0]).toMatchObject({ name: 'dispatcher_session', httpOnly: true, sameSite: 'Strict', path: '/dashboard', secure: false });
      expect(cookies[0].value).not.toContain(API_KEY);
      expect(cookies[0].value).toMatch(/^[A-Za-z0-9_-]{43}$/);

      const seen = await page.evaluate(() => ({
        cookie: document.cookie,
        local: JSON.stringify({ ...localStorage }),
        session: JSON.stringify({ ...sessionStorage }),
        url: location.href,
        historyLength: history.length,
        html: document.documentElement.outerHTML,
      }));
      expect(seen.cookie).toBe('');
      expect(seen.local).not.toContain(API_KEY);
      expect(seen.session).not.toContain(API_KEY);
      expect(seen.url).not.toContain(API_KEY);
      expect(seen.html).not.toContain(API_KEY);
      expect(requested.filter((url) => url.includes(API_KEY) || url.includes(encodeURIComponent(API_KEY)))).toEqual([]);
      expect(requested.length).toBeGreaterThan(3);

      // The live panel keeps polling with the cookie: the overview stays signed in.
      const poll = await page.waitForResponse((r) => r.url().endsWith('/dashboard/fragments/live'));
      expect(poll.status()).toBe(200);
      expect(errors).toEqual([]);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'signs out: the cookie is gone and the dashboard asks to sign in again',
    async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${env.baseUrl}/dashboard/login`);
      expect(await context.cookies()).toEqual([]);
      await page.goto('/dashboard');
      expect(new URL(page.url()).pathname).toBe('/dashboard/login');
      const { rows } = await env.stack.db.sql.query('SELECT count(*)::int AS n FROM dashboard_sessions');
      expect(rows[0].n).toBe(0);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
