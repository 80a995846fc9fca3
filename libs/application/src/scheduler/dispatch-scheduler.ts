import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Clock, Leadership, MessageRepository, SchedulerState } from '@app/domain';
import { DispatchBatch } from '../dispatch/dispatch-batch.use-case.js';
import { Housekeeping } from '../dispatch/housekeeping.use-case.js';
import { SendPacer } from '../dispatch/send-pacer.js';
import { TickListener } from '../dispatch/tick-listener.js';
import { DispatchSettings } from '../dispatch-settings.js';
import { Ticker } from './ticker.js';

/** This replica's scheduler as it stands, read from memory (no I/O). */
export interface SchedulerSnapshot {
  /** The cluster's decision as last read or made here: sending is on. */
  running: boolean;
  isLeader: boolean;
  /** Shutting down: no new claims, finishing what is in flight. */
  draining: boolean;
  tickInProgress: boolean;
  /** When this replica, as leader, runs its next step. */
  nextStepAt: Date | null;
  /** When the cluster's last tick began, as last read or written here. */
  clusterLastTickAt: Date | null;
}

/**
 * The scheduler of one replica: its lifecycle, leadership and the cluster's cadence. A loop runs
 * on every replica from boot to shutdown; at each step the replica reads the cluster's start/stop
 * decision (PostgreSQL), tries to be or stay the leader, and only the leader runs housekeeping
 * and ticks, at the cluster's cadence: never sooner than DISPATCH_INTERVAL_MS after the last tick
 * of any replica, by the database's clock (the tick permit). What a tick did goes to the
 * TickListener.
 */
@Injectable()
export class DispatchScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DispatchScheduler.name);
  private readonly loop: Ticker;
  private running = false;
  /** Bumped by start() and stop(), so that a step never applies a decision read before them. */
  private decisionVersion = 0;
  private draining = false;
  private tickInFlight = false;
  private clusterLastTickAt: Date | null = null;
  /** The pacer knows the requests sent before this replica led (SendPacer.seed); false while it follows. */
  private paceSeeded = false;
  /** Aborted by stop() or a shutdown: the batch in flight starts no new group. */
  private batchStop = new AbortController();

  constructor(
    private readonly dispatchBatch: DispatchBatch,
    private readonly housekeeping: Housekeeping,
    private readonly listener: TickListener,
    private readonly state: SchedulerState,
    private readonly leadership: Leadership,
    private readonly settings: DispatchSettings,
    private readonly clock: Clock,
    private readonly pacer: SendPacer,
    private readonly messages: MessageRepository,
  ) {
    this.loop = new Ticker(
      clock,
      settings.intervalMs,
      () => this.step(),
      (error) => this.listener.onStepFailed(error),
    );
  }

  snapshot(): SchedulerSnapshot {
    return {
      running: this.running,
      isLeader: this.leadership.isLeader,
      draining: this.draining,
      tickInProgress: this.tickInFlight,
      nextStepAt: this.loop.nextTickAt,
      clusterLastTickAt: this.clusterLastTickAt,
    };
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  /**
   * SIGTERM: take no new work (a batch in progress starts no new group and hands its unsent rows
   * back), let the sends in flight finish (bounded), hand leadership over.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.draining = true;
    this.batchStop.abort();
    let timer: { cancel(): void } | undefined;
    const grace = new Promise<'timeout'>((resolve) => (timer = this.clock.setTimer(this.settings.shutdownGraceMs, () => resolve('timeout'))));
    if ((await Promise.race([this.loop.stop(), grace])) === 'timeout') {
      this.logger.warn(`sends still in flight after SHUTDOWN_GRACE_MS (${this.settings.shutdownGraceMs} ms); their rows settle when their lease runs out`);
    }
    timer?.cancel();
    await this.leadership.release();
  }

  async start(): Promise<void> {
    await this.state.setDesired('running', this.leadership.instanceId);
    this.decisionVersion += 1;
    this.running = true;
    this.loop.kick();
  }

  /**
   * Stops the cluster; when this replica is ticking, its batch starts no new group, and this
   * resolves once the sends in flight have finished.
   */
  async stop(): Promise<void> {
    await this.state.setDesired('stopped', this.leadership.instanceId);
    this.decisionVersion += 1;
    this.running = false;
    this.batchStop.abort();
    await this.loop.idle();
  }

  /**
   * One step of the loop; returns the delay before the next step. A follower looks for a missing
   * leader twice an interval (at most every FOLLOWER_POLL_MAX_MS), so that a takeover never
   * leaves the cluster without a tick for two intervals. The leader asks the scheduler state for
   * a tick permit: the database's clock decides whether one interval has passed since the
   * cluster's last tick, and how long to wait if not, so that no replica's own clock enters the
   * cadence. Only a granted permit claims and sends, and the batch runs under its number.
   */
  private async step(): Promise<number> {
    const interval = this.settings.intervalMs;
    const version = this.decisionVersion;
    const desired = await this.state.desired();
    // A start() or stop() on this replica during the read is newer than what was read.
    if (version === this.decisionVersion) this.running = desired === 'running' || (desired === null && this.settings.autostart);
    const wasLeader = this.leadership.isLeader;
    const leader = await this.leadership.acquire();
    if (leader !== wasLeader)
      this.logger.log(leader ? `${this.leadership.instanceId} leads: it sends for the cluster` : `${this.leadership.instanceId} no longer leads`);
    if (!leader) this.paceSeeded = false;
    if (!leader || this.draining) return followerPollMs(interval);
    if (!this.paceSeeded) {
      // A new leader: the gateway may still count the old leader's last requests.
      const recent = await this.messages.recentRequests(new Date(this.clock.now().getTime() - interval), this.settings.batchSize);
      this.pacer.seed(recent.answeredAt, recent.inFlight);
      this.paceSeeded = true;
    }

    await this.housekeeping.execute();
    // The decision or a shutdown may have come in during the awaits above.
    if (!this.running || this.draining) return interval;
    // This replica's last requests still fill the gateway's window (they came late after their
    // tick): the tick waits until the first of the next batch may start, so that its claims are
    // not held meanwhile.
    const paced = this.pacer.waitMs(1);
    if (paced !== 0) return Math.max(1, paced ?? followerPollMs(interval));

    const permit = await this.state.tryTick(interval, this.leadership.instanceId);
    const answeredAt = this.clock.now().getTime();
    this.clusterLastTickAt = permit.lastTickAt;
    // Not yet: ask again when the database says the interval is over (never sooner than 1 ms).
    if (!permit.granted) return Math.max(1, permit.waitMs);
    if (!this.running || this.draining) return interval;
    this.tickInFlight = true;
    this.batchStop = new AbortController();
    try {
      this.listener.onTick(await this.dispatchBatch.execute({ signal: this.batchStop.signal, tick: permit.tickNo }));
    } finally {
      this.tickInFlight = false;
    }
    // Counted from the permit's answer, which came after the database granted it: the next ask
    // is never early by the database's clock.
    return Math.max(0, permit.waitMs - (this.clock.now().getTime() - answeredAt));
  }
}

/** A follower's longest wait between two looks for a missing leader. */
export const FOLLOWER_POLL_MAX_MS = 5_000;

/** How often a follower (or a draining replica) steps: twice an interval, at most every FOLLOWER_POLL_MAX_MS. */
export function followerPollMs(intervalMs: number): number {
  return Math.max(1, Math.min(Math.ceil(intervalMs / 2), FOLLOWER_POLL_MAX_MS));
}
