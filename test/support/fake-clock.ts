import { Clock, type Timer } from '@app/domain';

interface Pending {
  at: number;
  seq: number;
  callback: () => void;
}

/** A clock that moves only when the test says so; timers fire in order as time passes them. */
export class FakeClock extends Clock {
  private current: number;
  private seq = 0;
  private timers: Pending[] = [];

  constructor(start = new Date('2026-11-22T10:00:00.000Z')) {
    super();
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  setTimer(delayMs: number, callback: () => void): Timer {
    const timer: Pending = { at: this.current + Math.max(0, delayMs), seq: this.seq++, callback };
    this.timers.push(timer);
    return { cancel: () => (this.timers = this.timers.filter((t) => t !== timer)) };
  }

  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing each due timer and letting its promise chains run. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = due.at;
      due.callback();
      await flushMicrotasks();
    }
    this.current = target;
    await flushMicrotasks();
  }
}

export async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
}
