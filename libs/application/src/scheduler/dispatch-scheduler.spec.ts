import { afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { Clock, MessageGateway, MessageRepository, SchedulerState, SentMessageCache } from '@app/domain';
import { FakeClock } from '../../../../test/support/fake-clock.js';
import {
  FakeMessageGateway,
  FakeMessageRepository,
  FakeSentMessageCache,
  gatewayResult,
  InMemorySchedulerState,
  settle,
} from '../../../../test/support/fakes.js';
import { ApplicationModule } from '../application.module.js';
import { DispatchBatch } from '../dispatch/dispatch-batch.use-case.js';
import type { DispatchSettings } from '../dispatch-settings.js';
import { DispatchScheduler } from './dispatch-scheduler.js';
import { GetDispatchStatus } from './get-dispatch-status.use-case.js';
import { StartDispatch } from './start-dispatch.use-case.js';
import { StopDispatch } from './stop-dispatch.use-case.js';

const T0 = new Date('2026-11-22T10:00:00.000Z');
const INTERVAL_MS = 60_000;
const seconds = (s: number) => new Date(T0.getTime() + s * 1_000);

function settingsWith(overrides: Partial<DispatchSettings> = {}): DispatchSettings {
  return {
    intervalMs: INTERVAL_MS,
    batchSize: 2,
    autostart: true,
    maxContentLength: 160,
    retry: { baseMs: 1_000, maxMs: 300_000, maxAttempts: 5 },
    ...overrides,
  };
}

const noTotals = { ticks: 0, claimed: 0, sent: 0, retried: 0, failed: 0, invalid: 0 };

describe(DispatchScheduler.name, () => {
  let clock: FakeClock;
  let messages: FakeMessageRepository;
  let gateway: FakeMessageGateway;
  let cache: FakeSentMessageCache;
  let state: InMemorySchedulerState;
  let sut: DispatchScheduler;

  const build = (overrides: Partial<DispatchSettings> = {}) => {
    const settings = settingsWith(overrides);
    sut = new DispatchScheduler(new DispatchBatch(messages, gateway, cache, clock, settings), state, settings, clock);
  };

  /** Fires the timers due within `ms` and lets the tick they start run to its end. */
  const elapse = async (ms: number) => {
    await clock.advance(ms);
    await settle();
  };

  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  beforeEach(() => {
    clock = new FakeClock(T0);
    messages = new FakeMessageRepository(clock);
    gateway = new FakeMessageGateway();
    cache = new FakeSentMessageCache();
    state = new InMemorySchedulerState();
    build();
  });

  afterEach(async () => {
    await sut.beforeApplicationShutdown();
  });

  describe('at boot', () => {
    it('starts sending when DISPATCH_AUTOSTART is on and nobody decided otherwise', async () => {
      const message = messages.seed();

      await sut.onApplicationBootstrap();
      expect(sut.status()).toMatchObject({ running: true, nextTickAt: T0, lastTickAt: null, tickInProgress: false });

      await elapse(0);
      expect(messages.get(message.id).status).toBe('sent');
      await expect(state.desired()).resolves.toBeNull();
    });

    it('does not start when DISPATCH_AUTOSTART is off', async () => {
      build({ autostart: false });
      const message = messages.seed();

      await sut.onApplicationBootstrap();
      await elapse(10 * INTERVAL_MS);

      expect(sut.status()).toMatchObject({ running: false, nextTickAt: null, lastTickAt: null, totals: noTotals });
      expect(messages.get(message.id).status).toBe('pending');
      expect(gateway.received).toEqual([]);
    });

    it('stays stopped when an operator stopped it, whatever DISPATCH_AUTOSTART says', async () => {
      await state.setDesired('stopped');
      messages.seed();

      await sut.onApplicationBootstrap();
      await elapse(10 * INTERVAL_MS);

      expect(sut.status().running).toBe(false);
      expect(gateway.received).toEqual([]);
    });

    it('starts when an operator started it, even with DISPATCH_AUTOSTART off', async () => {
      build({ autostart: false });
      await state.setDesired('running');
      messages.seed();

      await sut.onApplicationBootstrap();
      await elapse(0);

      expect(sut.status().running).toBe(true);
      expect(gateway.received).toHaveLength(1);
    });
  });

  describe('start and stop', () => {
    beforeEach(() => {
      build({ autostart: false });
    });

    it('start() remembers the decision, sends at once, and runs one loop when called twice', async () => {
      for (let i = 0; i < 10; i += 1) messages.seed();

      const first = await sut.start();
      const second = await sut.start();
      expect(first).toMatchObject({ running: true, nextTickAt: T0 });
      expect(second).toMatchObject({ running: true, nextTickAt: T0 });
      await expect(state.desired()).resolves.toBe('running');

      await elapse(0);
      await elapse(INTERVAL_MS);
      await elapse(INTERVAL_MS);

      expect(gateway.received).toHaveLength(6);
      expect(sut.status().totals).toMatchObject({ ticks: 3, claimed: 6, sent: 6 });
    });

    it('stop() remembers the decision and no tick runs afterwards; calling it twice is harmless', async () => {
      messages.seed();
      messages.seed();
      messages.seed();
      await sut.start();
      await elapse(0);

      const stopped = await sut.stop();
      await expect(sut.stop()).resolves.toMatchObject({ running: false });
      await elapse(10 * INTERVAL_MS);

      expect(stopped).toMatchObject({ running: false, nextTickAt: null, lastTickAt: T0, tickInProgress: false });
      await expect(state.desired()).resolves.toBe('stopped');
      expect(gateway.received).toHaveLength(2);
      expect(messages.all().map((m) => m.status)).toEqual(['sent', 'sent', 'pending']);
    });

    it('stop() resolves only after the tick in flight has recorded its outcomes', async () => {
      const message = messages.seed();
      const held = gateway.holdNext();
      await sut.start();
      await elapse(0);
      expect(sut.status().tickInProgress).toBe(true);

      let stopped = false;
      const stopping = sut.stop().then((status) => {
        stopped = true;
        return status;
      });
      await settle();
      expect(stopped).toBe(false);

      held.resolve(gatewayResult.accepted('gw-1'));
      const status = await stopping;

      expect(messages.get(message.id)).toMatchObject({ status: 'sent', gatewayMessageId: 'gw-1' });
      expect(status).toMatchObject({ running: false, tickInProgress: false, totals: { ...noTotals, ticks: 1, claimed: 1, sent: 1 } });
    });

    it('stops at shutdown without recording a decision, so the next boot follows the configuration again', async () => {
      await sut.onApplicationBootstrap();
      await sut.start();
      await sut.beforeApplicationShutdown();

      expect(sut.status().running).toBe(false);
      await expect(state.desired()).resolves.toBe('running');
    });
  });

  describe('status', () => {
    it('reports the settings, when the last tick ran, when the next one is due, and running totals', async () => {
      const [valid1, invalid, valid2, valid3] = [messages.seed(), messages.seed({ phoneNumber: '12345' }), messages.seed(), messages.seed()];
      gateway.answer(gatewayResult.accepted('gw-1'), gatewayResult.retryable(503));

      await sut.onApplicationBootstrap();
      await elapse(0);
      expect(sut.status()).toEqual({
        running: true,
        intervalMs: INTERVAL_MS,
        batchSize: 2,
        lastTickAt: T0,
        nextTickAt: seconds(60),
        tickInProgress: false,
        lastTick: { startedAt: T0, durationMs: 0, claimed: 3, sent: 1, retried: 1, failed: 0, invalid: 1 },
        totals: { ticks: 1, claimed: 3, sent: 1, retried: 1, failed: 0, invalid: 1 },
      });

      await elapse(INTERVAL_MS);
      expect(sut.status()).toMatchObject({
        lastTickAt: seconds(60),
        nextTickAt: seconds(120),
        lastTick: { startedAt: seconds(60), claimed: 2, sent: 2, retried: 0, failed: 0, invalid: 0 },
        totals: { ticks: 2, claimed: 5, sent: 3, retried: 1, failed: 0, invalid: 1 },
      });
      expect(messages.all().map((m) => m.status)).toEqual(['sent', 'failed', 'sent', 'sent']);
      expect(gateway.received.map((s) => s.idempotencyKey)).toEqual([valid1.id, valid2.id, valid2.id, valid3.id]);
      expect(messages.get(invalid.id).attemptCount).toBe(0);
    });

    it('keeps ticking after a tick fails, and counts only the ticks that completed', async () => {
      messages.failNextClaimWith(new Error('database unreachable'));
      const message = messages.seed();

      await sut.onApplicationBootstrap();
      await elapse(0);
      expect(sut.status()).toMatchObject({ running: true, lastTickAt: T0, nextTickAt: seconds(60), lastTick: null, totals: noTotals });

      await elapse(INTERVAL_MS);
      expect(messages.get(message.id).status).toBe('sent');
      expect(sut.status().totals).toMatchObject({ ticks: 1, sent: 1 });
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
    ],
    exports: [MessageRepository, MessageGateway, SentMessageCache, Clock, SchedulerState],
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
    state = new InMemorySchedulerState();
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
    expect(moduleRef.get(GetDispatchStatus).execute()).toMatchObject({ running: true, totals: { ticks: 1, sent: 1 } });
    await expect(moduleRef.get(StopDispatch).execute()).resolves.toMatchObject({ running: false });
    await expect(moduleRef.get(StartDispatch).execute()).resolves.toMatchObject({ running: true });
    await expect(state.desired()).resolves.toBe('running');
  });

  it('stays stopped at bootstrap with autostart off until StartDispatch runs', async () => {
    messages.seed();
    await boot(settingsWith({ autostart: false }));
    await clock.advance(INTERVAL_MS);
    await settle();
    expect(moduleRef.get(GetDispatchStatus).execute()).toMatchObject({ running: false, totals: noTotals });

    await moduleRef.get(StartDispatch).execute();
    await clock.advance(0);
    await settle();

    expect(messages.all()[0].status).toBe('sent');
  });

  it('stops the ticker when the application closes', async () => {
    await boot(settingsWith({ autostart: true }));
    const scheduler = moduleRef.get(DispatchScheduler);

    expect(clock.pendingTimers).toBe(1);

    await shutdown();

    expect(scheduler.status().running).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });
});
