import { Injectable } from '@nestjs/common';
import { Leadership, SchedulerState } from '@app/domain';
import type { BreakerStatus } from '../dispatch/circuit-breaker.js';
import { CircuitBreakerGateway } from '../dispatch/circuit-breaker-gateway.js';
import { TickListener, type TickTotals } from '../dispatch/tick-listener.js';
import type { TickReport } from '../dispatch/tick-report.js';
import { DispatchSettings } from '../dispatch-settings.js';
import { DispatchScheduler } from './dispatch-scheduler.js';

export interface SchedulerStatus {
  /** The cluster's decision: sending is on. */
  running: boolean;
  intervalMs: number;
  batchSize: number;
  /** When the cluster's last tick began, whichever replica ran it. */
  lastTickAt: Date | null;
  nextTickAt: Date | null;
  tickInProgress: boolean;
  /** The last tick this replica ran. */
  lastTick: TickReport | null;
  totals: TickTotals;
  instanceId: string;
  isLeader: boolean;
  leaderId: string | null;
  breaker: BreakerStatus;
  /** Shutting down: no new claims, finishing what is in flight. */
  draining: boolean;
}

/** The scheduler's status as the API shows it: this replica's view plus the cluster's. */
@Injectable()
export class GetDispatchStatus {
  constructor(
    private readonly scheduler: DispatchScheduler,
    private readonly listener: TickListener,
    private readonly gateway: CircuitBreakerGateway,
    private readonly leadership: Leadership,
    private readonly state: SchedulerState,
    private readonly settings: DispatchSettings,
  ) {}

  async execute(): Promise<SchedulerStatus> {
    const snapshot = this.scheduler.snapshot();
    const [leaderId, lastTickAt] = await Promise.all([
      this.leadership.leaderId().catch(() => null),
      this.state.lastTickAt().catch(() => snapshot.clusterLastTickAt),
    ]);
    const nextTickAt = !snapshot.running
      ? null
      : snapshot.isLeader
        ? snapshot.nextStepAt
        : lastTickAt && new Date(lastTickAt.getTime() + this.settings.intervalMs);
    return {
      running: snapshot.running,
      intervalMs: this.settings.intervalMs,
      batchSize: this.settings.batchSize,
      lastTickAt,
      nextTickAt,
      tickInProgress: snapshot.tickInProgress,
      lastTick: this.listener.lastTick,
      totals: this.listener.totals(),
      instanceId: this.leadership.instanceId,
      isLeader: snapshot.isLeader,
      leaderId,
      breaker: this.gateway.status(),
      draining: snapshot.draining,
    };
  }
}
