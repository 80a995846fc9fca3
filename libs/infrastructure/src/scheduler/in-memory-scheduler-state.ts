import { type DesiredState, SchedulerState } from '@app/domain';

/** The start/stop decision of this process only; it is forgotten on restart. */
export class InMemorySchedulerState extends SchedulerState {
  private state: DesiredState | null = null;

  async desired(): Promise<DesiredState | null> {
    return this.state;
  }

  async setDesired(state: DesiredState): Promise<void> {
    this.state = state;
  }
}
