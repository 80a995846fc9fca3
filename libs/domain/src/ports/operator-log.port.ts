import type { NewOperatorLogEntry, OperatorAction, OperatorLogEntry } from '../operator.js';
import type { Page } from './message-repository.port.js';

export interface OperatorLogQuery {
  limit: number;
  /** A nextCursor of an earlier page of the same query. */
  cursor?: string;
  /** Only entries of these actions (all when absent or empty). */
  actions?: readonly OperatorAction[];
  /** Only entries written at or after this time (the database's clock). */
  since?: Date;
}

/**
 * The operator log: one entry per start, stop, replay and manual settlement, from the API or the
 * dashboard, kept in PostgreSQL. Replays and settlements are written by MessageRepository in the
 * transaction that changes the messages (so a change and its entry exist together or not at all);
 * start and stop are written here, after the cluster's state has changed.
 */
export abstract class OperatorLog {
  /** Appends an entry; answers it as kept (its id and the database's time). */
  abstract record(entry: NewOperatorLogEntry): Promise<OperatorLogEntry>;

  /** Entries newest first, a page at a time. Throws InvalidCursorError for a cursor it did not make. */
  abstract list(query: OperatorLogQuery): Promise<Page<OperatorLogEntry>>;
}
