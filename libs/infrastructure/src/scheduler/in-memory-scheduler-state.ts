import { type DesiredState, SchedulerState } from '@app/domain';

/** The scheduler state of a single process, forgotten on restart (tests, one-off tools). */
export class InMemorySchedulerState extends SchedulerState {
  private state: DesiredState | null = null;
  private lastTick: Date | null = null;

  async desired(): Promise<DesiredState | null> {
    return this.state;
  }

  async setDesired(state: DesiredState): Promise<void> {
    this.state = state;
  }

  async lastTickAt(): Promise<Date | null> {
    return this.lastTick;
  }

  async recordTick(at: Date): Promise<void> {
    this.lastTick = at;
  }
}
