export interface Timer {
  cancel(): void;
}

/** Time, behind a port so that tests drive the scheduler instead of sleeping. */
export abstract class Clock {
  abstract now(): Date;
  abstract setTimer(delayMs: number, callback: () => void): Timer;
}
