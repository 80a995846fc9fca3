/**
 * The dashboard's safety nets (e2e, real app and PostgreSQL): the security headers on every
 * answer, state-changing requests refused without the CSRF token or from another origin (and
 * nothing changed), content escaped, assets served by the service with long-lived caching, the
 * Secure cookie behind an HTTPS proxy, and no dashboard route in the OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { API_KEY, type Stack, startStack } from '@test/support/stack.js';

const HOST = 'dashboard.test';
const ORIGIN = `http://${HOST}`;
const XSS = '<script>alert(1)</script>';

describe('dashboard security (e2e)', () => {
  let stack: Stack;
  let cookie: string;
  let csrf: string;
  let xssId: string;
  const page = (method: 'get' | 'post', path: string) => request(stack.app.getHttpServer())[method](path).set('Host', HOST);
  const running = async () => (await stack.api('get', '/api/v1/scheduler/status').expect(200)).body.running as boolean;

  beforeAll(async () => {
    stack = await startStack();
    [xssId] = await stack.insert([{ phone: '+905551111111', content: XSS }]);
    const res = await page('post', '/dashboard/login').set('Origin', ORIGIN).type('form').send({ key: API_KEY }).expect(303);
    cookie = String(res.headers['set-cookie']?.[0]).split(';')[0];
    csrf = /name="_csrf" value="([^"]+)"/.exec((await page('get', '/dashboard').set('Cookie', cookie).expect(200)).text)![1];
  });

  afterAll(async () => {
    await stack.close();
  });

  function expectSecurityHeaders(res: request.Response, cache = 'no-store'): void {
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; " +
        "frame-ancestors 'none'; base-uri 'none'",
    );
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('same-origin');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe(cache);
  }

  it('sends the CSP and the other headers on every page, fragment and error', async () => {
    const signedIn: [string, number][] = [
      ['/dashboard', 200],
      ['/dashboard/messages', 200],
      ['/dashboard/messages?status=failed', 200],
      [`/dashboard/messages/${xssId}`, 200],
      ['/dashboard/fragments/live', 200],
      ['/dashboard/scheduler/stop', 200],
      ['/dashboard?range=24h', 200],
      ['/dashboard/in-doubt', 200],
      ['/dashboard/replay', 200],
      ['/dashboard/replay?status=failed&status=unknown', 200],
      ['/dashboard/audit', 200],
      ['/dashboard/audit?action=settle', 200],
      ['/dashboard/messages?q=ab', 400],
      ['/dashboard/messages?from=not-a-time', 400],
      ['/dashboard/replay?status=sent', 400],
      ['/dashboard/audit?action=bogus', 400],
      ['/dashboard/in-doubt?cursor=bogus', 400],
      ['/dashboard/messages/0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11', 404],
      ['/dashboard/messages/not-a-uuid', 400],
      ['/dashboard/messages?status=bogus', 400],
      ['/dashboard/messages?cursor=bogus', 400],
      ['/dashboard/no-such-page', 404],
    ];
    for (const [path, status] of signedIn) {
      const res = await page('get', path).set('Cookie', cookie).expect(status);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expectSecurityHeaders(res);
    }
    for (const [path, status] of [
      ['/dashboard/login', 200],
      ['/dashboard', 303],
      ['/dashboard/in-doubt', 303],
      ['/dashboard/replay', 303],
      ['/dashboard/audit', 303],
      ['/dashboard/fragments/live', 401],
    ] as const) {
      expectSecurityHeaders(await page('get', path).expect(status));
    }
  });

  it('answers bad message ids with a 400 or 404 page, never a 500', async () => {
    expect((await page('get', '/dashboard/messages/not-a-uuid').set('Cookie', cookie).expect(400)).text).toContain('A message id is a UUID');
    expect((await page('get', '/dashboard/messages/0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11').set('Cookie', cookie).expect(404)).text).toContain(
      'No message has the id 0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11.',
    );
    await page('get', `/dashboard/messages/${encodeURIComponent("' OR 1=1 --")}`)
      .set('Cookie', cookie)
      .expect(400);
    await page('post', '/dashboard/messages/not-a-uuid/replay').set('Cookie', cookie).set('Origin', ORIGIN).type('form').send({ _csrf: csrf }).expect(400);
  });

  it('refuses a POST without the session’s CSRF token (403) and changes nothing', async () => {
    expect(await running()).toBe(false);
    await page('post', '/dashboard/scheduler/start').set('Cookie', cookie).set('Origin', ORIGIN).type('form').send({}).expect(403);
    await page('post', '/dashboard/scheduler/start')
      .set('Cookie', cookie)
      .set('Origin', ORIGIN)
      .type('form')
      .send({ _csrf: 'x'.repeat(43) })
      .expect(403);
    await page('post', '/dashboard/scheduler/start').set('Cookie', cookie).set('Origin', ORIGIN).send({ _csrf: csrf }).expect(403); // JSON: not read
    const res = await page('post', '/dashboard/scheduler/start').set('Cookie', cookie).set('Origin', ORIGIN).type('form').send({}).expect(403);
    expect(res.text).toContain('Nothing was changed');
    expectSecurityHeaders(res);
    expect(await running()).toBe(false);

    await stack.db.sql.query(`UPDATE messages SET status = 'failed', failure_reason = 'test' WHERE id = $1`, [xssId]);
    await page('post', `/dashboard/messages/${xssId}/replay`).set('Cookie', cookie).set('Origin', ORIGIN).type('form').send({}).expect(403);
    expect((await stack.row(xssId)).status).toBe('failed');
    await page('post', '/dashboard/logout').set('Cookie', cookie).set('Origin', ORIGIN).type('form').send({}).expect(403);
    await page('get', '/dashboard').set('Cookie', cookie).expect(200);
  });

  it('refuses a POST from another origin (403) even with the token, and changes nothing', async () => {
    const attempts = [
      (r: request.Test) => r.set('Origin', 'http://evil.example'),
      (r: request.Test) => r.set('Origin', 'null'),
      (r: request.Test) => r.set('Origin', `https://${HOST}`),
      (r: request.Test) => r.set('Sec-Fetch-Site', 'cross-site'),
      (r: request.Test) => r.set('Referer', 'http://evil.example/page'),
      (r: request.Test) => r, // says nothing about where it comes from
    ];
    for (const from of attempts) {
      const res = await from(page('post', '/dashboard/scheduler/start').set('Cookie', cookie)).type('form').send({ _csrf: csrf }).expect(403);
      expect(res.text).toContain('Nothing was changed');
    }
    expect(await running()).toBe(false);
    await page('post', '/dashboard/login').set('Origin', 'http://evil.example').type('form').send({ key: API_KEY }).expect(403);
    // Same origin by Sec-Fetch-Site or Referer, when a browser sends no Origin: accepted.
    await page('post', '/dashboard/scheduler/stop').set('Cookie', cookie).set('Sec-Fetch-Site', 'same-origin').type('form').send({ _csrf: csrf }).expect(303);
    await page('post', '/dashboard/scheduler/stop').set('Cookie', cookie).set('Referer', `${ORIGIN}/dashboard`).type('form').send({ _csrf: csrf }).expect(303);
  });

  it('shows a message whose content is a script tag as text, on the list, on its page and in the in-doubt inbox', async () => {
    await stack.db.sql.query(`UPDATE messages SET status = 'unknown', failure_reason = $2 WHERE id = $1`, [xssId, `outcome unknown: ${XSS}`]);
    for (const path of ['/dashboard/messages', `/dashboard/messages/${xssId}`, '/dashboard/in-doubt']) {
      const res = await page('get', path).set('Cookie', cookie).expect(200);
      expect(res.text).not.toContain(XSS);
      expect(res.text).toContain('&lt;script>alert(1)&lt;/script>');
    }
    const search = await page('get', `/dashboard/messages?q=${encodeURIComponent(XSS)}`)
      .set('Cookie', cookie)
      .expect(200);
    expect(search.text).not.toContain(XSS);
  });

  it('serves its assets itself, under versioned names, cached for a year', async () => {
    const html = (await page('get', '/dashboard/login').expect(200)).text;
    const urls = [...html.matchAll(/(?:src|href)="(\/dashboard\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(urls).toEqual([
      expect.stringMatching(/^\/dashboard\/assets\/dashboard-[0-9a-f]{12}\.css$/),
      expect.stringMatching(/^\/dashboard\/assets\/htmx-2\.\d+\.\d+\.min\.js$/),
      expect.stringMatching(/^\/dashboard\/assets\/dashboard-[0-9a-f]{12}\.js$/),
    ]);
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
    for (const url of [...urls, '/dashboard/assets/uplot-1.6.32.min.js', '/dashboard/assets/uplot-1.6.32.min.css']) {
      const res = await page('get', url).expect(200);
      expectSecurityHeaders(res, 'public, max-age=31536000, immutable');
      expect(res.headers['content-type']).toBe(url.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8');
    }
    await page('get', '/dashboard/assets/htmx-0.0.0.min.js').expect(404);
    await page('get', '/dashboard/assets/..%2f..%2fpackage.json').expect(404);
  });

  it('lists no dashboard route in the OpenAPI document', async () => {
    const doc = (await stack.api('get', '/docs-json', false).expect(200)).body;
    expect(Object.keys(doc.paths).filter((path) => path.includes('dashboard'))).toEqual([]);
  });

  it('marks the cookie Secure, and checks origins as https, when a trusted proxy says the request came over HTTPS', async () => {
    // TRUST_PROXY=0 (the default, as here): X-Forwarded-Proto is not believed.
    await page('post', '/dashboard/login').set('Origin', ORIGIN).set('X-Forwarded-Proto', 'https').type('form').send({ key: API_KEY }).expect(303);
    const proxied = await startStack({ env: { TRUST_PROXY: '1' } });
    const viaProxy = (method: 'post', path: string) => request(proxied.app.getHttpServer())[method](path).set('Host', HOST);
    try {
      // TRUST_PROXY=1: the proxy's https is believed, so an http Origin is another origin.
      await viaProxy('post', '/dashboard/login').set('Origin', ORIGIN).set('X-Forwarded-Proto', 'https').type('form').send({ key: API_KEY }).expect(403);
      const res = await viaProxy('post', '/dashboard/login')
        .set('Origin', `https://${HOST}`)
        .set('X-Forwarded-Proto', 'https')
        .type('form')
        .send({ key: API_KEY })
        .expect(303);
      expect(String(res.headers['set-cookie']?.[0])).toMatch(/; HttpOnly; Secure; SameSite=Strict$/);
    } finally {
      await proxied.close();
    }
    const plain = await page('post', '/dashboard/login')
      .set('Origin', ORIGIN)
      .set('X-Forwarded-Proto', 'https')
      .type('form')
      .send({ key: API_KEY })
      .expect(303);
    expect(String(plain.headers['set-cookie']?.[0])).not.toContain('Secure');
  });
});
