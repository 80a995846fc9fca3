import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Injectable } from '@nestjs/common';

/**
 * The dashboard's static files, served by the service itself (no CDN) under versioned names, so
 * they can be cached for a year: htmx and uPlot from their npm packages (named by the package's
 * version), our own CSS and JS (named by a hash of their content). Read once at boot, from the
 * npm packages and from ./assets next to this module (copied to dist/ by nest-cli.json's
 * "assets", so the same path works from source and from the build).
 */
export const ASSETS_PATH = '/dashboard/assets';

/** The long-lived cache header of every asset: the name changes whenever the content does. */
export const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';

export interface Asset {
  body: Buffer;
  contentType: string;
}

/** The URLs a page links to. */
export interface AssetUrls {
  htmx: string;
  uplotJs: string;
  uplotCss: string;
  css: string;
  js: string;
}

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

const require = createRequire(import.meta.url);

function packageVersion(name: string): string {
  return (require(`${name}/package.json`) as { version: string }).version;
}

function contentHash(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 12);
}

function ownFile(name: string): Buffer {
  return readFileSync(fileURLToPath(new URL(`./assets/${name}`, import.meta.url)));
}

@Injectable()
export class DashboardAssets {
  readonly urls: AssetUrls;
  private readonly byName = new Map<string, Asset>();

  constructor() {
    const htmx = packageVersion('htmx.org');
    const uplot = packageVersion('uplot');
    const css = ownFile('dashboard.css');
    const js = ownFile('dashboard.mjs');
    this.urls = {
      htmx: this.add(`htmx-${htmx}.min.js`, readFileSync(require.resolve('htmx.org/dist/htmx.min.js')), JS),
      uplotJs: this.add(`uplot-${uplot}.min.js`, readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js')), JS),
      uplotCss: this.add(`uplot-${uplot}.min.css`, readFileSync(require.resolve('uplot/dist/uPlot.min.css')), CSS),
      css: this.add(`dashboard-${contentHash(css)}.css`, css, CSS),
      js: this.add(`dashboard-${contentHash(js)}.js`, js, JS),
    };
  }

  /** The asset of a file name under ASSETS_PATH, if there is one. */
  get(name: string): Asset | undefined {
    return this.byName.get(name);
  }

  /** Every asset's file name. */
  get names(): string[] {
    return [...this.byName.keys()];
  }

  private add(name: string, body: Buffer, contentType: string): string {
    this.byName.set(name, { body, contentType });
    return `${ASSETS_PATH}/${name}`;
  }
}
