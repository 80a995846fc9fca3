import { Layout, type PageContext } from './layout.js';
import { CsrfField } from './parts.js';

export type SchedulerAction = 'start' | 'stop';

export interface ConfirmPageProps {
  ctx: PageContext & { session: NonNullable<PageContext['session']> };
  action: SchedulerAction;
  /** Whether sending runs now. */
  running: boolean;
}

const WORDS: Record<SchedulerAction, { title: string; detail: string; button: string }> = {
  stop: {
    title: 'Stop sending for the whole cluster?',
    detail:
      'Every replica stops claiming messages. Requests already on their way finish; messages stay pending until sending starts again. ' +
      'The API and this dashboard keep working.',
    button: 'Stop sending',
  },
  start: {
    title: 'Start sending for the whole cluster?',
    detail: 'The leader claims the first batch at once, then one batch per interval, the highest priority first.',
    button: 'Start sending',
  },
};

/** The confirmation step of start and stop: a page with a POST form, so it works without JavaScript. */
export function ConfirmPage({ ctx, action, running }: ConfirmPageProps) {
  const words = WORDS[action];
  const already = (action === 'stop' && !running) || (action === 'start' && running);
  return (
    <Layout ctx={ctx} title={words.title} section="overview">
      <p>{words.detail}</p>
      {already && <p class="muted">Sending is {running ? 'running' : 'stopped'} already; confirming changes nothing.</p>}
      <form class="confirm" method="post" action={`/dashboard/scheduler/${action}`} data-action={action}>
        <CsrfField token={ctx.session.csrfToken} />
        <button type="submit" class={action === 'stop' ? 'danger' : 'primary'}>
          {words.button}
        </button>
        <a class="button-link" href="/dashboard">
          Cancel
        </a>
      </form>
    </Layout>
  );
}
