import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import { DashboardAssets } from './dashboard-assets.js';

const require = createRequire(import.meta.url);
const version = (name: string) => (require(`${name}/package.json`) as { version: string }).version;

describe(DashboardAssets.name, () => {
  const sut = new DashboardAssets();

  it('names the packages’ files by their version and ours by a hash of their content', () => {
    expect(sut.urls.htmx).toBe(`/dashboard/assets/htmx-${version('htmx.org')}.min.js`);
    expect(version('htmx.org')).toMatch(/^2\./);
    expect(sut.urls.uplotJs).toBe(`/dashboard/assets/uplot-${version('uplot')}.min.js`);
    expect(sut.urls.uplotCss).toBe(`/dashboard/assets/uplot-${version('uplot')}.min.css`);
    expect(sut.urls.css).toMatch(/^\/dashboard\/assets\/dashboard-[0-9a-f]{12}\.css$/);
    expect(sut.urls.js).toMatch(/^\/dashboard\/assets\/dashboard-[0-9a-f]{12}\.js$/);
  });

  it('serves each URL’s file with its content type', () => {
    for (const url of Object.values(sut.urls)) {
      const asset = sut.get(url.replace('/dashboard/assets/', ''));
      expect(asset?.body.length).toBeGreaterThan(100);
      expect(asset?.contentType).toBe(url.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8');
    }
    const css = sut.get(sut.urls.css.replace('/dashboard/assets/', ''))!;
    expect(sut.urls.css).toContain(createHash('sha256').update(css.body).digest('hex').slice(0, 12));
    expect(sut.get('../../package.json')).toBeUndefined();
    expect(sut.names).toHaveLength(5);
  });
});
