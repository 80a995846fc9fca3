import { type Clock, type DesiredState, SchedulerState, type TickPermit } from '@app/domain';

/** The scheduler state of a single process, forgotten on restart (tests, one-off tools); its clock decides. */
export class InMemorySchedulerState extends SchedulerState {
  private state: DesiredState | null = null;
  private lastTick: Date | null = null;
  private tickNo = 0;

  constructor(private readonly clock: Clock) {
    super();
  }

  /** The latest permit's number (0 before the first). */
  get latestTick(): number {
    return this.tickNo;
  }

  async desired(): Promise<DesiredState | null> {
    return this.state;
  }

  async setDesired(state: DesiredState): Promise<void> {
    this.state = state;
  }

  async lastTickAt(): Promise<Date | null> {
    return this.lastTick;
  }

  /** Records a tick as another replica's permit would (tests of a cluster in one process). */
  async recordTick(at: Date): Promise<void> {
    this.lastTick = at;
    this.tickNo += 1;
  }

  async tryTick(intervalMs: number): Promise<TickPermit> {
    const now = this.clock.now();
    const sinceLast = this.lastTick === null ? Infinity : now.getTime() - this.lastTick.getTime();
    if (sinceLast >= intervalMs) {
      this.lastTick = now;
      this.tickNo += 1;
      return { granted: true, tickNo: this.tickNo, lastTickAt: now, waitMs: intervalMs };
    }
    return { granted: false, tickNo: this.tickNo, lastTickAt: this.lastTick, waitMs: intervalMs - sinceLast };
  }
}
