/**
 * The messages list's server-side search and time range against the real service and PostgreSQL
 * (e2e): a message found by its gateway messageId, its phone number and its failure reason; the
 * time range in UTC; filters kept in the page links; a search too short for the reason index is a
 * 400 page saying so, never a 500. And every new page: its security headers, and no page without
 * a session.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { signInToDashboard } from '@test/support/dashboard.js';
import { type Stack, startStack } from '@test/support/stack.js';

const HOST = 'dashboard.test';
const ORIGIN = `http://${HOST}`;
const GW = '67f2f8a8-ea58-4ed0-a6f9-ff217df4d849';
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'";

const rowIds = (html: string) => [...html.matchAll(/<tr class="row" data-id="([^"]+)">/g)].map((m) => m[1]);

describe('dashboard search and new pages (e2e)', () => {
  let stack: Stack;
  let cookie: string;
  let sent: string;
  let refused: string;
  let other: string;
  let january: string[];
  const page = (path: string) => request(stack.app.getHttpServer()).get(path).set('Host', HOST).set('Cookie', cookie);

  beforeAll(async () => {
    stack = await startStack();
    const insert = async (phone: string, status: string, reason: string | null, gatewayId: string | null, createdAt: string) =>
      (
        await stack.db.sql.query<{ id: string }>(
          `INSERT INTO messages (phone_number, content, status, failure_reason, gateway_message_id, sent_at, created_at)
           VALUES ($1, 'hello', $2, $3, $4, CASE WHEN $2 = 'sent' THEN now() END, $5) RETURNING id`,
          [phone, status, reason, gatewayId, createdAt],
        )
      ).rows[0].id;
    sent = await insert('+905551110001', 'sent', null, GW, '2026-03-01T10:00:00Z');
    refused = await insert('+905551110002', 'failed', 'gateway answered 400: Invalid Recipient', null, '2026-03-01T11:00:00Z');
    other = await insert('+905551110003', 'failed', 'gave up after 3 attempts: gateway answered 503', null, '2026-03-01T12:00:00Z');
    january = [];
    for (let i = 0; i < 55; i++) january.push(await insert('+905551110009', 'pending', null, null, `2026-01-15T10:${String(i).padStart(2, '0')}:00Z`));
    ({ cookie } = await signInToDashboard(stack));
  });

  afterAll(async () => {
    await stack.close();
  });

  it('finds a message by the messageId the gateway gave it (a list), and by its own id (its page)', async () => {
    const byGateway = await page(`/dashboard/messages?q=${GW}`).expect(200);
    expect(rowIds(byGateway.text)).toEqual([sent]);
    expect(byGateway.text).toContain(`<input id="search" name="q" type="search" value="${GW}"`);
    expect((await page(`/dashboard/messages?q=${GW.toUpperCase()}`).expect(200)).text).toContain(`data-id="${sent}"`);
    expect((await page(`/dashboard/messages?q=${sent}`).expect(303)).headers.location).toBe(`/dashboard/messages/${sent}`);
    const missing = await page('/dashboard/messages?q=0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11').expect(200);
    expect(missing.text).toContain('No message has the id or the gateway messageId 0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11.');
    expect(rowIds(missing.text)).toEqual([]);
  });

  it('finds messages by phone number, as people type it', async () => {
    expect(rowIds((await page('/dashboard/messages?q=%2B905551110002').expect(200)).text)).toEqual([refused]);
    expect(rowIds((await page(`/dashboard/messages?q=${encodeURIComponent('+90 555 111 00 02')}`).expect(200)).text)).toEqual([refused]);
    expect((await page('/dashboard/messages?q=%2B905559999999').expect(200)).text).toContain('No message to +905559999999 matches.');
  });

  it('finds messages by a part of their failure reason, ignoring case, with the state filter', async () => {
    expect(rowIds((await page('/dashboard/messages?q=invalid+recipient').expect(200)).text)).toEqual([refused]);
    expect(rowIds((await page('/dashboard/messages?q=gateway+answered').expect(200)).text)).toEqual([other, refused]);
    expect(rowIds((await page('/dashboard/messages?q=gateway+answered&status=sent').expect(200)).text)).toEqual([]);
    const html = (await page('/dashboard/messages?q=503&status=failed').expect(200)).text;
    expect(rowIds(html)).toEqual([other]);
    expect(html).toContain('<option value="failed" selected>failed</option>');
    expect(html).toContain('<span class="reason-cell">gave up after 3 attempts: gateway answered 503</span>');
    expect((await page('/dashboard/messages?q=no+such+reason').expect(200)).text).toContain('No message’s failure reason contains “no such reason”.');
  });

  it('refuses a reason search too short for its index with a 400 page that says so, the form kept', async () => {
    for (const q of ['ab', 'a-b', '%%']) {
      const res = await page(`/dashboard/messages?q=${encodeURIComponent(q)}&status=failed`).expect(400);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.text).toMatch(/<div class="notice notice-error" role="alert" id="filter-error"><p>“[^”]+” is too short to search failure reasons/);
      expect(res.text).toContain('<option value="failed" selected>failed</option>');
      expect(rowIds(res.text)).toEqual([]);
    }
    await page(`/dashboard/messages?q=${'x'.repeat(201)}`).expect(400);
  });

  it('filters by creation time in UTC, keeping every filter in the page links', async () => {
    const march = await page('/dashboard/messages?from=2026-03-01T10%3A30&to=2026-03-01T12%3A00').expect(200);
    expect(rowIds(march.text)).toEqual([refused]);
    expect(march.text).toContain('<input id="from" name="from" type="datetime-local" step="1" value="2026-03-01T10:30"');
    // The same instant written with an offset.
    expect(rowIds((await page(`/dashboard/messages?from=${encodeURIComponent('2026-03-01T13:30+03:00')}&to=2026-03-01T12%3A00`).expect(200)).text)).toEqual([
      refused,
    ]);
    expect(rowIds((await page('/dashboard/messages?from=2026-03-01').expect(200)).text)).toEqual([other, refused, sent]);

    const first = (await page('/dashboard/messages?status=pending&from=2026-01-15&to=2026-01-16').expect(200)).text;
    expect(rowIds(first)).toEqual([...january].reverse().slice(0, 50));
    const next = /<a href="([^"]+)" rel="next">Next page<\/a>/.exec(first)![1].replaceAll('&amp;', '&');
    expect(next).toMatch(/^\/dashboard\/messages\?status=pending&from=2026-01-15T00%3A00&to=2026-01-16T00%3A00&cursor=/);
    const second = (await page(next).expect(200)).text;
    expect(rowIds(second)).toEqual([...january].reverse().slice(50));
    expect(second).toContain('<a href="/dashboard/messages?status=pending&amp;from=2026-01-15T00%3A00&amp;to=2026-01-16T00%3A00">First page</a>');

    for (const bad of ['from=yesterday', 'to=2026-02-30T10%3A00', 'from=2026-13-01']) {
      const res = await page(`/dashboard/messages?${bad}`).expect(400);
      expect(res.text).toContain('is not a time for');
    }
    expect(rowIds((await page('/dashboard/messages?from=2026-03-02&to=2026-03-01').expect(200)).text)).toEqual([]);
  });

  it('sends its security headers on every new page, and none is shown without a session', async () => {
    for (const path of ['/dashboard/in-doubt', '/dashboard/replay', '/dashboard/replay?status=failed', '/dashboard/audit', '/dashboard?range=24h']) {
      const res = await page(path).expect(200);
      expect(res.headers['content-security-policy']).toBe(CSP);
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['referrer-policy']).toBe('same-origin');
      expect(res.headers['cache-control']).toBe('no-store');
      const signedOut = await request(stack.app.getHttpServer()).get(path).set('Host', HOST).expect(303);
      expect(signedOut.headers.location).toBe(`/dashboard/login?next=${encodeURIComponent(path)}`);
      expect(signedOut.headers['content-security-policy']).toBe(CSP);
    }
    for (const path of ['/dashboard/replay', `/dashboard/messages/${refused}/settle`]) {
      const res = await request(stack.app.getHttpServer())
        .post(path)
        .set('Host', HOST)
        .set('Origin', ORIGIN)
        .type('form')
        .send({ status: 'failed', outcome: 'failed', reason: 'x' })
        .expect(303);
      expect(res.headers.location).toBe('/dashboard/login');
    }
    expect((await stack.row(refused)).status).toBe('failed');
    expect((await page('/dashboard/in-doubt?cursor=bogus').expect(400)).headers['content-security-policy']).toBe(CSP);
  });
});
