import { Injectable } from '@nestjs/common';
import { type Actor, DispatchEventLog, OperatorLog } from '@app/domain';

/** At most this many events of each source are answered (the latest ones). */
export const MAX_DISPATCH_EVENTS = 500;

/** Something to mark on the sends chart. */
export interface DispatchTimelineEvent {
  at: Date;
  /** An operator started or stopped sending, or the circuit breaker opened. */
  kind: 'start' | 'stop' | 'breaker-opened';
  /** Who started or stopped; null for the breaker. */
  actor: Actor | null;
  detail: Record<string, unknown>;
}

export interface ListDispatchEventsQuery {
  since: Date;
}

/**
 * The events of sending since a time, oldest first: starts and stops from the operator log, and
 * the circuit breaker's openings (DispatchEventLog). At most MAX_DISPATCH_EVENTS of each, the latest.
 */
@Injectable()
export class ListDispatchEvents {
  constructor(
    private readonly log: OperatorLog,
    private readonly events: DispatchEventLog,
  ) {}

  async execute({ since }: ListDispatchEventsQuery): Promise<DispatchTimelineEvent[]> {
    const [decisions, dispatch] = await Promise.all([
      this.log.list({ limit: MAX_DISPATCH_EVENTS, actions: ['start', 'stop'], since }),
      this.events.since(since, MAX_DISPATCH_EVENTS),
    ]);
    const timeline: DispatchTimelineEvent[] = [
      // The log answers newest first; oldest first here, so that a stable sort keeps entries of one time in the order written.
      ...[...decisions.items].reverse().map((e) => ({ at: e.at, kind: e.action as 'start' | 'stop', actor: e.actor, detail: e.detail })),
      ...dispatch.map((e) => ({ at: e.at, kind: e.kind, actor: null, detail: e.detail })),
    ];
    return timeline.sort((a, b) => a.at.getTime() - b.at.getTime());
  }
}
