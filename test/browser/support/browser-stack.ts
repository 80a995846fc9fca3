/**
 * The browser tier's harness: the real dispatcher (startStack: AppModule + setupApp, a fresh
 * database, the sandbox gateway over HTTP, the machine's Redis) listening on a real port of
 * 127.0.0.1, and Debian's Chromium driven by playwright-core. Never a downloaded browser: the
 * executable is /usr/bin/chromium (CHROMIUM_PATH overrides it; .ci/run installs it when missing).
 * chromium.launch() gives every launch a fresh temporary profile (user data dir) and deletes it
 * at close, so no state survives between files or runs.
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { expect } from '@jest/globals';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { API_KEY, type Stack, type StackOptions, startStack } from '@test/support/stack.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-gpu',
  '--no-first-run',
  '--disable-sync',
];

/** Where every run leaves its screenshots, to look at (the README's one goes to docs/ only with UPDATE_SCREENSHOT=1). */
export const SCREENSHOT_DIR = join(tmpdir(), 'dashboard-browser-screenshots');

/** Generous per-test budget: a cold Chromium plus a fresh database take a few seconds on two busy cores. */
export const BROWSER_TEST_TIMEOUT_MS = 60_000;

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: install Debian's (apt-get install -y chromium) or set CHROMIUM_PATH; the tests never download one`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true, timeout: 30_000 });
}

export interface BrowserStack {
  stack: Stack;
  browser: Browser;
  /** http://127.0.0.1:<port>, the dispatcher's address. */
  baseUrl: string;
  /** A new browser context (its own cookies and storage) with baseURL set; closed by close(). */
  context(options?: BrowserContextOptions): Promise<BrowserContext>;
  /** Signs in through the form and returns the page, on the overview. */
  signIn(page: Page, key?: string): Promise<void>;
  /** A page in a new context that carries a signed-in session (signs in once per file, then reuses the cookie). */
  signedInPage(options?: BrowserContextOptions): Promise<Page>;
  /** The /api/v1 over HTTP with the API key (never the cookie): the JSON body, after checking the status. */
  api(method: 'GET' | 'POST', path: string, expectStatus?: number): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * Starts the stack on a real port and launches Chromium. Sign-ins are rate-limited per client
 * address (10 a minute), so signedInPage() signs in once and hands the session cookie to every
 * later context.
 */
export async function startBrowserStack(options: StackOptions = {}): Promise<BrowserStack> {
  const stack = await startStack(options);
  let browser: Browser | undefined;
  try {
    await stack.app.listen(0, '127.0.0.1');
    const address = stack.app.getHttpServer().address();
    if (address === null || typeof address === 'string') throw new Error('the dispatcher did not listen on a TCP port');
    const baseUrl = `http://127.0.0.1:${address.port}`;
    browser = await launchChromium();
    const contexts: BrowserContext[] = [];
    let storageState: Awaited<ReturnType<BrowserContext['storageState']>> | undefined;

    const context = async (contextOptions: BrowserContextOptions = {}) => {
      const created = await browser!.newContext({ baseURL: baseUrl, viewport: { width: 1280, height: 800 }, ...contextOptions });
      created.setDefaultTimeout(15_000);
      contexts.push(created);
      return created;
    };

    const signIn = async (page: Page, key = API_KEY) => {
      await page.goto('/dashboard/login');
      await page.getByLabel('API key').fill(key);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${baseUrl}/dashboard`);
    };

    const signedInPage = async (contextOptions: BrowserContextOptions = {}) => {
      if (storageState === undefined) {
        const first = await context();
        const page = await first.newPage();
        await signIn(page);
        storageState = await first.storageState();
        await first.close();
      }
      const created = await context({ ...contextOptions, storageState });
      return created.newPage();
    };

    const api = async (method: 'GET' | 'POST', path: string, expectStatus = 200) => {
      const res = await fetch(`${baseUrl}${path}`, { method, headers: { 'x-ins-auth-key': API_KEY } });
      const text = await res.text();
      if (res.status !== expectStatus) throw new Error(`${method} ${path}: expected ${expectStatus}, got ${res.status}: ${text.slice(0, 300)}`);
      return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    };

    const close = async () => {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser!.close();
      await stack.close();
    };

    return { stack, browser, baseUrl, context, signIn, signedInPage, api, close };
  } catch (error) {
    await browser?.close().catch(() => undefined);
    await stack.close();
    throw error;
  }
}

/** Where a violation is, readably: its rule, impact, help text and the CSS targets of each node. */
export interface AxeFinding {
  id: string;
  impact: string | null | undefined;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core on the page as it is and returns its serious and critical violations (an
 * empty list when it passes). Asserting `toEqual([])` on the result prints the rule ids and the
 * targets of every violation when it fails.
 */
export async function seriousViolations(page: Page): Promise<AxeFinding[]> {
  // Every rule axe has (its defaults); only the violations' nodes are collected, which is faster.
  const results = await new AxeBuilder({ page }).options({ resultTypes: ['violations'] }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

export async function expectAccessible(page: Page, what: string): Promise<void> {
  const found = await seriousViolations(page);
  expect({ page: what, url: page.url(), violations: found }).toEqual({ page: what, url: page.url(), violations: [] });
}

/**
 * Collects what the page reports as broken: uncaught script errors and console errors (a
 * Content-Security-Policy violation, a failed asset) while the test runs.
 */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console error: ${message.text()}`);
  });
  return errors;
}
