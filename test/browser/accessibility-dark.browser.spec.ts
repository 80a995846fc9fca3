/**
 * Accessibility of every dashboard page in the dark theme (a browser context with colorScheme
 * 'dark', which must really darken the page): no violation of impact serious or critical, no
 * script error and no CSP report on any page (the same pages as the light theme's file), and the
 * overview at 375 px wide. Leaves screenshots of the overview and a message page in SCREENSHOT_DIR.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BrowserContextOptions } from 'playwright-core';
import { type AccessibilityStack, checkNarrowOverview, SCAN_TIMEOUT_MS, scanPages, startAccessibilityStack } from './support/accessibility.js';
import { BROWSER_TEST_TIMEOUT_MS, SCREENSHOT_DIR } from './support/browser-stack.js';

const DARK: BrowserContextOptions = { colorScheme: 'dark' };

describe('dashboard accessibility, dark theme, in Chromium (browser)', () => {
  let a: AccessibilityStack;

  beforeAll(async () => {
    a = await startAccessibilityStack();
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
  }, BROWSER_TEST_TIMEOUT_MS);

  afterAll(async () => {
    await a?.env.close();
  });

  it(
    'is really dark: the page background follows the system setting',
    async () => {
      const page = await a.env.signedInPage(DARK);
      await page.goto('/dashboard');
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const [r, g, b] = (background.match(/\d+/g) ?? []).map(Number);
      expect({ background, dark: r + g + b < 150 }).toEqual({ background, dark: true });
      await page.screenshot({ path: join(SCREENSHOT_DIR, 'overview-dark-1280.png'), fullPage: true });
      await page.goto(`/dashboard/messages/${a.sent}`);
      await page.screenshot({ path: join(SCREENSHOT_DIR, 'message-dark-1280.png'), fullPage: true });
      await page.context().close();

      // And the light theme is not: the check above can tell them apart.
      const light = await a.env.signedInPage({ colorScheme: 'light' });
      await light.goto('/dashboard');
      const lightBackground = await light.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect((lightBackground.match(/\d+/g) ?? []).map(Number).reduce((sum, n) => sum + n, 0)).toBeGreaterThan(600);
      await light.context().close();
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'finds no serious or critical violation, script error or CSP report on any page',
    async () => {
      expect(a.signedInPages.length).toBeGreaterThanOrEqual(16);
      expect(await scanPages(a.env, a.signedOutPages, false, DARK)).toEqual([]);
      expect(await scanPages(a.env, a.signedInPages, true, DARK)).toEqual([]);
    },
    SCAN_TIMEOUT_MS,
  );

  it(
    'shows the overview at 375 px wide with nothing scrolling sideways, and passes axe there',
    async () => {
      await checkNarrowOverview(a.env, 'dark', join(SCREENSHOT_DIR, 'overview-375-dark.png'));
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
