/**
 * The dashboard's operator tools against the real service and PostgreSQL (e2e): start and stop
 * recorded under the session's label and shown on the overview and the operator log; the in-doubt
 * inbox with its evidence, settled by hand (CSRF, blank reason, someone else first); the decision on
 * the message's page and in the log; replay with a preview that replays exactly the previewed set,
 * or nothing when it changed.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { signInToDashboard } from '@test/support/dashboard.js';
import { type Stack, startStack, waitFor } from '@test/support/stack.js';

const HOST = 'dashboard.test';
const ORIGIN = `http://${HOST}`;
const XSS = '<script>alert(1)</script>';
const GW = '67f2f8a8-ea58-4ed0-a6f9-ff217df4d849';

/** The HTML entities preact writes in text and attributes, undone. */
const unescape = (html: string) => html.replaceAll('&quot;', '"').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');

describe('dashboard operator tools (e2e)', () => {
  let stack: Stack;
  let cookie: string;
  let csrf: string;
  let label: string;
  const page = (method: 'get' | 'post', path: string) => request(stack.app.getHttpServer())[method](path).set('Host', HOST).set('Cookie', cookie);
  const post = (path: string, form: Record<string, string | string[]>) => page('post', path).set('Origin', ORIGIN).type('form').send(form);
  const status = async (id: string) => (await stack.row(id)).status as string;

  /** Messages inserted by SQL in a state, oldest first. */
  async function insert(count: number, state: string, reason: string | null, content = 'message'): Promise<string[]> {
    const { rows } = await stack.db.sql.query<{ id: string }>(
      `WITH inserted AS (
         INSERT INTO messages (phone_number, content, status, failure_reason, attempt_count, request_started_at)
         SELECT '+905551111111', $4 || ' ' || i, $2, $3, CASE WHEN $2 IN ('failed', 'unknown') THEN 1 ELSE 0 END,
                CASE WHEN $2 = 'unknown' THEN now() - interval '1 minute' END
           FROM generate_series(1, $1::int) AS i ORDER BY i RETURNING id, seq
       )
       SELECT id FROM inserted ORDER BY seq`,
      [count, state, reason, content],
    );
    return rows.map((r) => r.id);
  }

  beforeAll(async () => {
    stack = await startStack({ env: { DISPATCH_INTERVAL_MS: '100', WEBHOOK_TIMEOUT_MS: '300', BREAKER_FAILURES: '1000', DISPATCH_BATCH_SIZE: '2' } });
    let overview: string;
    ({ cookie, csrf, overview } = await signInToDashboard(stack));
    label = unescape(/<span class="who"[^>]*>([^<]+)<\/span>/.exec(overview)![1]);
    expect(label).toMatch(/^key [0-9a-f]{12} · s-[0-9a-f]{6}$/);
  });

  afterAll(async () => {
    await stack.close();
  });

  describe('start and stop', () => {
    it('records start and stop from the dashboard under the session’s label: the overview, its chart and the operator log say so', async () => {
      expect((await page('get', '/dashboard').expect(200)).text).toContain('no start or stop in the');
      await post('/dashboard/scheduler/start', { _csrf: csrf }).expect(303);
      await post('/dashboard/scheduler/stop', { _csrf: csrf }).expect(303);

      const overview = (await page('get', '/dashboard').expect(200)).text;
      expect(unescape(overview)).toContain(`<span id="last-change" data-action="stop" data-source="dashboard" data-actor="session:${label}">`);
      const data = JSON.parse(unescape(/data-chart="([^"]+)"/.exec(overview)![1]));
      expect(data.events.map((e: { kind: string; who: string }) => [e.kind, e.who])).toEqual([
        ['start', `session:${label} (dashboard)`],
        ['stop', `session:${label} (dashboard)`],
      ]);
      expect(data.sent).toHaveLength(60);
      const day = (await page('get', '/dashboard?range=24h').expect(200)).text;
      expect(JSON.parse(unescape(/data-chart="([^"]+)"/.exec(day)![1])).sent).toHaveLength(1440);
      expect(day).toContain('<a id="range-24h" href="/dashboard?range=24h" class="selected" aria-current="true">');

      const log = unescape((await page('get', '/dashboard/audit').expect(200)).text);
      const rows = [...log.matchAll(/<tr class="row" data-id="\d+" data-action="(\w+)" data-source="(\w+)">.*?<code class="actor">([^<]+)<\/code>/gs)];
      expect(rows.map((m) => [m[1], m[2], m[3]])).toEqual([
        ['stop', 'dashboard', `session:${label}`],
        ['start', 'dashboard', `session:${label}`],
      ]);
      const stops = unescape((await page('get', '/dashboard/audit?action=stop').expect(200)).text);
      expect([...stops.matchAll(/data-action="(\w+)" data-source/g)].map((m) => m[1])).toEqual(['stop']);
      expect(stops).toContain('<input type="checkbox" id="audit-action-stop" name="action" value="stop" checked/>');
      await page('get', '/dashboard/audit?action=delete').expect(400);
      await page('get', '/dashboard/audit?cursor=bogus').expect(400);

      const api = (await stack.api('get', '/api/v1/audit?limit=2').expect(200)).body;
      expect(api.items.map((e: { action: string; source: string; actor: string }) => [e.action, e.source, e.actor])).toEqual([
        ['stop', 'dashboard', `session:${label}`],
        ['start', 'dashboard', `session:${label}`],
      ]);
    });
  });

  describe('in-doubt inbox', () => {
    let inDoubt: string;

    beforeAll(async () => {
      // A real one: the request goes out, the gateway never answers, the timeout leaves it in doubt.
      stack.sandbox.configure({ mode: 'hang' });
      [inDoubt] = await stack.insert([{ phone: '+905553334444', content: XSS }]);
      await stack.api('post', '/api/v1/scheduler/start').expect(200);
      await waitFor('the message in doubt', async () => (await status(inDoubt)) === 'unknown');
      await stack.api('post', '/api/v1/scheduler/stop').expect(200);
      stack.sandbox.configure({ mode: 'accept' });
    });

    it('lists it with its evidence and the content escaped, and counts it in the navigation', async () => {
      const html = (await page('get', '/dashboard/in-doubt').expect(200)).text;
      expect(html).not.toContain(XSS);
      expect(html).toContain('&lt;script>alert(1)&lt;/script>');
      const item = new RegExp(`<li class="row in-doubt-item panel" data-id="${inDoubt}".*?</li>`, 's').exec(html)![0];
      const row = await stack.row(inDoubt);
      expect(item).toContain(`<dd data-slot="went-out"><time datetime="${(row.request_started_at as Date).toISOString()}">`);
      expect(item).toContain(
        'data-cause="timeout"><strong>Timeout: the gateway did not answer in time</strong>: <span class="error-text">no answer from the gateway',
      );
      expect(item).toContain(`<code data-slot="idempotency-key">${inDoubt}</code>`);
      expect(item).toContain('+90555*****44');
      expect(item).not.toContain('+905553334444');
      expect(item).toContain('data-action="replay"');
      expect(item).toContain('data-action="settle"');
      expect(html).toContain('<span class="nav-count attention" data-nav-count="unknown" data-value="1">1');
    });

    it('refuses a settlement without the CSRF token (403) or from another origin, and the message stays in doubt', async () => {
      await post(`/dashboard/messages/${inDoubt}/settle`, { outcome: 'failed', reason: 'no token' }).expect(403);
      await page('post', `/dashboard/messages/${inDoubt}/settle`)
        .set('Origin', 'http://evil.example')
        .type('form')
        .send({ _csrf: csrf, outcome: 'failed', reason: 'other origin' })
        .expect(403);
      expect(await status(inDoubt)).toBe('unknown');
      expect((await stack.db.sql.query('SELECT count(*)::int AS n FROM message_decisions')).rows[0].n).toBe(0);
    });

    it('refuses a blank reason or a bad gateway messageId with the form shown again (400), and changes nothing', async () => {
      const blank = await post(`/dashboard/messages/${inDoubt}/settle`, { _csrf: csrf, outcome: 'failed', reason: '   ', back: 'in-doubt' }).expect(400);
      expect(blank.text).toContain(`<div class="field-error" id="settle-error-${inDoubt}" role="alert" data-slot="settle-error"><p>Give a reason`);
      expect(blank.text).toContain(`id="outcome-failed-${inDoubt}" name="outcome" value="failed" checked`);
      const bad = await post(`/dashboard/messages/${inDoubt}/settle`, { _csrf: csrf, outcome: 'sent', reason: 'seen', gatewayMessageId: 'nope' }).expect(400);
      expect(bad.text).toContain('Not settled: The gateway messageId must be a UUID');
      expect(bad.text).toContain(`<h1>Message ${inDoubt}</h1>`);
      const none = await post(`/dashboard/messages/${inDoubt}/settle`, { _csrf: csrf, reason: 'no outcome', back: 'in-doubt' }).expect(400);
      expect(none.text).toContain('Choose whether the gateway has the message (sent) or not (failed).');
      expect(await status(inDoubt)).toBe('unknown');
    });

    it('settles it as failed from the inbox: the decision is in its history and the operator log, under the session’s label', async () => {
      const res = await post(`/dashboard/messages/${inDoubt}/settle`, {
        _csrf: csrf,
        outcome: 'failed',
        reason: `gateway support: never received ${XSS}`,
        gatewayMessageId: '',
        back: 'in-doubt',
      }).expect(303);
      expect(res.headers.location).toBe(`/dashboard/in-doubt?settled=${inDoubt}`);
      const row = await stack.row(inDoubt);
      expect(row).toMatchObject({ status: 'failed', failure_reason: `settled by operator: gateway support: never received ${XSS}` });

      const inbox = (await page('get', res.headers.location).expect(200)).text;
      expect(inbox).toContain(`<span data-notice="settled" data-id="${inDoubt}">`);
      expect(inbox).toContain('<span class="state state-failed">failed</span> now');
      expect(inbox).not.toContain(`data-id="${inDoubt}" id="in-doubt-`);
      expect(inbox).toContain('No message is in doubt.');

      const message = unescape((await page('get', `/dashboard/messages/${inDoubt}`).expect(200)).text);
      expect(message).toMatch(
        new RegExp(
          '<li class="history-decision" data-kind="decision"><time[^>]*>[^<]+</time>: <strong class="decision-mark">Operator decision</strong>: ' +
            `settled by hand as <span class="state state-failed">failed</span> by <code class="actor">session:${label}</code> \\(\\s*the dashboard\\)`,
        ),
      );
      expect(message).not.toContain('data-action="settle"');

      const log = unescape((await page('get', '/dashboard/audit?action=settle').expect(200)).text);
      expect(log).toContain(`<tr class="row" data-id`);
      expect(log).toContain(`data-action="settle" data-source="dashboard"><td data-label="When">`);
      expect(log).toContain(`<code class="actor">session:${label}</code>`);
      expect(log).toContain(`<dt>message</dt><dd><a href="/dashboard/messages/${inDoubt}">`);
      expect((await page('get', '/dashboard/audit?action=settle').expect(200)).text).not.toContain(XSS);
    });

    it('says so when someone else settled it first (409), and changes nothing', async () => {
      const res = await post(`/dashboard/messages/${inDoubt}/settle`, { _csrf: csrf, outcome: 'sent', reason: 'late click', back: 'in-doubt' }).expect(409);
      expect(res.text).toContain(`Nothing was changed: message ${inDoubt} is no longer in doubt (it is failed now).`);
      expect(await status(inDoubt)).toBe('failed');
      const fromPage = await post(`/dashboard/messages/${inDoubt}/settle`, { _csrf: csrf, outcome: 'sent', reason: 'late click' }).expect(409);
      expect(fromPage.text).toContain('Not settled: Nothing was changed');
      expect((await stack.db.sql.query('SELECT count(*)::int AS n FROM message_decisions')).rows[0].n).toBe(1);
      await post('/dashboard/messages/0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11/settle', { _csrf: csrf, outcome: 'sent', reason: 'x' }).expect(404);
    });

    it('settles one as sent from its own page, with the gateway’s messageId, and replays another from the inbox', async () => {
      const [sentOne, replayOne] = await insert(2, 'unknown', 'sender lost its claim mid-send (it died or stalled past CLAIM_LEASE_MS)');
      const inbox = (await page('get', '/dashboard/in-doubt').expect(200)).text;
      expect(inbox).toContain(`data-id="${sentOne}" id="in-doubt-${sentOne}"`);
      expect(new RegExp(`data-id="${sentOne}" id=.*?data-cause="sender-died"`, 's').test(inbox)).toBe(true);

      const own = (await page('get', `/dashboard/messages/${sentOne}`).expect(200)).text;
      expect(own).toContain(`<form class="settle" method="post" action="/dashboard/messages/${sentOne}/settle" data-action="settle" data-id="${sentOne}">`);
      const res = await post(`/dashboard/messages/${sentOne}/settle`, { _csrf: csrf, outcome: 'sent', reason: 'delivery report seen', gatewayMessageId: GW });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/dashboard/messages/${sentOne}?notice=settled`);
      expect(await stack.row(sentOne)).toMatchObject({ status: 'sent', gateway_message_id: GW });
      expect((await page('get', res.headers.location).expect(200)).text).toContain('Settled by hand: the decision is in the message’s history');

      const replayed = await post(`/dashboard/messages/${replayOne}/replay`, { _csrf: csrf, back: 'in-doubt' }).expect(303);
      expect(replayed.headers.location).toBe(`/dashboard/in-doubt?replayed=${replayOne}`);
      expect(await status(replayOne)).toBe('pending');
      expect((await page('get', replayed.headers.location).expect(200)).text).toContain(`<span data-notice="replayed" data-id="${replayOne}">`);
      const entries = (await stack.api('get', '/api/v1/audit?limit=2').expect(200)).body.items;
      expect(entries.map((e: { action: string; actor: string }) => [e.action, e.actor])).toEqual([
        ['replay', `session:${label}`],
        ['settle', `session:${label}`],
      ]);
    });
  });

  describe('replay with a preview', () => {
    beforeEach(async () => {
      await stack.db.sql.query('TRUNCATE messages, message_attempts, message_replays, message_decisions, operator_audit');
    });

    async function preview(path: string) {
      const html = (await page('get', path).expect(200)).text;
      return {
        html,
        count: Number(/<strong id="preview-count" data-value="(\d+)">/.exec(html)![1]),
        token: unescape(/name="previewToken" value="([^"]+)"/.exec(html)?.[1] ?? ''),
      };
    }

    it('previews the set, then replays exactly it, and the operator log has the count', async () => {
      const failed = await insert(3, 'failed', 'gateway answered 400: bad number');
      await insert(2, 'expired', 'expired before it could be sent');
      await insert(1, 'unknown', 'outcome unknown: no answer');
      await insert(2, 'sent', null);

      expect((await page('get', '/dashboard/replay').expect(200)).text).not.toContain('id="replay-preview"');
      const p = await preview('/dashboard/replay?status=failed&status=expired&preview=1');
      expect(p.count).toBe(5);
      expect(p.html).toContain('<div class="fact" data-status="failed" data-value="3">');
      expect(p.html).toContain('<div class="fact" data-status="expired" data-value="2">');
      expect(p.html).toMatch(/<td data-label="Reason" class="content-cell">gateway answered 400: bad number<\/td><td data-label="Messages">3<\/td>/);
      expect([...p.html.matchAll(/<a href="\/dashboard\/messages\/([0-9a-f-]{36})" data-id=/g)].map((m) => m[1])).toEqual(expect.arrayContaining(failed));
      // 5 messages at 2 per 100 ms: 3 intervals.
      expect(p.html).toContain(
        '<p id="preview-drain" data-seconds="0.3">They would take about 300 ms to send at the current cadence (2 messages every 100 ms).</p>',
      );

      const res = await post('/dashboard/replay', { _csrf: csrf, status: ['failed', 'expired'], previewToken: p.token }).expect(303);
      expect(res.headers.location).toBe('/dashboard/replay?replayed=5');
      const counts = (await stack.db.sql.query('SELECT status, count(*)::int AS n FROM messages GROUP BY status ORDER BY status')).rows;
      expect(counts).toEqual([
        { status: 'pending', n: 5 },
        { status: 'sent', n: 2 },
        { status: 'unknown', n: 1 },
      ]);
      expect((await page('get', res.headers.location).expect(200)).text).toContain('<span id="replay-result" data-count="5">Replayed 5 messages');
      const log = (await stack.api('get', '/api/v1/audit?action=replay').expect(200)).body.items;
      expect(log).toEqual([expect.objectContaining({ action: 'replay', source: 'dashboard', actor: `session:${label}`, messageCount: 5 })]);
    });

    it('says the set changed since the preview, replays nothing and shows the new preview', async () => {
      await insert(2, 'failed', 'gateway answered 400: bad number');
      const p = await preview('/dashboard/replay?status=failed');
      expect(p.count).toBe(2);
      await insert(1, 'failed', 'gateway answered 400: another');

      const res = await post('/dashboard/replay', { _csrf: csrf, status: 'failed', previewToken: p.token }).expect(409);
      expect(res.text).toContain('<div class="notice notice-error" role="alert" id="replay-changed">');
      expect(res.text).toContain('The set changed since the preview: nothing was replayed.');
      expect(res.text).toContain('<strong id="preview-count" data-value="3">3</strong>');
      expect((await stack.db.sql.query(`SELECT count(*)::int AS n FROM messages WHERE status = 'failed'`)).rows[0].n).toBe(3);
      expect((await stack.db.sql.query('SELECT count(*)::int AS n FROM message_replays')).rows[0].n).toBe(0);

      // The new preview's token replays the new set.
      const token = unescape(/name="previewToken" value="([^"]+)"/.exec(res.text)![1]);
      expect((await post('/dashboard/replay', { _csrf: csrf, status: 'failed', previewToken: token }).expect(303)).headers.location).toBe(
        '/dashboard/replay?replayed=3',
      );
    });

    it('filters by the time the messages reached their state, in UTC, and refuses bad filters with the form (400)', async () => {
      const [old] = await insert(1, 'failed', 'old failure');
      await stack.db.sql.query(`UPDATE messages SET updated_at = '2026-01-10T08:00:00Z' WHERE id = $1`, [old]);
      await insert(1, 'failed', 'new failure');
      const p = await preview('/dashboard/replay?status=failed&from=2026-01-10T07%3A30&to=2026-01-10T08%3A30');
      expect(p.count).toBe(1);
      expect(p.html).toContain(`data-id="${old}"`);
      expect(p.html).toContain('<input type="hidden" name="from" value="2026-01-10T07:30:00.000Z"/>');
      expect(p.html).toContain('value="2026-01-10T07:30"');

      const none = await page('get', '/dashboard/replay?preview=1').expect(400);
      expect(none.text).toContain('Choose at least one state to replay.');
      const sent = await page('get', '/dashboard/replay?status=sent').expect(400);
      expect(sent.text).toContain('“sent” cannot be replayed');
      const badTime = await page('get', '/dashboard/replay?status=failed&from=yesterday').expect(400);
      expect(badTime.text).toContain('“yesterday” is not a time');
      await post('/dashboard/replay', { _csrf: csrf, status: 'failed' }).expect(400);
      await post('/dashboard/replay', { status: 'failed', previewToken: p.token }).expect(403);
      expect((await stack.db.sql.query(`SELECT count(*)::int AS n FROM messages WHERE status = 'failed'`)).rows[0].n).toBe(2);
    });
  });
});
