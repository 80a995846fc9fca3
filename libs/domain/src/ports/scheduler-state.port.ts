export type DesiredState = 'running' | 'stopped';

/**
 * The cluster's scheduler state, shared by every replica: the operator's start/stop decision
 * (null: nobody has decided yet, so DISPATCH_AUTOSTART applies) and when the last tick began,
 * so that a new leader keeps the cadence of the old one.
 */
export abstract class SchedulerState {
  abstract desired(): Promise<DesiredState | null>;
  abstract setDesired(state: DesiredState, decidedBy: string): Promise<void>;
  abstract lastTickAt(): Promise<Date | null>;
  abstract recordTick(at: Date): Promise<void>;
}
