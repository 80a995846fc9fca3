/**
 * The dashboard's pages against the real service (e2e): the overview's counts are the API's,
 * start and stop from the dashboard change the cluster's state, a message's page shows its
 * attempts and cached receipt and replays it, and the list pages, filters, masks and searches.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { signInToDashboard } from '@test/support/dashboard.js';
import { phones, type Stack, startStack, waitFor } from '@test/support/stack.js';

const HOST = 'dashboard.test';
const ORIGIN = `http://${HOST}`;

describe('dashboard pages (e2e)', () => {
  let stack: Stack;
  let cookie: string;
  let csrf: string;
  /** Refused with 400 by the gateway: failed. */
  let rejected: string;
  /** 503 first, then accepted: sent after two attempts. */
  let retried: string;
  const page = (method: 'get' | 'post', path: string) => request(stack.app.getHttpServer())[method](path).set('Host', HOST).set('Cookie', cookie);
  const post = (path: string, form: Record<string, string> = { _csrf: csrf }) => page('post', path).set('Origin', ORIGIN).type('form').send(form);
  const status = async () => (await stack.api('get', '/api/v1/scheduler/status').expect(200)).body;

  beforeAll(async () => {
    stack = await startStack({ sandbox: { script: ['400', '503'] } });
    await stack.redis.connect();
    [rejected, retried] = await stack.insert([
      { phone: '+905551111111', content: 'first: the gateway refuses it' },
      { phone: '+905552222222', content: 'second: sent on its second attempt' },
    ]);
    ({ cookie, csrf } = await signInToDashboard(stack));
  });

  afterAll(async () => {
    await stack.close();
  });

  it('starts and stops sending for the cluster from the dashboard, through a confirmation', async () => {
    expect((await status()).running).toBe(false);
    const overview = await page('get', '/dashboard').expect(200);
    expect(overview.text).toContain('<a id="scheduler-action" class="button-link primary" href="/dashboard/scheduler/start" data-action="start">');

    const confirm = await page('get', '/dashboard/scheduler/start').expect(200);
    expect(confirm.text).toContain('<h1>Start sending for the whole cluster?</h1>');
    expect(confirm.text).toMatch(
      /<form class="confirm" method="post" action="\/dashboard\/scheduler\/start" data-action="start"><input type="hidden" name="_csrf"/,
    );
    expect((await status()).running).toBe(false);

    const started = await post('/dashboard/scheduler/start').expect(303);
    expect(started.headers.location).toBe('/dashboard?notice=started');
    expect((await status()).running).toBe(true);
    expect((await page('get', '/dashboard?notice=started').expect(200)).text).toContain('Sending started for the whole cluster.');

    await waitFor('the second message sent', async () => (await stack.row(retried)).status === 'sent');
    await waitFor('its receipt in Redis', () => stack.redis.exists(`sent_message:${retried}`));
    const live = await page('get', '/dashboard/fragments/live').expect(200);
    expect(live.text).toMatch(/<time id="next-tick" data-countdown data-at="[^"]+Z"/);
    expect(live.text).toContain('data-running="true"');

    expect((await page('get', '/dashboard/scheduler/stop').expect(200)).text).toContain('<h1>Stop sending for the whole cluster?</h1>');
    const stopped = await post('/dashboard/scheduler/stop').expect(303);
    expect(stopped.headers.location).toBe('/dashboard?notice=stopped');
    expect((await status()).running).toBe(false);
    const after = await page('get', '/dashboard/fragments/live').expect(200);
    expect(after.text).toContain('<span id="next-tick">none: sending is stopped</span>');
    expect(after.text).toContain('data-action="start"');
  });

  it('shows on the overview the counts the API gives, each a link to its list', async () => {
    const stats = (await stack.api('get', '/api/v1/messages/stats').expect(200)).body;
    const html = (await page('get', '/dashboard').expect(200)).text;
    for (const state of ['pending', 'sending', 'sent', 'failed', 'unknown', 'expired']) {
      const value = Number(new RegExp(`data-count="${state}" data-value="(\\d+)"`).exec(html)?.[1]);
      expect(value).toBe(stats.byStatus[state]);
      expect(html).toContain(`href="/dashboard/messages?status=${state}"`);
    }
    expect(stats.byStatus).toMatchObject({ sent: 1, failed: 1 });
    expect(html).toContain('<span id="rate-configured">400</span> messages per minute');
    expect(html).toMatch(/<code id="leader">[^<]+<\/code>/);
  });

  it('shows a message’s attempts as a timeline, with its cached receipt', async () => {
    const html = (await page('get', `/dashboard/messages/${retried}`).expect(200)).text;
    const row = await stack.row(retried);
    expect(html).toContain('<span class="phone">+905552222222</span>');
    expect(html).toContain('second: sent on its second attempt');
    expect(html).toMatch(
      /<strong>Attempt 1<\/strong>.*?outcome-retryable">retryable<\/span>.*?<dt>Status code<\/dt><dd>503<\/dd>.*?<dt>Next attempt<\/dt><dd>ran <time/s,
    );
    expect(html).toMatch(/<strong>Attempt 2<\/strong>.*?outcome-accepted">accepted<\/span>.*?<dt>Status code<\/dt><dd>202<\/dd>/s);
    expect(html).toMatch(new RegExp(`<dl class="facts" id="receipt" data-source="cache">.*<code>${row.gateway_message_id}</code>`, 's'));
    expect(html).not.toContain('data-action="replay"');
  });

  it('replays a failed message from its page', async () => {
    await waitFor('the first message failed', async () => (await stack.row(rejected)).status === 'failed');
    const before = (await page('get', `/dashboard/messages/${rejected}`).expect(200)).text;
    expect(before).toContain('data-action="replay"');
    expect(before).toContain('gateway answered 400');
    expect(before).toContain('No receipt: the message has not been sent.');

    const res = await post(`/dashboard/messages/${rejected}/replay`).expect(303);
    expect(res.headers.location).toBe(`/dashboard/messages/${rejected}?notice=replayed`);
    expect((await stack.row(rejected)).status).toBe('pending');
    const after = (await page('get', res.headers.location).expect(200)).text;
    expect(after).toContain('Replayed: the message is pending again');
    expect(after).toMatch(/<ol class="timeline" id="replays"><li><time[^>]*>[^<]+<\/time>: replayed from <span class="state state-failed">failed<\/span>/);
    expect(after).not.toContain('data-action="replay"');

    const again = await post(`/dashboard/messages/${rejected}/replay`).expect(303);
    expect(again.headers.location).toBe(`/dashboard/messages/${rejected}?notice=replayed`);
    await post(`/dashboard/messages/${retried}/replay`).expect(409);
    expect((await stack.row(retried)).status).toBe('sent');
    await post('/dashboard/messages/0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11/replay').expect(404);
  });

  it('lists messages newest first, a page at a time, with masked phone numbers and a filter by state', async () => {
    const more = await stack.insert(phones(55, 3_000_000).map((phone, i) => ({ phone, content: `bulk ${i}` })));
    const first = (await page('get', '/dashboard/messages').expect(200)).text;
    const ids = [...first.matchAll(/<tr class="row" data-id="([^"]+)">/g)].map((m) => m[1]);
    expect(ids).toHaveLength(50);
    expect(ids.slice(0, 3)).toEqual([more[54], more[53], more[52]]);
    expect(first).toContain('<span class="phone">+90555*****54</span>');
    expect(first).not.toMatch(/\+90555\d{7}/);
    const next = /<a href="(\/dashboard\/messages\?cursor=[^"]+)" rel="next">Next page<\/a>/.exec(first)![1].replaceAll('&amp;', '&');
    const second = (await page('get', next).expect(200)).text;
    const rest = [...second.matchAll(/<tr class="row" data-id="([^"]+)">/g)].map((m) => m[1]);
    expect(rest).toEqual([...more.slice(0, 5).reverse(), retried, rejected]);
    expect(second).not.toContain('rel="next"');
    expect(second).toContain('<a href="/dashboard/messages">First page</a>');

    const sent = (await page('get', '/dashboard/messages?status=sent').expect(200)).text;
    expect([...sent.matchAll(/<tr class="row" data-id="([^"]+)">/g)].map((m) => m[1])).toEqual([retried]);
    expect(sent).toContain('<option value="sent" selected>sent</option>');
    expect((await page('get', '/dashboard/messages?status=expired').expect(200)).text).toContain('No expired messages.');
  });

  it('finds a message by its id from the search box', async () => {
    expect((await page('get', `/dashboard/messages?q=${retried}`).expect(303)).headers.location).toBe(`/dashboard/messages/${retried}`);
    expect((await page('get', `/dashboard/messages?q=${retried.toUpperCase()}`).expect(303)).headers.location).toBe(`/dashboard/messages/${retried}`);
    const missing = await page('get', '/dashboard/messages?q=0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11').expect(200);
    expect(missing.text).toContain('No message has the id or the gateway messageId 0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11.');
    expect(missing.text).toContain('value="0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11"');
  });
});
