import { Layout, type PageContext } from './layout.js';

export interface ErrorPageProps {
  ctx: PageContext;
  status: number;
  title: string;
  detail: string;
}

/** Any answer that is not the page asked for: 400, 403, 404, 409, 429, 500. */
export function ErrorPage({ ctx, status, title, detail }: ErrorPageProps) {
  return (
    <Layout ctx={ctx} title={title}>
      <p class="error-detail">
        <span class="status-code">{status}</span> {detail}
      </p>
      <p>
        <a href={ctx.session ? '/dashboard' : '/dashboard/login'}>{ctx.session ? 'Back to the overview' : 'Go to sign-in'}</a>
      </p>
    </Layout>
  );
}
