/**
 * What the accessibility specs share: a stack holding a message in each interesting state, the
 * list of every dashboard page to scan, and the scan itself (axe-core's serious and critical
 * violations, plus script errors and Content-Security-Policy reports, per page).
 */
import { expect } from '@jest/globals';
import type { BrowserContextOptions, Page } from 'playwright-core';
import { waitFor } from '@test/support/waits.js';
import { type AxeFinding, type BrowserStack, seriousViolations, startBrowserStack, watchErrors } from './browser-stack.js';

export interface PageCase {
  name: string;
  path: string;
  /** The page's HTTP status (error pages are scanned too). */
  status: number;
  /** What to do on the page before the scan (fill a form, …); the status is then not checked. */
  prepare?: (page: Page) => Promise<void>;
}

export interface PageReport {
  page: string;
  violations: AxeFinding[];
  errors: string[];
}

export interface AccessibilityStack {
  env: BrowserStack;
  signedOutPages: PageCase[];
  signedInPages: PageCase[];
  /** A sent message with its receipt (a long URL in its content). */
  sent: string;
}

/** Two dozen pages, each scanned by axe in a few seconds on a busy machine. */
export const SCAN_TIMEOUT_MS = 300_000;

const SIGNED_OUT_PAGES: PageCase[] = [
  { name: 'sign-in', path: '/dashboard/login', status: 200 },
  {
    name: 'sign-in after a wrong key',
    path: '/dashboard/login',
    status: 401,
    prepare: async (page) => {
      await page.getByLabel('API key').fill('a-wrong-key');
      await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Sign in' }).click()]);
      await page.waitForLoadState();
    },
  },
  { name: 'not found, signed out', path: '/dashboard/no-such-page', status: 404 },
];

/**
 * The stack, with a failed message (the sandbox answers 400), a sent one, one in doubt and a few
 * pending, sending stopped; and the pages: the fixed list, plus every page the main navigation
 * links to, so that a page added there is scanned without touching this file.
 */
export async function startAccessibilityStack(): Promise<AccessibilityStack> {
  const env = await startBrowserStack({ env: { DISPATCH_INTERVAL_MS: '1000' }, sandbox: { script: ['400'] } });
  try {
    const [failed] = await env.stack.insert([{ phone: '+905551110000', content: 'Your order 4411 could not be delivered; call us back.' }]);
    await env.api('POST', '/api/v1/scheduler/start');
    await waitFor('the gateway to refuse the first message', async () => (await env.stack.row(failed)).status === 'failed', 15_000, 50);
    const [sent] = await env.stack.insert([
      {
        phone: '+905552220000',
        content: 'Track your parcel at https://tracking.example.com/parcels/TR4F8A9C2D7E1B3F5A6C8D0E2F4A6B8C0D2E4F6A8B0C2D4E6F8A0B2C4 until Friday.',
      },
    ]);
    await waitFor('the second message sent', async () => (await env.stack.row(sent)).status === 'sent', 15_000, 50);
    await env.api('POST', '/api/v1/scheduler/stop');
    const { rows } = await env.stack.db.sql.query(
      `INSERT INTO messages (phone_number, content, status, attempt_count, request_started_at, idempotency_key)
       VALUES ('+905553330000', 'In doubt: the gateway never answered.', 'unknown', 1, now() - interval '2 minutes', gen_random_uuid()::text)
       RETURNING id`,
    );
    const unknown: string = rows[0].id;
    await env.stack.insert(
      Array.from({ length: 6 }, (_, i) => ({ phone: `+90555444000${i}`, content: `Reminder ${i + 1}: your appointment is tomorrow at 10:00.` })),
    );

    const signedInPages: PageCase[] = [
      { name: 'overview (stopped)', path: '/dashboard', status: 200 },
      { name: 'messages', path: '/dashboard/messages', status: 200 },
      { name: 'messages: failed', path: '/dashboard/messages?status=failed', status: 200 },
      { name: 'messages: none of a state', path: '/dashboard/messages?status=expired', status: 200 },
      { name: 'messages: a search', path: '/dashboard/messages?q=appointment', status: 200 },
      { name: 'message: failed', path: `/dashboard/messages/${failed}`, status: 200 },
      { name: 'message: sent, with its receipt', path: `/dashboard/messages/${sent}`, status: 200 },
      { name: 'message: unknown', path: `/dashboard/messages/${unknown}`, status: 200 },
      { name: 'message: replayed', path: `/dashboard/messages/${failed}?notice=replayed`, status: 200 },
      { name: 'confirm start', path: '/dashboard/scheduler/start', status: 200 },
      { name: 'confirm stop', path: '/dashboard/scheduler/stop', status: 200 },
      { name: 'message not found', path: '/dashboard/messages/0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11', status: 404 },
      { name: 'bad request', path: '/dashboard/messages?status=nonsense', status: 400 },
      { name: 'not found, signed in', path: '/dashboard/no-such-page', status: 404 },
    ];
    const page = await env.signedInPage();
    await page.goto('/dashboard');
    const linked = await page.locator('nav[aria-label="Main"] a').evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
    await page.context().close();
    expect(linked).toEqual(expect.arrayContaining(['/dashboard', '/dashboard/messages']));
    for (const href of linked) {
      if (!signedInPages.some((p) => p.path === href)) signedInPages.push({ name: `linked from the navigation: ${href}`, path: href, status: 200 });
    }
    // Pages of phase 2 in a state the navigation does not link to: a replay's preview (with its table and confirmation).
    if (linked.includes('/dashboard/replay')) {
      signedInPages.push({ name: 'replay preview', path: '/dashboard/replay?status=failed&status=unknown&preview=1', status: 200 });
    }
    return { env, signedOutPages: SIGNED_OUT_PAGES, signedInPages, sent };
  } catch (error) {
    await env.close();
    throw error;
  }
}

/**
 * Loads each page in turn in one page of a new context (signed in or not) and scans it; returns
 * the pages with something wrong, each with its violations (rule ids and targets) and errors, so
 * that `expect(...).toEqual([])` prints them all when it fails.
 */
export async function scanPages(env: BrowserStack, cases: PageCase[], signedIn: boolean, options: BrowserContextOptions = {}): Promise<PageReport[]> {
  const reports: PageReport[] = [];
  const page = signedIn ? await env.signedInPage(options) : await (await env.context(options)).newPage();
  const errors = watchErrors(page);
  for (const c of cases) {
    errors.length = 0;
    const response = await page.goto(c.path);
    if (c.prepare) {
      await c.prepare(page);
    } else {
      expect({ page: c.name, status: response?.status() }).toEqual({ page: c.name, status: c.status });
    }
    const violations = await seriousViolations(page);
    // A page answered 4xx on purpose logs its own status; anything else is a real error.
    const real = errors.filter((e) => !(c.status >= 400 && e.includes(`the server responded with a status of ${c.status}`)));
    if (violations.length > 0 || real.length > 0) reports.push({ page: `${c.name} (${c.path})`, violations, errors: real });
  }
  await page.context().close();
  return reports;
}

/** In the page: the elements reaching past `width` px whose parent does not (the ones that make the page scroll sideways). */
export function overflowingElements(width: number): string[] {
  const name = (el: Element) => el.tagName.toLowerCase() + (el.id ? `#${el.id}` : '') + [...el.classList].map((c) => `.${c}`).join('');
  const out: string[] = [];
  for (const el of document.body.querySelectorAll('*')) {
    const right = el.getBoundingClientRect().right;
    const parent = el.parentElement;
    if (right > width + 0.5 && parent && parent.getBoundingClientRect().right <= width + 0.5) {
      out.push(`${name(parent)} > ${name(el)} (right edge at ${Math.round(right)} px)`);
    }
  }
  return out.slice(0, 10);
}

/** The overview at 375 px wide: it must not scroll sideways (the failure names what sticks out), and axe must pass there. */
export async function checkNarrowOverview(env: BrowserStack, colorScheme: 'light' | 'dark', screenshot: string): Promise<void> {
  const page = await env.signedInPage({ viewport: { width: 375, height: 812 }, colorScheme });
  await page.goto('/dashboard');
  const width = await page.evaluate(() => document.scrollingElement!.scrollWidth);
  const sticking = width <= 375 ? [] : await page.evaluate(overflowingElements, 375);
  await page.screenshot({ path: screenshot, fullPage: true });
  expect({ colorScheme, scrollWidth: width, sticking }).toEqual({ colorScheme, scrollWidth: Math.min(width, 375), sticking: [] });
  expect({ colorScheme, violations: await seriousViolations(page) }).toEqual({ colorScheme, violations: [] });
  await page.context().close();
}

/** Every page of `cases` at 375 px wide: the ones that scroll sideways, with what sticks out (an empty list when all fit). */
export async function pagesWiderThanPhone(
  env: BrowserStack,
  cases: PageCase[],
  signedIn: boolean,
): Promise<{ page: string; scrollWidth: number; sticking: string[] }[]> {
  const options: BrowserContextOptions = { viewport: { width: 375, height: 812 } };
  const page = signedIn ? await env.signedInPage(options) : await (await env.context(options)).newPage();
  const wide: { page: string; scrollWidth: number; sticking: string[] }[] = [];
  for (const c of cases) {
    await page.goto(c.path);
    if (c.prepare) await c.prepare(page);
    const width = await page.evaluate(() => document.scrollingElement!.scrollWidth);
    if (width > 375) wide.push({ page: `${c.name} (${c.path})`, scrollWidth: width, sticking: await page.evaluate(overflowingElements, 375) });
  }
  await page.context().close();
  return wide;
}
