import { Clock, type Timer } from '@app/domain';

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }

  setTimer(delayMs: number, callback: () => void): Timer {
    const handle = setTimeout(callback, delayMs);
    return { cancel: () => clearTimeout(handle) };
  }
}
