export type DesiredState = 'running' | 'stopped';

/** The cluster's answer to "may I tick now?", decided by one clock for every replica. */
export interface TickPermit {
  /** Granted: the caller ticks now, under permit `tickNo`; nobody else gets one for an interval. */
  granted: boolean;
  /** The number of the cluster's latest permit: this one when granted. */
  tickNo: number;
  /** When the cluster's latest tick began (this one when granted), by the state's clock. */
  lastTickAt: Date | null;
  /**
   * How long until the cluster may tick again (the interval when granted), measured by the
   * state's clock: a duration, so that the caller's own clock never enters the decision.
   */
  waitMs: number;
}

/**
 * The cluster's scheduler state, shared by every replica: the operator's start/stop decision
 * (null: nobody has decided yet, so DISPATCH_AUTOSTART applies) and the tick permit, which keeps
 * one cadence for the cluster whichever replica leads and whatever its clock says.
 */
export abstract class SchedulerState {
  abstract desired(): Promise<DesiredState | null>;
  abstract setDesired(state: DesiredState, decidedBy: string): Promise<void>;
  abstract lastTickAt(): Promise<Date | null>;
  /**
   * Grants a tick to `by` when the last one began at least `intervalMs` ago, and records it, in
   * one step: two callers never both get a permit within one interval.
   */
  abstract tryTick(intervalMs: number, by: string): Promise<TickPermit>;
}
