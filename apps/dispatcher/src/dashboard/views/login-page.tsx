import { Layout, type PageContext } from './layout.js';
import { Notice } from './parts.js';

export interface LoginPageProps {
  ctx: PageContext;
  /** Where to go after signing in (already checked by safeNext). */
  next: string;
  /** Why the last attempt failed: the same words for every wrong key. */
  error?: string;
}

/** The sign-in form: one of API_KEYS, posted once; the key never goes into a URL or the page's script. */
export function LoginPage({ ctx, next, error }: LoginPageProps) {
  return (
    <Layout ctx={ctx} title="Sign in">
      {error && <Notice kind="error">{error}</Notice>}
      <form id="login" class="login" method="post" action="/dashboard/login">
        <input type="hidden" name="next" value={next} />
        <label for="key">API key</label>
        <input id="key" name="key" type="password" autocomplete="current-password" required spellcheck={false} autofocus />
        <p class="hint" id="key-hint">
          One of the service's API_KEYS (with <code>npm start</code>: the key it printed, kept in .data/api-key). It is checked here and never stored in the
          browser.
        </p>
        <button type="submit">Sign in</button>
      </form>
    </Layout>
  );
}
