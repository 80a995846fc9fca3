/**
 * Accessibility of every dashboard page in the light theme (axe-core through
 * @axe-core/playwright): no violation of impact serious or critical, no script error and no
 * Content-Security-Policy report on any page; and at 375 px wide nothing may scroll sideways:
 * the overview (scanned by axe there too) and every other page. The pages
 * (support/accessibility.ts): sign-in (empty and after a wrong key), the overview, the messages
 * list (all, by state, with a search), message pages (failed, sent with its receipt, unknown,
 * replayed), both confirmation pages, the error pages, a replay's preview, and every page the
 * main navigation links to. The dark theme has its own file, so the two scans run side by side.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type AccessibilityStack,
  checkNarrowOverview,
  pagesWiderThanPhone,
  SCAN_TIMEOUT_MS,
  scanPages,
  startAccessibilityStack,
} from './support/accessibility.js';
import { BROWSER_TEST_TIMEOUT_MS, SCREENSHOT_DIR } from './support/browser-stack.js';

describe('dashboard accessibility, light theme, in Chromium (browser)', () => {
  let a: AccessibilityStack;

  beforeAll(async () => {
    a = await startAccessibilityStack();
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
  }, BROWSER_TEST_TIMEOUT_MS);

  afterAll(async () => {
    await a?.env.close();
  });

  it(
    'finds no serious or critical violation, script error or CSP report on any page',
    async () => {
      expect(a.signedInPages.length).toBeGreaterThanOrEqual(16);
      expect(await scanPages(a.env, a.signedOutPages, false)).toEqual([]);
      expect(await scanPages(a.env, a.signedInPages, true)).toEqual([]);
    },
    SCAN_TIMEOUT_MS,
  );

  it(
    'shows the overview at 375 px wide with nothing scrolling sideways, and passes axe there',
    async () => {
      await checkNarrowOverview(a.env, 'light', join(SCREENSHOT_DIR, 'overview-375-light.png'));
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'shows every other page at 375 px wide with nothing scrolling sideways either',
    async () => {
      expect(await pagesWiderThanPhone(a.env, a.signedOutPages, false)).toEqual([]);
      expect(await pagesWiderThanPhone(a.env, a.signedInPages, true)).toEqual([]);
    },
    SCAN_TIMEOUT_MS,
  );
});
