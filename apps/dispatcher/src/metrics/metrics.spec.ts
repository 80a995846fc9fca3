import { beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { performance } from 'node:perf_hooks';
import { Logger } from '@nestjs/common';
import { Registry } from 'prom-client';
import {
  CircuitBreakerGateway,
  type DispatchScheduler,
  type GetMessageStats,
  type GetQueueLag,
  type SchedulerSnapshot,
  type TickReport,
} from '@app/application';
import { AppConfig, DatabaseClock } from '@app/infrastructure';
import { PrometheusDispatchMetrics } from './prometheus-dispatch-metrics.js';
import { StateGauges } from './state-gauges.js';
import { FakeClock } from '@test/support/fake-clock.js';
import { FakeMessageGateway, gatewayResult, tickReport } from '@test/support/fakes.js';

const report = (overrides: Partial<TickReport> = {}): TickReport => tickReport(new Date(), { durationMs: 40, ...overrides });

async function value(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`${name} is not registered`);
  const { values } = await metric.get();
  return values.find((v) => Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l))?.value;
}

describe(PrometheusDispatchMetrics.name, () => {
  let registry: Registry;
  let sut: PrometheusDispatchMetrics;

  beforeEach(() => {
    registry = new Registry();
    sut = new PrometheusDispatchMetrics(registry);
  });

  it('counts messages a tick claimed but did not send, by reason', async () => {
    sut.tickFinished(report({ claimed: 10, invalid: 1, expired: 2, dropped: 3, released: 4 }));
    sut.tickFinished(report({ claimed: 2, invalid: 1, released: 1 }));

    expect(await value(registry, 'dispatcher_messages_not_sent_total', { reason: 'invalid' })).toBe(2);
    expect(await value(registry, 'dispatcher_messages_not_sent_total', { reason: 'expired' })).toBe(2);
    expect(await value(registry, 'dispatcher_messages_not_sent_total', { reason: 'dropped' })).toBe(3);
    expect(await value(registry, 'dispatcher_messages_not_sent_total', { reason: 'released' })).toBe(5);
    expect(await value(registry, 'dispatcher_ticks_total', { result: 'completed' })).toBe(2);
  });

  it('counts a tick the open breaker skipped apart from completed ones', async () => {
    sut.tickFinished(report({ skipped: 'breaker-open', durationMs: 0 }));

    expect(await value(registry, 'dispatcher_ticks_total', { result: 'skipped' })).toBe(1);
    expect(await value(registry, 'dispatcher_ticks_total', { result: 'completed' })).toBe(0);
    expect(await value(registry, 'dispatcher_tick_duration_seconds', { le: '+Inf' })).toBe(1);
  });

  it('shows every not-sent reason from the first scrape, at zero', async () => {
    for (const reason of ['invalid', 'expired', 'dropped', 'released']) {
      expect(await value(registry, 'dispatcher_messages_not_sent_total', { reason })).toBe(0);
    }
  });

  it('counts failed scheduler steps', async () => {
    expect(await value(registry, 'dispatcher_scheduler_step_errors_total')).toBe(0);

    sut.stepFailed();
    sut.stepFailed();

    expect(await value(registry, 'dispatcher_scheduler_step_errors_total')).toBe(2);
  });

  it('records the gateway latency in seconds under the answer', async () => {
    sut.attemptRecorded('unknown', 10_000, 'unknown');

    expect(await value(registry, 'dispatcher_sends_total', { outcome: 'unknown' })).toBe(1);
    expect(await value(registry, 'dispatcher_gateway_request_duration_seconds', { answer: 'unknown', le: '5' })).toBe(0);
    expect(await value(registry, 'dispatcher_gateway_request_duration_seconds', { answer: 'unknown', le: '10' })).toBe(1);
  });
});

describe(StateGauges.name, () => {
  const FAILURES = 7;
  const COOLDOWN_MS = 30_000;
  const config = AppConfig.fromEnv({
    DATABASE_URL: 'postgres://u:p@localhost:5432/db',
    WEBHOOK_URL: 'http://gateway.local/webhook',
    WEBHOOK_AUTH_KEY: 'k',
    API_KEYS: 'metrics-spec-key-0123456789',
    INSTANCE_ID: 'replica-a',
  });
  let snapshot: SchedulerSnapshot;
  let statsFail: boolean;
  let clock: FakeClock;
  let gateway: FakeMessageGateway;
  let breaker: CircuitBreakerGateway;
  let registry: Registry;
  let databaseClock: DatabaseClock;

  /** Sends `n` messages the gateway does not answer, as the dispatch path would. */
  const failSends = async (n: number) => {
    for (let i = 0; i < n; i += 1) {
      gateway.answer(gatewayResult.unknown());
      await breaker.send({ to: '+905551111111', content: 'hello', idempotencyKey: `m-${i}` });
    }
  };

  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  beforeEach(() => {
    snapshot = { running: true, isLeader: false, draining: true, tickInProgress: false, nextStepAt: null, clusterLastTickAt: null };
    statsFail = false;
    clock = new FakeClock();
    gateway = new FakeMessageGateway();
    breaker = new CircuitBreakerGateway(gateway, { failures: FAILURES, cooldownMs: COOLDOWN_MS }, clock);
    registry = new Registry();
    const scheduler = { snapshot: () => snapshot } as unknown as DispatchScheduler;
    const stats = {
      execute: async () => {
        if (statsFail) throw new Error('database unreachable');
        return { total: 3, byStatus: { pending: 2, sending: 0, sent: 1, failed: 0, unknown: 0, expired: 0 } };
      },
    } as unknown as GetMessageStats;
    const lag = { execute: async () => ({ oldestDueSince: new Date(), oldestDueAgeSeconds: 42.5 }) } as unknown as GetQueueLag;
    databaseClock = new DatabaseClock(undefined, () => Date.now() + 5_000);
    new StateGauges(registry, scheduler, breaker, stats, lag, config, databaseClock);
  });

  it("shows how far this host's clock is off the database's once it has been read", async () => {
    expect(await value(registry, 'dispatcher_clock_offset_seconds')).toBeNaN();

    const sentAt = performance.now();
    databaseClock.observe({ databaseTime: new Date(), sentAt, receivedAt: sentAt });

    expect(await value(registry, 'dispatcher_clock_offset_seconds')).toBeCloseTo(-5, 1);
  });

  it('reads the scheduler and the queue at scrape time', async () => {
    expect(await value(registry, 'dispatcher_scheduler_running')).toBe(1);
    expect(await value(registry, 'dispatcher_scheduler_leader')).toBe(0);
    expect(await value(registry, 'dispatcher_scheduler_draining')).toBe(1);
    expect(await value(registry, 'dispatcher_messages', { status: 'pending' })).toBe(2);
    expect(await value(registry, 'dispatcher_oldest_pending_age_seconds')).toBe(42.5);

    snapshot = { ...snapshot, running: false, isLeader: true, draining: false };

    expect(await value(registry, 'dispatcher_scheduler_running')).toBe(0);
    expect(await value(registry, 'dispatcher_scheduler_leader')).toBe(1);
    expect(await value(registry, 'dispatcher_scheduler_draining')).toBe(0);
  });

  it('reads the breaker from the gateway it guards: closed, open, then half-open', async () => {
    expect(await value(registry, 'dispatcher_breaker_state')).toBe(0);
    expect(await value(registry, 'dispatcher_breaker_consecutive_failures')).toBe(0);

    await failSends(FAILURES - 1);
    expect(await value(registry, 'dispatcher_breaker_state')).toBe(0);
    expect(await value(registry, 'dispatcher_breaker_consecutive_failures')).toBe(FAILURES - 1);

    await failSends(1);
    expect(await value(registry, 'dispatcher_breaker_state')).toBe(2);
    expect(await value(registry, 'dispatcher_breaker_consecutive_failures')).toBe(FAILURES);

    await clock.advance(COOLDOWN_MS);
    expect(breaker.admit(10)).toBe(1);
    expect(await value(registry, 'dispatcher_breaker_state')).toBe(1);
    expect(await value(registry, 'dispatcher_breaker_consecutive_failures')).toBe(FAILURES);

    await breaker.send({ to: '+905551111111', content: 'hello', idempotencyKey: 'probe' });
    expect(await value(registry, 'dispatcher_breaker_state')).toBe(0);
    expect(await value(registry, 'dispatcher_breaker_consecutive_failures')).toBe(0);
  });

  it('keeps the last queue counts and still answers when the database does not', async () => {
    expect(await value(registry, 'dispatcher_messages', { status: 'sent' })).toBe(1);
    statsFail = true;

    await expect(registry.metrics()).resolves.toContain('dispatcher_messages{status="sent"} 1');
  });
});
