import type { ComponentChildren } from 'preact';
import type { MessageStatus } from '@app/domain';
import { formatDuration, formatTime } from '../format.js';

/** A time, readable and machine-readable. */
export function Time({ at }: { at: Date | null }) {
  if (at === null) return <span class="muted">—</span>;
  return <time datetime={at.toISOString()}>{formatTime(at)}</time>;
}

/**
 * A time ahead, counting down: the server writes the first value; dashboard.mjs updates every
 * element with data-countdown each second from its data-at.
 */
export function Countdown({ at, now, id }: { at: Date; now: Date; id?: string }) {
  return (
    <time id={id} data-countdown="" data-at={at.toISOString()} datetime={at.toISOString()}>
      {countdownText(at.getTime() - now.getTime())}
    </time>
  );
}

/** The countdown's words; dashboard.mjs writes the same ones. */
export function countdownText(ms: number): string {
  return ms <= 0 ? 'due now' : `in ${formatDuration(Math.ceil(ms / 1000) * 1000)}`;
}

/** A message state as a badge: the word itself, colour only as an extra. */
export function StateBadge({ state }: { state: MessageStatus }) {
  return <span class={`state state-${state}`}>{state}</span>;
}

/** A notice above a page's content (after an action). */
export function Notice({ children, kind = 'info' }: { children: ComponentChildren; kind?: 'info' | 'error' }) {
  return (
    <p class={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </p>
  );
}

/** The hidden CSRF field of every form that changes something. */
export function CsrfField({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}
