import { AsyncResource } from 'node:async_hooks';
import { Clock, type Timer } from '@app/domain';

/**
 * The real clock. Its timers run in the async context the clock was created in (boot), never in
 * the one of whoever set them: a loop kicked by an HTTP request would otherwise carry that
 * request's context (its log correlation id, say) into every later run.
 */
export class SystemClock extends Clock {
  private readonly home = new AsyncResource('SystemClock');

  now(): Date {
    return new Date();
  }

  setTimer(delayMs: number, callback: () => void): Timer {
    const handle = this.home.runInAsyncScope(() => setTimeout(callback, delayMs));
    return { cancel: () => clearTimeout(handle) };
  }
}
