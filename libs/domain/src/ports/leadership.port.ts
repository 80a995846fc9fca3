/**
 * At most one replica leads at a time, and only the leader ticks: the cadence belongs to the
 * cluster, not to each process. Leadership must end by itself when the leader dies.
 */
export abstract class Leadership {
  /** This process's id in the cluster. */
  abstract readonly instanceId: string;

  /** Becomes leader if nobody is, or confirms that this process still is. Never throws. */
  abstract acquire(): Promise<boolean>;

  /** Whether the last acquire() made or confirmed this process as leader. */
  abstract get isLeader(): boolean;

  /** The instance id of the current leader, if any can be seen. */
  abstract leaderId(): Promise<string | null>;

  /** Gives leadership up (on shutdown) so another replica takes over at once. */
  abstract release(): Promise<void>;
}
