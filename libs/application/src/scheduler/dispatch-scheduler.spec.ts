import { afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  type AbandonedClaims,
  AlertNotifier,
  type ClaimOptions,
  Clock,
  type DesiredState,
  DispatchEventLog,
  type InDoubtPolicy,
  Leadership,
  LEASE_LOST,
  type Message,
  MessageGateway,
  MessageRepository,
  OperatorLog,
  SchedulerState,
  SendHistory,
  SentMessageCache,
} from '@app/domain';
import { FakeClock } from '@test/support/fake-clock.js';
import {
  type Deferred,
  deferred,
  dispatchSettings,
  FakeDispatchEventLog,
  FakeMessageGateway,
  FakeMessageRepository,
  FakeSendHistory,
  FakeSentMessageCache,
  gatewayResult,
  InMemorySchedulerState,
  RecordingAlertNotifier,
  RecordingDispatchMetrics,
  settle,
  SoloLeadership,
} from '@test/support/fakes.js';
import { ApplicationModule } from '../application.module.js';
import { CircuitBreakerGateway } from '../dispatch/circuit-breaker-gateway.js';
import { DispatchBatch } from '../dispatch/dispatch-batch.use-case.js';
import { Housekeeping } from '../dispatch/housekeeping.use-case.js';
import { SendPacer } from '../dispatch/send-pacer.js';
import { TickListener } from '../dispatch/tick-listener.js';
import type { DispatchSettings } from '../dispatch-settings.js';
import { DispatchScheduler } from './dispatch-scheduler.js';
import { GetDispatchStatus } from './get-dispatch-status.use-case.js';
import { StartDispatch } from './start-dispatch.use-case.js';
import { StopDispatch } from './stop-dispatch.use-case.js';

const T0 = new Date('2026-11-22T10:00:00.000Z');
const INTERVAL_MS = 60_000;
const GRACE_MS = 15_000;
const seconds = (s: number) => new Date(T0.getTime() + s * 1_000);

function settingsWith(overrides: Partial<DispatchSettings> = {}): DispatchSettings {
  return dispatchSettings({
    intervalMs: INTERVAL_MS,
    leaseMs: 30_000,
    breaker: { failures: 100, cooldownMs: 60_000 },
    shutdownGraceMs: GRACE_MS,
    ...overrides,
  });
}

const noTotals = { ticks: 0, claimed: 0, sent: 0, retried: 0, failed: 0, unknown: 0, invalid: 0, expired: 0, dropped: 0, released: 0 };
const closedBreaker = { state: 'closed', consecutiveFailures: 0, openedAt: null, probeAt: null };

/** A repository whose housekeeping, or whose claim, can be held open, as a slow database would. */
class GatedMessageRepository extends FakeMessageRepository {
  gate: Deferred<void> | null = null;
  /** Holds claimBatch open after the rows were claimed (the statement committed, its answer is on its way). */
  claimGate: Deferred<void> | null = null;

  override async releaseAbandonedClaims(now: Date, policy: InDoubtPolicy): Promise<AbandonedClaims> {
    if (this.gate) await this.gate.promise;
    return super.releaseAbandonedClaims(now, policy);
  }

  override async claimBatch(limit: number, now: Date, claim?: ClaimOptions): Promise<Message[]> {
    const claimed = await super.claimBatch(limit, now, claim);
    if (this.claimGate) await this.claimGate.promise;
    return claimed;
  }
}

/** Scheduler state whose reads of the decision can be held open, returning what was stored when the read began. */
class GatedSchedulerState extends InMemorySchedulerState {
  gate: Deferred<void> | null = null;
  /** Reads of the cluster's last tick fail, as they would with the database down. */
  lastTickAtFails = false;

  override async desired(): Promise<DesiredState | null> {
    const value = await super.desired();
    if (this.gate) await this.gate.promise;
    return value;
  }

  override async lastTickAt(): Promise<Date | null> {
    if (this.lastTickAtFails) throw new Error('database unreachable');
    return super.lastTickAt();
  }
}

/** Leadership whose leader lookup can fail, as it would with Redis down. */
class FlakyLeadership extends SoloLeadership {
  leaderIdFails = false;

  override async leaderId(): Promise<string | null> {
    if (this.leaderIdFails) throw new Error('redis unreachable');
    return super.leaderId();
  }
}

describe(DispatchScheduler.name, () => {
  let clock: FakeClock;
  let messages: GatedMessageRepository;
  let gateway: FakeMessageGateway;
  let cache: FakeSentMessageCache;
  let state: GatedSchedulerState;
  let leadership: FlakyLeadership;
  let alerts: RecordingAlertNotifier;
  let metrics: RecordingDispatchMetrics;
  let getStatus: GetDispatchStatus;
  let startDispatch: StartDispatch;
  let stopDispatch: StopDispatch;
  let sut: DispatchScheduler;

  /** The dispatch path as ApplicationModule wires it: the real parts over the fake ports. */
  const build = (overrides: Partial<DispatchSettings> = {}) => {
    const settings = settingsWith(overrides);
    const breaker = new CircuitBreakerGateway(gateway, settings.breaker, clock);
    const listener = new TickListener(alerts, leadership, clock, settings, breaker, metrics);
    const pacer = new SendPacer(settings, clock);
    const batch = new DispatchBatch(messages, breaker, cache, clock, leadership, settings, pacer);
    sut = new DispatchScheduler(batch, new Housekeeping(messages, clock, settings), listener, state, leadership, settings, clock, pacer, messages);
    getStatus = new GetDispatchStatus(sut, listener, breaker, leadership, state, settings);
    startDispatch = new StartDispatch(sut, getStatus, messages.operatorLog);
    stopDispatch = new StopDispatch(sut, getStatus, messages.operatorLog);
  };

  const status = () => getStatus.execute();

  /** Fires the timers due within `ms` and lets the step they start run to its end. */
  const elapse = async (ms: number) => {
    await clock.advance(ms);
    await settle();
  };

  const boot = async () => {
    sut.onApplicationBootstrap();
    await elapse(0);
  };

  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  beforeEach(() => {
    clock = new FakeClock(T0);
    messages = new GatedMessageRepository(clock);
    gateway = new FakeMessageGateway();
    cache = new FakeSentMessageCache();
    state = new GatedSchedulerState(clock);
    leadership = new FlakyLeadership();
    alerts = new RecordingAlertNotifier();
    metrics = new RecordingDispatchMetrics();
    build();
  });

  afterEach(async () => {
    const closing = sut.beforeApplicationShutdown();
    await clock.advance(GRACE_MS);
    await closing;
  });

  describe('at boot', () => {
    it('starts sending when DISPATCH_AUTOSTART is on and nobody decided otherwise', async () => {
      const message = messages.seed();

      await boot();

      expect(messages.get(message.id).status).toBe('sent');
      await expect(status()).resolves.toMatchObject({ running: true, lastTickAt: T0, nextTickAt: seconds(60), tickInProgress: false });
      await expect(state.desired()).resolves.toBeNull();
    });

    it('does not start when DISPATCH_AUTOSTART is off', async () => {
      build({ autostart: false });
      const message = messages.seed();

      await boot();
      await elapse(10 * INTERVAL_MS);

      await expect(status()).resolves.toMatchObject({ running: false, nextTickAt: null, lastTickAt: null, totals: noTotals });
      expect(messages.get(message.id).status).toBe('pending');
      expect(gateway.received).toEqual([]);
    });

    it('stays stopped when an operator stopped it, whatever DISPATCH_AUTOSTART says', async () => {
      await state.setDesired('stopped');
      messages.seed();

      await boot();
      await elapse(10 * INTERVAL_MS);

      await expect(status()).resolves.toMatchObject({ running: false });
      expect(gateway.received).toEqual([]);
    });

    it('starts when an operator started it, even with DISPATCH_AUTOSTART off', async () => {
      build({ autostart: false });
      await state.setDesired('running');
      messages.seed();

      await boot();

      await expect(status()).resolves.toMatchObject({ running: true });
      expect(gateway.received).toHaveLength(1);
    });
  });

  describe('leadership', () => {
    it('ticks only while this replica leads', async () => {
      leadership.leading = false;
      const [first, second] = [messages.seed(), messages.seed({ content: 'second' })];
      build({ batchSize: 1 });

      await boot();
      await elapse(5 * INTERVAL_MS);
      expect(gateway.received).toEqual([]);
      await expect(status()).resolves.toMatchObject({ running: true, isLeader: false, leaderId: null, lastTickAt: null, totals: noTotals });

      leadership.leading = true;
      await elapse(INTERVAL_MS);
      expect(gateway.received.map((s) => s.idempotencyKey)).toEqual([first.id]);

      leadership.leading = false;
      await elapse(5 * INTERVAL_MS);
      expect(gateway.received).toHaveLength(1);
      expect(messages.get(second.id).status).toBe('pending');
    });

    it('settles abandoned claims only while it leads: in doubt held as unknown, never started sent again', async () => {
      messages.seed();
      messages.seed();
      const [inDoubt, neverStarted] = await messages.claimBatch(2, T0, { owner: 'dead-instance', leaseMs: 1_000 });
      await messages.recordAndStart({ outcomes: [], start: [{ id: inDoubt.id, claimToken: inDoubt.claimToken as string }], now: T0, leaseUntil: seconds(1) });
      leadership.leading = false;
      await clock.advance(2_000);

      await boot();
      expect(messages.get(inDoubt.id).status).toBe('sending');
      expect(messages.get(neverStarted.id).status).toBe('sending');

      leadership.leading = true;
      await elapse(INTERVAL_MS);
      expect(messages.get(inDoubt.id)).toMatchObject({ status: 'unknown', failureReason: LEASE_LOST, attemptCount: 0 });
      expect(messages.get(neverStarted.id)).toMatchObject({ status: 'sent', attemptCount: 1 });
      expect(gateway.received.map((s) => s.idempotencyKey)).toEqual([neverStarted.id]);
    });

    it('keeps the cluster cadence: a fresh leader ticks no sooner than lastTickAt + interval', async () => {
      await state.recordTick(seconds(-20));
      messages.seed();

      await boot();
      expect(gateway.received).toEqual([]);
      await expect(status()).resolves.toMatchObject({ lastTickAt: seconds(-20), nextTickAt: seconds(40) });

      await elapse(40_000 - 1);
      expect(gateway.received).toEqual([]);

      await elapse(1);
      expect(gateway.received).toHaveLength(1);
      await expect(state.lastTickAt()).resolves.toEqual(seconds(40));
    });

    it('waits for a tick another replica ran meanwhile', async () => {
      messages.seed();
      messages.seed();
      messages.seed();
      build({ batchSize: 1 });
      await boot();
      expect(gateway.received).toHaveLength(1);

      await state.recordTick(seconds(30));
      await elapse(INTERVAL_MS);
      expect(gateway.received).toHaveLength(1);

      await elapse(30_000);
      expect(gateway.received).toHaveLength(2);
    });
  });

  describe('the tick permit', () => {
    /** A second replica on the same state and store, with its own leadership (both may believe they lead). */
    const otherReplica = (overrides: Partial<DispatchSettings> = {}) => {
      const settings = settingsWith(overrides);
      const other = new SoloLeadership();
      const breaker = new CircuitBreakerGateway(gateway, settings.breaker, clock);
      const listener = new TickListener(alerts, other, clock, settings, breaker, metrics);
      const pacer = new SendPacer(settings, clock);
      const batch = new DispatchBatch(messages, breaker, cache, clock, other, settings, pacer);
      return {
        leadership: other,
        scheduler: new DispatchScheduler(batch, new Housekeeping(messages, clock, settings), listener, state, other, settings, clock, pacer, messages),
      };
    };

    it('goes to one of two replicas that both believe they lead, once per interval', async () => {
      for (let i = 0; i < 10; i += 1) messages.seed();
      build({ batchSize: 2 });
      const other = otherReplica({ batchSize: 2 });
      messages.latestTick = () => state.latestTick;

      await boot();
      other.scheduler.onApplicationBootstrap();
      await elapse(0);
      expect(gateway.received).toHaveLength(2);

      for (let i = 1; i <= 3; i += 1) {
        await elapse(INTERVAL_MS);
        expect(gateway.received).toHaveLength(2 + 2 * i);
      }
      expect(state.latestTick).toBe(4);
      const closing = other.scheduler.beforeApplicationShutdown();
      await clock.advance(GRACE_MS);
      await closing;
    });

    it('stops a batch whose permit passed to another replica: nothing more starts, the rest goes back', async () => {
      const rows = [messages.seed(), messages.seed(), messages.seed()];
      build({ batchSize: 3, concurrency: 1 });
      messages.latestTick = () => state.latestTick;
      const held = gateway.holdNext();

      await boot();
      expect(gateway.received.map((r) => r.idempotencyKey)).toEqual([rows[0].id]);
      // This replica's lock connection dropped mid-tick; another leads and, an interval later, gets the next permit.
      await clock.advance(INTERVAL_MS);
      await expect(state.tryTick(INTERVAL_MS)).resolves.toMatchObject({ granted: true, tickNo: 2 });
      held.resolve(gatewayResult.accepted());
      await settle();

      expect(gateway.received).toHaveLength(1);
      expect(messages.get(rows[0].id).status).toBe('sent');
      expect([messages.get(rows[1].id).status, messages.get(rows[2].id).status]).toEqual(['pending', 'pending']);
      expect(messages.get(rows[1].id).attemptCount).toBe(0);
      expect(metrics.ticks.at(-1)).toMatchObject({ sent: 1, dropped: 1, released: 2 });
    });

    it('waits as long as the state says, whatever this replica last saw', async () => {
      messages.seed();
      messages.seed();
      build({ batchSize: 1 });
      await boot();
      expect(gateway.received).toHaveLength(1);

      // Another replica ticked 20 s into the interval (its permit, its time).
      await clock.advance(20_000);
      await state.recordTick(clock.now());
      await elapse(INTERVAL_MS - 20_000);
      expect(gateway.received).toHaveLength(1);
      await elapse(20_000 - 1);
      expect(gateway.received).toHaveLength(1);
      await elapse(1);
      expect(gateway.received).toHaveLength(2);
    });

    it("asks for its next permit only once its last answers have left the gateway's window, so that no claim waits for it", async () => {
      for (let i = 0; i < 4; i += 1) messages.seed();
      build({ batchSize: 2 });
      const held = [gateway.holdNext(), gateway.holdNext()];
      await boot();
      // The first tick's requests (concurrency 1) are answered 2 s and 2.5 s after it began.
      await elapse(2_000);
      held[0].resolve(gatewayResult.accepted());
      await settle();
      await elapse(500);
      held[1].resolve(gatewayResult.accepted());
      await settle();
      expect(gateway.received).toHaveLength(2);

      await elapse(INTERVAL_MS - 2_500);
      expect(gateway.received).toHaveLength(2);
      expect(messages.all().filter((m) => m.status === 'sending')).toEqual([]);
      expect(await state.lastTickAt()).toEqual(T0);
      await elapse(2_000 - 1);
      expect(gateway.received).toHaveLength(2);
      await elapse(1);
      expect(await state.lastTickAt()).toEqual(new Date(T0.getTime() + INTERVAL_MS + 2_000));
      // Answered at once; the second request waits for the second answer of the first tick.
      expect(gateway.received).toHaveLength(3);
      await elapse(500 - 1);
      expect(gateway.received).toHaveLength(3);
      await elapse(1);
      expect(gateway.received).toHaveLength(4);
    });

    it('lets a follower look for a missing leader every half interval, at most every 5 s: a takeover never leaves a gap of two intervals', async () => {
      for (let i = 0; i < 3; i += 1) messages.seed();
      build({ batchSize: 1 });
      await boot();
      // The follower boots just before the leader's second tick (60 s); it steps every 5 s (half of 60 s, capped): 59, 64, ... 119, 124 s.
      await elapse(59_000);
      const other = otherReplica({ batchSize: 1 });
      other.leadership.leading = false;
      other.scheduler.onApplicationBootstrap();
      await elapse(60_500);
      expect(gateway.received).toHaveLength(2);

      // The leader dies at 119.5 s, half a second before its third tick; the follower's next look is at 124 s.
      leadership.leading = false;
      other.leadership.leading = true;
      await elapse(30_000);

      expect(gateway.received).toHaveLength(3);
      await expect(state.lastTickAt()).resolves.toEqual(seconds(124));
      const closing = other.scheduler.beforeApplicationShutdown();
      await clock.advance(GRACE_MS);
      await closing;
    });

    it("makes a new leader wait for the old leader's last answers to leave the gateway's window", async () => {
      for (let i = 0; i < 6; i += 1) messages.seed();
      build({ batchSize: 2, concurrency: 2 });
      const held = [gateway.holdNext(), gateway.holdNext()];
      await boot();
      // The leader's first batch is answered 2 s after its tick; then it stops leading.
      await elapse(2_000);
      held.forEach((h) => h.resolve(gatewayResult.accepted()));
      await settle();
      leadership.leading = false;
      const other = otherReplica({ batchSize: 2, concurrency: 2 });
      other.scheduler.onApplicationBootstrap();
      await elapse(0);

      // The permit would let the new leader tick at 60 s; the old leader's answers hold it to 62 s.
      await elapse(INTERVAL_MS - 2_000 - 1);
      expect(gateway.received).toHaveLength(2);
      await elapse(2_000);
      expect(gateway.received).toHaveLength(2);
      await elapse(1);
      expect(gateway.received).toHaveLength(4);
      await expect(state.lastTickAt()).resolves.toEqual(new Date(T0.getTime() + INTERVAL_MS + 2_000));

      const closing = other.scheduler.beforeApplicationShutdown();
      await clock.advance(GRACE_MS);
      await closing;
    });
  });

  describe('start and stop', () => {
    beforeEach(() => {
      build({ autostart: false });
    });

    it('StartDispatch remembers the decision and kicks a tick at once', async () => {
      const message = messages.seed();
      await boot();
      await elapse(30_000);
      expect(gateway.received).toEqual([]);

      const started = await startDispatch.execute();
      expect(started).toMatchObject({ running: true });
      await elapse(0);

      expect(messages.get(message.id)).toMatchObject({ status: 'sent', sentAt: seconds(30) });
      await expect(state.desired()).resolves.toBe('running');
      await expect(status()).resolves.toMatchObject({ running: true, lastTickAt: seconds(30), nextTickAt: seconds(90) });
    });

    it('StartDispatch and StopDispatch write who asked to the operator log (an unnamed actor when none is given)', async () => {
      await boot();
      const operator = { source: 'dashboard', id: 'session:ops-1' } as const;

      await startDispatch.execute(operator);
      await stopDispatch.execute({ source: 'api', id: 'key:0123456789ab' });
      await stopDispatch.execute();

      expect(messages.operatorLog.all()).toEqual([
        { id: 1, at: seconds(0), actor: operator, action: 'start', messageCount: 0, detail: {} },
        { id: 2, at: seconds(0), actor: { source: 'api', id: 'key:0123456789ab' }, action: 'stop', messageCount: 0, detail: {} },
        { id: 3, at: seconds(0), actor: { source: 'api', id: 'unnamed' }, action: 'stop', messageCount: 0, detail: {} },
      ]);
      await expect(state.desired()).resolves.toBe('stopped');
    });

    it('start() runs one loop when called twice', async () => {
      for (let i = 0; i < 10; i += 1) messages.seed();
      await boot();

      await sut.start();
      await sut.start();
      await elapse(0);
      await elapse(INTERVAL_MS);
      await elapse(INTERVAL_MS);

      expect(gateway.received).toHaveLength(6);
      expect((await status()).totals).toMatchObject({ ticks: 3, claimed: 6, sent: 6 });
    });

    it('StopDispatch stores the stopped decision and no tick runs afterwards; calling it twice is harmless', async () => {
      messages.seed();
      messages.seed();
      messages.seed();
      await boot();
      await sut.start();
      await elapse(0);

      const stopped = await stopDispatch.execute();
      await expect(stopDispatch.execute()).resolves.toMatchObject({ running: false });
      await elapse(10 * INTERVAL_MS);

      expect(stopped).toMatchObject({ running: false, nextTickAt: null, lastTickAt: T0, tickInProgress: false });
      await expect(state.desired()).resolves.toBe('stopped');
      expect(gateway.received).toHaveLength(2);
      expect(messages.all().map((m) => m.status)).toEqual(['sent', 'sent', 'pending']);
    });

    it('stop resolves only after the tick in flight has recorded its outcomes', async () => {
      const message = messages.seed();
      const held = gateway.holdNext();
      await boot();
      await sut.start();
      await elapse(0);
      await expect(status()).resolves.toMatchObject({ tickInProgress: true });

      let stopped = false;
      const stopping = stopDispatch.execute().then((answer) => {
        stopped = true;
        return answer;
      });
      await settle();
      expect(stopped).toBe(false);

      held.resolve(gatewayResult.accepted('gw-1'));
      const answer = await stopping;

      expect(messages.get(message.id)).toMatchObject({ status: 'sent', gatewayMessageId: 'gw-1' });
      expect(answer).toMatchObject({ running: false, tickInProgress: false, totals: { ...noTotals, ticks: 1, claimed: 1, sent: 1 } });
    });

    it('stop during a batch (concurrency 1) lets the send in flight finish and hands the rows not yet started back', async () => {
      build({ autostart: false, batchSize: 3, concurrency: 1 });
      const [first, second, third] = [messages.seed(), messages.seed(), messages.seed()];
      const held = gateway.holdNext();
      await boot();
      await sut.start();
      await elapse(0);
      expect(gateway.received.map((s) => s.idempotencyKey)).toEqual([first.id]);

      const stopping = stopDispatch.execute();
      await settle();
      held.resolve(gatewayResult.accepted('gw-1'));
      const answer = await stopping;

      expect(gateway.received.map((s) => s.idempotencyKey)).toEqual([first.id]);
      expect(messages.get(first.id)).toMatchObject({ status: 'sent', gatewayMessageId: 'gw-1', attemptCount: 1 });
      for (const unsent of [second, third]) {
        expect(messages.get(unsent.id)).toMatchObject({ status: 'pending', attemptCount: 0, claimToken: null, requestStartedAt: null, nextAttemptAt: null });
      }
      expect(messages.attempts.map((a) => a.messageId)).toEqual([first.id]);
      expect(answer).toMatchObject({
        running: false,
        tickInProgress: false,
        lastTick: { claimed: 3, sent: 1, released: 2, dropped: 0 },
        totals: { ...noTotals, ticks: 1, claimed: 3, sent: 1, released: 2 },
      });
      expect(metrics.ticks).toEqual([expect.objectContaining({ claimed: 3, sent: 1, released: 2 })]);

      await elapse(10 * INTERVAL_MS);
      expect(gateway.received).toHaveLength(1);
      await sut.start();
      await elapse(0);
      expect(gateway.received.map((s) => s.idempotencyKey)).toEqual([first.id, second.id, third.id]);
    });

    it('stop while the batch is being claimed sends nothing and hands every claimed row back', async () => {
      build({ autostart: false, batchSize: 3 });
      const seeded = [messages.seed(), messages.seed(), messages.seed()];
      await boot();
      messages.claimGate = deferred();
      await sut.start();
      await elapse(0);
      expect(messages.all().map((m) => m.status)).toEqual(['sending', 'sending', 'sending']);

      const stopping = stopDispatch.execute();
      await settle();
      messages.claimGate.resolve();
      messages.claimGate = null;
      const answer = await stopping;

      expect(gateway.received).toEqual([]);
      for (const message of seeded) expect(messages.get(message.id)).toMatchObject({ status: 'pending', attemptCount: 0, claimToken: null });
      expect(answer).toMatchObject({ running: false, lastTick: { claimed: 3, sent: 0, released: 3 } });
    });

    // Regression (dispatch-scheduler.ts, step()): the step must not overwrite `running` with the
    // decision it read before a stop() landed; otherwise the step ticks after the stopped decision
    // was stored, and stop reports running: true.
    it('sends nothing once stop was called, even when a step read the old decision just before', async () => {
      await state.setDesired('running');
      await boot();
      const message = messages.seed();
      state.gate = deferred();
      await elapse(INTERVAL_MS);

      const stopping = stopDispatch.execute();
      await settle();
      state.gate.resolve();
      state.gate = null;
      const answer = await stopping;

      expect(gateway.received).toEqual([]);
      expect(messages.get(message.id).status).toBe('pending');
      expect(answer.running).toBe(false);
    });

    it('does not record a decision at shutdown, so the next boot follows the stored decision again', async () => {
      await boot();
      await sut.start();
      await sut.beforeApplicationShutdown();

      await expect(state.desired()).resolves.toBe('running');
    });
  });

  describe('status', () => {
    it('reports the settings, the cluster, the breaker, when ticks ran and are due, and running totals', async () => {
      const [valid1, invalid, valid2, valid3] = [messages.seed(), messages.seed({ phoneNumber: '12345' }), messages.seed(), messages.seed()];
      gateway.answer(gatewayResult.accepted('gw-1'), gatewayResult.retryable(503, 1_000));

      await boot();
      await expect(status()).resolves.toEqual({
        running: true,
        intervalMs: INTERVAL_MS,
        batchSize: 2,
        lastTickAt: T0,
        nextTickAt: seconds(60),
        tickInProgress: false,
        lastTick: {
          startedAt: T0,
          durationMs: 0,
          claimed: 3,
          sent: 1,
          retried: 1,
          failed: 0,
          unknown: 0,
          invalid: 1,
          expired: 0,
          dropped: 0,
          released: 0,
          skipped: null,
        },
        totals: { ...noTotals, ticks: 1, claimed: 3, sent: 1, retried: 1, invalid: 1 },
        instanceId: 'solo-instance',
        isLeader: true,
        leaderId: 'solo-instance',
        // The breaker counts answers one by one: the 503 after the 202 is one failure in a row.
        breaker: { ...closedBreaker, consecutiveFailures: 1 },
        draining: false,
      });

      await elapse(INTERVAL_MS);
      await expect(status()).resolves.toMatchObject({
        lastTickAt: seconds(60),
        nextTickAt: seconds(120),
        lastTick: { startedAt: seconds(60), claimed: 2, sent: 2, retried: 0, failed: 0, invalid: 0 },
        totals: { ticks: 2, claimed: 5, sent: 3, retried: 1, failed: 0, invalid: 1 },
        breaker: closedBreaker,
      });
      expect(messages.all().map((m) => m.status)).toEqual(['sent', 'failed', 'sent', 'sent']);
      expect(gateway.received.map((s) => s.idempotencyKey)).toEqual([valid1.id, valid2.id, valid2.id, valid3.id]);
      expect(messages.get(invalid.id).attemptCount).toBe(0);
    });

    it('counts unknown and expired outcomes in the totals', async () => {
      messages.seed();
      messages.seed({ expiresAt: seconds(1) });
      const held = gateway.holdNext();
      await boot();
      await elapse(1_000);
      held.resolve(gatewayResult.unknown());
      await elapse(0);

      await expect(status()).resolves.toMatchObject({ totals: { ...noTotals, ticks: 1, claimed: 2, unknown: 1, expired: 1 } });
    });

    it('shows the open breaker', async () => {
      build({ breaker: { failures: 2, cooldownMs: 90_000 } });
      messages.seed();
      messages.seed();
      gateway.answer(gatewayResult.unknown(), gatewayResult.unknown());

      await boot();

      await expect(status()).resolves.toMatchObject({ breaker: { state: 'open', consecutiveFailures: 2, openedAt: T0, probeAt: seconds(90) } });
    });

    it('keeps ticking after a tick fails, and counts only the ticks that completed', async () => {
      messages.failNextClaimWith(new Error('database unreachable'));
      const message = messages.seed();

      await boot();
      await expect(status()).resolves.toMatchObject({ running: true, lastTickAt: T0, nextTickAt: seconds(60), lastTick: null, totals: noTotals });

      await elapse(INTERVAL_MS);
      expect(messages.get(message.id).status).toBe('sent');
      expect((await status()).totals).toMatchObject({ ticks: 1, sent: 1 });
    });

    it('reports each finished tick and each failed step to the metrics, with the send outcomes', async () => {
      messages.failNextClaimWith(new Error('database unreachable'));
      const [first, second] = [messages.seed(), messages.seed()];
      gateway.answer(gatewayResult.retryable(503));

      await boot();
      expect(metrics.failedSteps).toBe(1);
      expect(metrics.ticks).toEqual([]);

      await elapse(INTERVAL_MS);
      expect(metrics.failedSteps).toBe(1);
      expect(metrics.ticks).toHaveLength(1);
      expect(metrics.ticks[0]).toMatchObject({ claimed: 2, sent: 1, retried: 1 });
      expect(metrics.attempts.map((a) => [a.answer, a.outcome])).toEqual([
        ['retryable', 'retry'],
        ['accepted', 'sent'],
      ]);
      expect([messages.get(first.id).status, messages.get(second.id).status]).toEqual(['pending', 'sent']);
    });

    describe('nextTickAt', () => {
      it("is the leader's next step while it runs", async () => {
        await boot();
        await expect(status()).resolves.toMatchObject({ isLeader: true, running: true, nextTickAt: seconds(60) });

        await elapse(25_000);
        await expect(status()).resolves.toMatchObject({ nextTickAt: seconds(60) });

        await elapse(35_000);
        await expect(status()).resolves.toMatchObject({ lastTickAt: seconds(60), nextTickAt: seconds(120) });
      });

      it("is the cluster's last tick plus the interval on a follower, whichever replica ticked", async () => {
        leadership.leading = false;
        await boot();
        await expect(status()).resolves.toMatchObject({ isLeader: false, running: true, lastTickAt: null, nextTickAt: null });

        await state.recordTick(seconds(-20));
        await expect(status()).resolves.toMatchObject({ isLeader: false, lastTickAt: seconds(-20), nextTickAt: seconds(40) });

        await elapse(45_000);
        await state.recordTick(seconds(45));
        await expect(status()).resolves.toMatchObject({ lastTickAt: seconds(45), nextTickAt: seconds(105) });
      });

      it('is null while sending is stopped, on the leader as on a follower', async () => {
        build({ autostart: false });
        await state.recordTick(seconds(-20));
        await boot();
        await expect(status()).resolves.toMatchObject({ running: false, isLeader: true, lastTickAt: seconds(-20), nextTickAt: null });

        leadership.leading = false;
        await elapse(INTERVAL_MS);
        await expect(status()).resolves.toMatchObject({ running: false, isLeader: false, nextTickAt: null });

        leadership.leading = true;
        await sut.start();
        await elapse(0);
        await expect(stopDispatch.execute()).resolves.toMatchObject({ running: false, isLeader: true, lastTickAt: seconds(60), nextTickAt: null });
      });
    });

    it('still answers when the database and Redis do not, with what this replica last saw', async () => {
      await boot();
      state.lastTickAtFails = true;
      leadership.leaderIdFails = true;

      await expect(status()).resolves.toMatchObject({
        running: true,
        isLeader: true,
        leaderId: null,
        lastTickAt: T0,
        nextTickAt: seconds(60),
        totals: { ticks: 1 },
      });
    });
  });

  describe('alerts', () => {
    /** Before each of the next `n` ticks: one new message that gets no answer. */
    const failingTicks = async (n: number) => {
      for (let i = 0; i < n; i += 1) {
        messages.seed();
        gateway.answer(gatewayResult.unknown());
        await elapse(INTERVAL_MS);
      }
    };

    beforeEach(async () => {
      await boot();
    });

    it('alerts once after alertAfterFailedTicks ticks in a row had work and sent nothing', async () => {
      await failingTicks(2);
      expect(alerts.alerts).toEqual([]);

      await failingTicks(1);
      expect(alerts.alerts).toEqual([
        expect.objectContaining({
          kind: 'ticks-without-sending',
          instanceId: 'solo-instance',
          at: seconds(180),
          message: expect.stringContaining('3 ticks in a row'),
        }),
      ]);

      await failingTicks(3);
      expect(alerts.alerts).toHaveLength(1);
    });

    // The streak's rules (reset by a tick that sent, ticks with nothing to send) are the
    // TickListener's and are tested in tick-listener.spec.ts; here, the flow from real ticks.
  });

  describe('ticks skipped by an open breaker', () => {
    it('count as ticks that sent nothing', async () => {
      build({ breaker: { failures: 2, cooldownMs: 10 * INTERVAL_MS } });
      messages.seed();
      messages.seed();
      gateway.answer(gatewayResult.retryable(503), gatewayResult.retryable(503));

      await boot();
      expect(alerts.alerts.map((a) => a.kind)).toEqual(['breaker-opened']);
      await elapse(INTERVAL_MS);
      await elapse(INTERVAL_MS);

      expect(alerts.alerts.map((a) => a.kind)).toEqual(['breaker-opened', 'ticks-without-sending']);
      await expect(status()).resolves.toMatchObject({ lastTick: { skipped: 'breaker-open', claimed: 0 }, totals: { ticks: 3, claimed: 2 } });
    });
  });

  describe('shutdown', () => {
    it('drains: waits for the tick in flight, then releases leadership and ticks no more', async () => {
      const message = messages.seed();
      const later = messages.seed();
      build({ batchSize: 1 });
      const held = gateway.holdNext();
      await boot();

      let closed = false;
      const closing = sut.beforeApplicationShutdown().then(() => (closed = true));
      await settle();
      await expect(status()).resolves.toMatchObject({ draining: true, tickInProgress: true });
      expect(closed).toBe(false);
      expect(leadership.released).toBe(false);

      await clock.advance(GRACE_MS - 1);
      held.resolve(gatewayResult.accepted('gw-1'));
      await closing;

      expect(messages.get(message.id)).toMatchObject({ status: 'sent', gatewayMessageId: 'gw-1' });
      expect(leadership.released).toBe(true);
      await elapse(10 * INTERVAL_MS);
      expect(messages.get(later.id).status).toBe('pending');
      expect(gateway.received).toHaveLength(1);
    });

    it('waits at most shutdownGraceMs for a send that hangs, then releases leadership', async () => {
      const message = messages.seed();
      const held = gateway.holdNext();
      await boot();

      let closed = false;
      const closing = sut.beforeApplicationShutdown().then(() => (closed = true));
      await clock.advance(GRACE_MS - 1);
      await settle();
      expect(closed).toBe(false);

      await clock.advance(1);
      await closing;
      expect(leadership.released).toBe(true);
      expect(messages.get(message.id).status).toBe('sending');

      held.resolve(gatewayResult.accepted('gw-late'));
      await settle();
      expect(messages.get(message.id).status).toBe('sent');
    });

    it('drains a batch in flight: the send in flight finishes, the rows not yet started go back to pending', async () => {
      build({ batchSize: 3, concurrency: 1 });
      const [first, second, third] = [messages.seed(), messages.seed(), messages.seed()];
      const held = gateway.holdNext();
      await boot();
      expect(gateway.received.map((s) => s.idempotencyKey)).toEqual([first.id]);

      const closing = sut.beforeApplicationShutdown();
      await settle();
      await expect(status()).resolves.toMatchObject({ draining: true, tickInProgress: true });
      // Handed back at once, not when the send in flight ends.
      expect(messages.get(second.id).status).toBe('pending');

      held.resolve(gatewayResult.accepted('gw-1'));
      await closing;

      expect(gateway.received.map((s) => s.idempotencyKey)).toEqual([first.id]);
      expect(messages.get(first.id)).toMatchObject({ status: 'sent', gatewayMessageId: 'gw-1' });
      for (const unsent of [second, third]) {
        expect(messages.get(unsent.id)).toMatchObject({ status: 'pending', attemptCount: 0, claimToken: null, requestStartedAt: null });
      }
      expect(leadership.released).toBe(true);
      await expect(status()).resolves.toMatchObject({ draining: true, tickInProgress: false, lastTick: { claimed: 3, sent: 1, released: 2 } });
      await expect(messages.claimBatch(3, clock.now())).resolves.toHaveLength(2);
    });

    it('returns at once when no tick is in flight', async () => {
      await boot();

      await sut.beforeApplicationShutdown();

      expect(leadership.released).toBe(true);
      await expect(status()).resolves.toMatchObject({ draining: true, isLeader: false });
    });

    // Regression (dispatch-scheduler.ts, step()): `draining` must be checked again after
    // housekeeping. A step that is settling abandoned claims when shutdown begins must not go on
    // to claim and send a whole new batch after draining was set ("no new claims").
    it('claims nothing once draining, even when a step was settling claims as shutdown began', async () => {
      await boot();
      const message = messages.seed();
      messages.gate = deferred();
      await elapse(INTERVAL_MS);

      const closing = sut.beforeApplicationShutdown();
      await settle();
      messages.gate.resolve();
      messages.gate = null;
      await closing;

      expect(gateway.received).toEqual([]);
      expect(messages.get(message.id).status).toBe('pending');
    });
  });
});

describe('dispatch use cases wired by ApplicationModule', () => {
  let clock: FakeClock;
  let messages: FakeMessageRepository;
  let state: InMemorySchedulerState;
  let moduleRef: TestingModule;
  let open: boolean;

  @Module({})
  class FakeAdaptersModule {}

  const fakeAdapters = (): DynamicModule => ({
    module: FakeAdaptersModule,
    global: true,
    providers: [
      { provide: MessageRepository, useValue: messages },
      { provide: MessageGateway, useValue: new FakeMessageGateway() },
      { provide: SentMessageCache, useValue: new FakeSentMessageCache() },
      { provide: Clock, useValue: clock },
      { provide: SchedulerState, useValue: state },
      { provide: Leadership, useValue: new SoloLeadership() },
      { provide: AlertNotifier, useValue: new RecordingAlertNotifier() },
      { provide: OperatorLog, useValue: messages.operatorLog },
      { provide: SendHistory, useValue: new FakeSendHistory() },
      { provide: DispatchEventLog, useValue: new FakeDispatchEventLog(clock) },
    ],
    exports: [
      MessageRepository,
      MessageGateway,
      SentMessageCache,
      Clock,
      SchedulerState,
      Leadership,
      AlertNotifier,
      OperatorLog,
      SendHistory,
      DispatchEventLog,
    ],
  });

  const boot = async (settings: DispatchSettings) => {
    moduleRef = await Test.createTestingModule({ imports: [fakeAdapters(), ApplicationModule.forDispatcher(settings)] }).compile();
    await moduleRef.init();
    open = true;
  };

  const shutdown = async () => {
    open = false;
    await moduleRef.close();
  };

  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  beforeEach(() => {
    clock = new FakeClock(T0);
    messages = new FakeMessageRepository(clock);
    state = new InMemorySchedulerState(clock);
    open = false;
  });

  afterEach(async () => {
    if (open) await shutdown();
  });

  it('starts at application bootstrap and answers through the use cases', async () => {
    const message = messages.seed();
    await boot(settingsWith({ autostart: true }));

    await clock.advance(0);
    await settle();

    expect(messages.get(message.id).status).toBe('sent');
    await expect(moduleRef.get(GetDispatchStatus).execute()).resolves.toMatchObject({ running: true, totals: { ticks: 1, sent: 1 } });
    await expect(moduleRef.get(StopDispatch).execute()).resolves.toMatchObject({ running: false });
    await expect(state.desired()).resolves.toBe('stopped');
    await expect(moduleRef.get(StartDispatch).execute()).resolves.toMatchObject({ running: true });
    await expect(state.desired()).resolves.toBe('running');
  });

  it('stays stopped at bootstrap with autostart off until StartDispatch runs', async () => {
    messages.seed();
    await boot(settingsWith({ autostart: false }));
    await clock.advance(INTERVAL_MS);
    await settle();
    await expect(moduleRef.get(GetDispatchStatus).execute()).resolves.toMatchObject({ running: false, totals: noTotals });

    await moduleRef.get(StartDispatch).execute();
    await clock.advance(0);
    await settle();

    expect(messages.all()[0].status).toBe('sent');
  });

  it('stops ticking and releases leadership when the application closes', async () => {
    messages.seed();
    await boot(settingsWith({ autostart: false }));
    await moduleRef.get(StartDispatch).execute();
    const leadership = moduleRef.get(Leadership) as SoloLeadership;

    await shutdown();
    await clock.advance(10 * INTERVAL_MS);
    await settle();

    expect(leadership.released).toBe(true);
    expect(messages.all()[0].status).toBe('pending');
  });

  it('leaves no timer behind when the application closes (the grace timer included)', async () => {
    await boot(settingsWith({ autostart: true }));
    expect(clock.pendingTimers).toBe(1);

    await shutdown();

    expect(clock.pendingTimers).toBe(0);
  });
});
