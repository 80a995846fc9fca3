/** Signing in to the dashboard from e2e tests: the form post a browser makes, over supertest. */
import request from 'supertest';
import { API_KEY, type Stack } from './stack.js';

/** The host every dashboard e2e request names, and the origin a same-origin form post carries. */
export const DASHBOARD_HOST = 'dashboard.test';
export const DASHBOARD_ORIGIN = `http://${DASHBOARD_HOST}`;

export interface DashboardSignIn {
  /** `dispatcher_session=<token>`, for a Cookie header. */
  cookie: string;
  /** The session's CSRF token, read from the overview's forms. */
  csrf: string;
  /** The overview's HTML right after signing in. */
  overview: string;
}

/** A request to the dashboard under DASHBOARD_HOST. */
export function dashboardRequest(stack: Stack, method: 'get' | 'post', path: string): request.Test {
  return request(stack.app.getHttpServer())[method](path).set('Host', DASHBOARD_HOST);
}

/** Signs in with `key` (303 expected), then reads the overview for the CSRF token. Sign-ins are rate-limited: 10 a minute per client. */
export async function signInToDashboard(stack: Stack, key = API_KEY): Promise<DashboardSignIn> {
  const res = await dashboardRequest(stack, 'post', '/dashboard/login').set('Origin', DASHBOARD_ORIGIN).type('form').send({ key }).expect(303);
  const cookie = String(res.headers['set-cookie']?.[0] ?? '').split(';')[0];
  const overview = (await dashboardRequest(stack, 'get', '/dashboard').set('Cookie', cookie).expect(200)).text;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(overview)?.[1];
  if (!csrf) throw new Error('the overview has no CSRF token: was the sign-in refused?');
  return { cookie, csrf, overview };
}
