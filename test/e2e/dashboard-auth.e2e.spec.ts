/**
 * The dashboard's sign-in (e2e, real app and PostgreSQL): the key checked once, a session in
 * dashboard_sessions, the cookie's attributes, sign-out on every replica, idle and absolute
 * expiry (driven by the stored times), no page without a session, and the API refusing the cookie.
 * Few sign-ins per file: they are rate-limited per client address (10 a minute).
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { signInToDashboard } from '@test/support/dashboard.js';
import { API_KEY, SECOND_API_KEY, type Stack, startStack } from '@test/support/stack.js';

const HOST = 'dashboard.test';
const ORIGIN = `http://${HOST}`;

describe('dashboard sign-in (e2e)', () => {
  let stack: Stack;
  const page = (method: 'get' | 'post', path: string) => request(stack.app.getHttpServer())[method](path).set('Host', HOST);

  const signIn = (key = API_KEY) => signInToDashboard(stack, key);

  /** Signed in once for the tests that only need a session (sign-ins are rate-limited). */
  let shared: { cookie: string; csrf: string };
  const sessions = async () => (await stack.db.sql.query('SELECT * FROM dashboard_sessions ORDER BY created_at')).rows;

  beforeAll(async () => {
    stack = await startStack();
    shared = await signIn();
  });

  afterAll(async () => {
    await stack.close();
  });

  it('shows the sign-in form', async () => {
    const res = await page('get', '/dashboard/login').expect(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text).toMatch(/<form id="login" class="login" method="post" action="\/dashboard\/login">/);
    expect(res.text).toMatch(/<label for="key">API key<\/label><input id="key" name="key" type="password"/);
    expect(res.text).toMatch(/<button type="submit">Sign in<\/button>/);
  });

  it('signs in with a key of API_KEYS: a session row holding no key and no token, and a strict HttpOnly cookie', async () => {
    const res = await page('post', '/dashboard/login').set('Origin', ORIGIN).type('form').send({ key: API_KEY }).expect(303);
    expect(res.headers.location).toBe('/dashboard');
    const setCookie = String(res.headers['set-cookie']?.[0]);
    expect(setCookie).toMatch(/^dispatcher_session=[A-Za-z0-9_-]{43}; Max-Age=28800; Path=\/dashboard; Expires=[^;]+; HttpOnly; SameSite=Strict$/);
    const token = setCookie.split(';')[0].split('=')[1];

    const row = (await sessions()).at(-1);
    expect(row.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(row.key_fingerprint).toBe(createHash('sha256').update(API_KEY).digest('hex').slice(0, 12));
    expect(row.label).toMatch(/^key [0-9a-f]{12} · s-[0-9a-f]{6}$/);
    expect(row.expires_at.getTime() - row.created_at.getTime()).toBe(8 * 3_600_000);
    expect(JSON.stringify(row)).not.toContain(API_KEY);
    expect(JSON.stringify(row)).not.toContain(token);

    const overview = await page('get', '/dashboard').set('Cookie', `dispatcher_session=${token}`).expect(200);
    expect(overview.text).toContain('<h1>Overview</h1>');
    expect(overview.text).toContain(row.label);
    expect(overview.text).not.toContain(API_KEY);
  });

  it('accepts every key of API_KEYS, and goes back to the page asked for', async () => {
    const res = await page('post', '/dashboard/login')
      .set('Origin', ORIGIN)
      .type('form')
      .send({ key: SECOND_API_KEY, next: '/dashboard/messages?status=failed' })
      .expect(303);
    expect(res.headers.location).toBe('/dashboard/messages?status=failed');
  });

  it('answers every wrong key with the same 401 page, and creates no session', async () => {
    const before = (await sessions()).length;
    const answers = [];
    for (const key of [`${API_KEY}x`, API_KEY.slice(0, -1), '']) {
      // A `next` off the dashboard is dropped (no open redirect): the page is the same.
      const next = key === '' ? 'https://evil.example/' : '/dashboard';
      const res = await page('post', '/dashboard/login').set('Origin', ORIGIN).type('form').send({ key, next }).expect(401);
      expect(res.headers['set-cookie']).toBeUndefined();
      answers.push(res.text);
    }
    expect(new Set(answers).size).toBe(1);
    expect(answers[0]).toContain('name="next" value="/dashboard"');
    expect(answers[0]).toContain('That key is not one of this service’s API keys.');
    expect(await sessions()).toHaveLength(before);
  });

  it('shows no page without a session: a redirect to sign-in for pages, 401 for fragments and htmx requests', async () => {
    for (const path of [
      '/dashboard',
      '/dashboard/messages?status=failed',
      '/dashboard/messages/0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11',
      '/dashboard/scheduler/stop',
    ]) {
      const res = await page('get', path).expect(303);
      expect(res.headers.location).toBe(`/dashboard/login?next=${encodeURIComponent(path)}`);
    }
    await page('get', '/dashboard/fragments/live').expect(401);
    await page('get', '/dashboard').set('HX-Request', 'true').expect(401);
    await page('get', '/dashboard').set('Cookie', 'dispatcher_session=not-a-session').expect(303);
    await page('get', '/dashboard')
      .set('Cookie', `dispatcher_session=${'A'.repeat(43)}`)
      .expect(303);
    await page('post', '/dashboard/scheduler/start').set('Origin', ORIGIN).type('form').send({ _csrf: 'x' }).expect(303);
  });

  it('never lets the cookie authenticate the API: /api/v1 stays header-only', async () => {
    const { cookie } = shared;
    for (const path of ['/api/v1/scheduler/status', '/api/v1/messages', '/api/v1/messages/stats']) {
      const res = await stack.api('get', path, false).set('Cookie', cookie).expect(401);
      expect(res.body).toMatchObject({ code: 'UNAUTHORIZED' });
    }
    await stack.api('post', '/api/v1/scheduler/start', false).set('Cookie', cookie).expect(401);
    expect((await stack.api('get', '/api/v1/scheduler/status').expect(200)).body.running).toBe(false);
  });

  it('signs out: the row is gone (for every replica), the cookie is cleared, and the old cookie leads to sign-in', async () => {
    const { cookie, csrf } = await signIn();
    const hash = createHash('sha256').update(cookie.split('=')[1]).digest('hex');
    const res = await page('post', '/dashboard/logout').set('Cookie', cookie).set('Origin', ORIGIN).type('form').send({ _csrf: csrf }).expect(303);
    expect(res.headers.location).toBe('/dashboard/login');
    expect(String(res.headers['set-cookie']?.[0])).toMatch(
      /^dispatcher_session=; Path=\/dashboard; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict$/,
    );
    expect((await stack.db.sql.query('SELECT 1 FROM dashboard_sessions WHERE token_hash = $1', [hash])).rowCount).toBe(0);
    await page('get', '/dashboard').set('Cookie', cookie).expect(303);
    await page('get', '/dashboard/fragments/live').set('Cookie', cookie).expect(401);
  });

  it('ends a session after 30 minutes without activity, and after 8 hours whatever the activity', async () => {
    const idle = await signIn();
    const idleHash = createHash('sha256').update(idle.cookie.split('=')[1]).digest('hex');
    await stack.db.sql.query(`UPDATE dashboard_sessions SET last_seen_at = now() - interval '29 minutes' WHERE token_hash = $1`, [idleHash]);
    await page('get', '/dashboard').set('Cookie', idle.cookie).expect(200);
    const [{ last_seen_at }] = (await stack.db.sql.query('SELECT last_seen_at FROM dashboard_sessions WHERE token_hash = $1', [idleHash])).rows;
    expect(Date.now() - last_seen_at.getTime()).toBeLessThan(60_000);
    await stack.db.sql.query(`UPDATE dashboard_sessions SET last_seen_at = now() - interval '31 minutes' WHERE token_hash = $1`, [idleHash]);
    expect((await page('get', '/dashboard/messages').set('Cookie', idle.cookie).expect(303)).headers.location).toMatch(/^\/dashboard\/login/);
    expect((await stack.db.sql.query('SELECT 1 FROM dashboard_sessions WHERE token_hash = $1', [idleHash])).rowCount).toBe(0);

    const old = await signIn(SECOND_API_KEY);
    const oldHash = createHash('sha256').update(old.cookie.split('=')[1]).digest('hex');
    await stack.db.sql.query(
      `UPDATE dashboard_sessions SET created_at = now() - interval '8 hours', expires_at = now() - interval '1 second', last_seen_at = now()
       WHERE token_hash = $1`,
      [oldHash],
    );
    await page('get', '/dashboard').set('Cookie', old.cookie).expect(303);
    await page('get', '/dashboard/fragments/live').set('Cookie', old.cookie).expect(401);
  });

  it('does not restart the idle time for polls of the live fragment', async () => {
    const { cookie } = shared;
    const hash = createHash('sha256').update(cookie.split('=')[1]).digest('hex');
    await stack.db.sql.query(`UPDATE dashboard_sessions SET last_seen_at = now() - interval '10 minutes' WHERE token_hash = $1`, [hash]);
    await page('get', '/dashboard/fragments/live').set('Cookie', cookie).expect(200);
    const [{ last_seen_at }] = (await stack.db.sql.query('SELECT last_seen_at FROM dashboard_sessions WHERE token_hash = $1', [hash])).rows;
    expect(Date.now() - last_seen_at.getTime()).toBeGreaterThan(9 * 60_000);
  });

  it('sends a signed-in operator from the sign-in page to the overview', async () => {
    const { cookie } = shared;
    expect((await page('get', '/dashboard/login').set('Cookie', cookie).expect(303)).headers.location).toBe('/dashboard');
  });
});

describe('dashboard sign-in rate limit (e2e)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });

  afterAll(async () => {
    await stack.close();
  });

  it('allows 10 attempts a minute per client address, then answers 429 with Retry-After, even for the right key', async () => {
    const attempt = (key: string) =>
      request(stack.app.getHttpServer()).post('/dashboard/login').set('Host', HOST).set('Origin', ORIGIN).type('form').send({ key });
    for (let i = 0; i < 10; i++) await attempt(`wrong-${i}`).expect(401);
    const refused = await attempt(API_KEY).expect(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.headers['set-cookie']).toBeUndefined();
    expect(refused.text).toContain('Too many sign-in attempts');
    expect((await stack.db.sql.query('SELECT count(*)::int AS n FROM dashboard_sessions')).rows[0].n).toBe(0);
  });
});
