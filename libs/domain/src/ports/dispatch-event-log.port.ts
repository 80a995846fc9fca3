/** Things that happened to sending by themselves (as opposed to an operator's start or stop). */
export const DISPATCH_EVENT_KINDS = ['breaker-opened'] as const;
export type DispatchEventKind = (typeof DISPATCH_EVENT_KINDS)[number];

export interface NewDispatchEvent {
  kind: DispatchEventKind;
  detail: Record<string, unknown>;
}

export interface DispatchEvent extends NewDispatchEvent {
  id: number;
  /** When it was recorded, by the database's clock. */
  at: Date;
}

/** Events of the dispatch path worth marking on a chart (the circuit breaker opened), kept in PostgreSQL. */
export abstract class DispatchEventLog {
  /** Best effort: never throws, and never holds up a tick for long. */
  abstract record(event: NewDispatchEvent): Promise<void>;

  /** Events recorded at or after `since`, oldest first, at most `limit`. */
  abstract since(since: Date, limit: number): Promise<DispatchEvent[]>;
}
