export type DesiredState = 'running' | 'stopped';

/**
 * Where the operator's start/stop decision lives. Null means nobody has decided yet, in which
 * case the dispatcher follows DISPATCH_AUTOSTART.
 */
export abstract class SchedulerState {
  abstract desired(): Promise<DesiredState | null>;
  abstract setDesired(state: DesiredState): Promise<void>;
}
