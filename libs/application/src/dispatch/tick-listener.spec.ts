import { afterAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Logger, type LoggerService } from '@nestjs/common';
import { type Alert, AlertNotifier, type GatewayResult } from '@app/domain';
import { FakeClock } from '@test/support/fake-clock.js';
import {
  deferred,
  dispatchSettings,
  settle as settleAll,
  FakeMessageGateway,
  FakeDispatchEventLog,
  FakeMessageRepository,
  FakeSentMessageCache,
  gatewayResult,
  tickReport,
  RecordingAlertNotifier,
  RecordingDispatchMetrics,
  SoloLeadership,
} from '@test/support/fakes.js';
import type { DispatchSettings } from '../dispatch-settings.js';
import { CircuitBreakerGateway } from './circuit-breaker-gateway.js';
import { DispatchBatch } from './dispatch-batch.use-case.js';
import { SendPacer } from './send-pacer.js';
import { TickListener } from './tick-listener.js';
import type { AttemptReport, BreakerOpening, TickReport, TickResult } from './tick-report.js';

const T0 = new Date('2026-11-22T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const ALERT_AFTER = 3;

function settingsWith(overrides: Partial<DispatchSettings> = {}): DispatchSettings {
  return dispatchSettings({ intervalMs: 60_000, batchSize: 10, leaseMs: 30_000, alertAfterFailedTicks: ALERT_AFTER, ...overrides });
}

interface LogLine {
  level: 'log' | 'warn' | 'error';
  message: unknown;
  context: unknown;
}

/** Keeps every line Nest's Logger is given, with the context it was logged under. */
class RecordingLogger implements LoggerService {
  readonly lines: LogLine[] = [];
  log(message: unknown, ...params: unknown[]): void {
    this.lines.push({ level: 'log', message, context: params.at(-1) });
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.lines.push({ level: 'warn', message, context: params.at(-1) });
  }
  error(message: unknown, ...params: unknown[]): void {
    this.lines.push({ level: 'error', message, context: params.at(-1) });
  }
}

/** An alert receiver that answers only when the test says so (a slow webhook). */
class SlowAlertNotifier extends AlertNotifier {
  readonly alerts: Alert[] = [];
  readonly answer = deferred();

  notify(alert: Alert): Promise<void> {
    this.alerts.push(alert);
    return this.answer.promise;
  }
}

const attempt = (overrides: Partial<AttemptReport> = {}): AttemptReport => ({
  messageId: 'm-1',
  attemptNo: 1,
  answer: 'accepted',
  statusCode: 202,
  latencyMs: 12,
  outcome: 'sent',
  reason: null,
  nextAttemptAt: null,
  ...overrides,
});

const result = (report: TickReport, attempts: AttemptReport[] = [], breakerOpened: BreakerOpening | null = null): TickResult => ({
  report,
  attempts,
  breakerOpened,
});

describe(TickListener.name, () => {
  let clock: FakeClock;
  let gateway: FakeMessageGateway;
  let breaker: CircuitBreakerGateway;
  let leadership: SoloLeadership;
  let alerts: RecordingAlertNotifier;
  let metrics: RecordingDispatchMetrics;
  let logger: RecordingLogger;
  let events: FakeDispatchEventLog;
  let sut: TickListener;

  const build = (notifier: AlertNotifier = alerts, overrides: Partial<DispatchSettings> = {}) => {
    const settings = settingsWith(overrides);
    breaker = new CircuitBreakerGateway(gateway, settings.breaker, clock);
    sut = new TickListener(notifier, leadership, clock, settings, breaker, metrics, events);
  };

  /** A tick that had work and sent nothing (every claimed message got no answer). */
  const failedTick = (startedAt = clock.now()) => result(tickReport(startedAt, { claimed: 2, unknown: 2 }));
  const sentTick = (startedAt = clock.now()) => result(tickReport(startedAt, { claimed: 2, sent: 1, retried: 1 }));
  const idleTick = (startedAt = clock.now()) => result(tickReport(startedAt));
  const skippedTick = (startedAt = clock.now()) => result(tickReport(startedAt, { skipped: 'breaker-open' }));

  const linesAt = (level: LogLine['level']) => logger.lines.filter((l) => l.level === level);

  beforeEach(() => {
    logger = new RecordingLogger();
    Logger.overrideLogger(logger);
    clock = new FakeClock(T0);
    gateway = new FakeMessageGateway();
    leadership = new SoloLeadership();
    alerts = new RecordingAlertNotifier();
    metrics = new RecordingDispatchMetrics();
    events = new FakeDispatchEventLog(clock);
    build();
  });

  afterAll(() => {
    Logger.overrideLogger(false);
  });

  describe('metrics', () => {
    it('records every attempt of a tick, then the tick', () => {
      const report = tickReport(T0, { durationMs: 40, claimed: 3, sent: 1, retried: 1, unknown: 1 });

      sut.onTick(
        result(report, [
          attempt({ messageId: 'm-1' }),
          attempt({
            messageId: 'm-2',
            answer: 'retryable',
            statusCode: 503,
            latencyMs: 8,
            outcome: 'retry',
            reason: 'gateway answered 503',
            nextAttemptAt: at(1_000),
          }),
          attempt({
            messageId: 'm-3',
            answer: 'unknown',
            statusCode: null,
            latencyMs: 10_000,
            outcome: 'unknown',
            reason: 'no answer from the gateway in time',
          }),
        ]),
      );

      expect(metrics.attempts).toEqual([
        { answer: 'accepted', latencyMs: 12, outcome: 'sent' },
        { answer: 'retryable', latencyMs: 8, outcome: 'retry' },
        { answer: 'unknown', latencyMs: 10_000, outcome: 'unknown' },
      ]);
      expect(metrics.ticks).toEqual([report]);
      expect(metrics.failedSteps).toBe(0);
    });

    it('records a tick the open breaker skipped, with no attempts', () => {
      const skipped = skippedTick();

      sut.onTick(skipped);

      expect(metrics.ticks).toEqual([skipped.report]);
      expect(metrics.attempts).toEqual([]);
    });

    it('counts a failed step, which is no tick, and logs why', () => {
      sut.onStepFailed(new Error('database unreachable'));
      sut.onStepFailed('not an error');

      expect(metrics.failedSteps).toBe(2);
      expect(metrics.ticks).toEqual([]);
      expect(sut.totals().ticks).toBe(0);
      expect(sut.lastTick).toBeNull();
      expect(linesAt('error')).toEqual([
        { level: 'error', message: 'scheduler step failed (retrying next interval): database unreachable', context: 'DispatchScheduler' },
        { level: 'error', message: 'scheduler step failed (retrying next interval): not an error', context: 'DispatchScheduler' },
      ]);
    });
  });

  describe('totals', () => {
    it('start at zero, with no last tick', () => {
      expect(sut.lastTick).toBeNull();
      expect(sut.totals()).toEqual({ ticks: 0, claimed: 0, sent: 0, retried: 0, failed: 0, unknown: 0, invalid: 0, expired: 0, dropped: 0, released: 0 });
    });

    it('add up the counts of every tick, and keep the last one', () => {
      const first = tickReport(T0, { claimed: 5, sent: 1, retried: 1, failed: 1, unknown: 1, invalid: 1, dropped: 2 });
      const second = tickReport(at(60_000), { claimed: 4, sent: 2, expired: 1, released: 1 });

      sut.onTick(result(first));
      sut.onTick(result(second));
      sut.onTick(skippedTick(at(120_000)));

      expect(sut.totals()).toEqual({ ticks: 3, claimed: 9, sent: 3, retried: 1, failed: 1, unknown: 1, invalid: 1, expired: 1, dropped: 2, released: 1 });
      expect(sut.lastTick).toEqual(tickReport(at(120_000), { skipped: 'breaker-open' }));
    });

    it('are handed out as a copy', () => {
      sut.onTick(sentTick());

      const totals = sut.totals();
      totals.sent = 99;

      expect(sut.totals().sent).toBe(1);
    });
  });

  describe('log lines', () => {
    it("logs one 'tick' line with the tick's counts", () => {
      const report = tickReport(T0, { durationMs: 40, claimed: 4, sent: 1, retried: 1, invalid: 1, released: 1 });

      sut.onTick(result(report, [attempt()]));

      expect(linesAt('log')).toEqual([
        {
          level: 'log',
          context: 'DispatchScheduler',
          message: {
            msg: 'tick',
            tickStartedAt: T0,
            durationMs: 40,
            claimed: 4,
            sent: 1,
            retried: 1,
            failed: 0,
            unknown: 0,
            invalid: 1,
            expired: 0,
            dropped: 0,
            released: 1,
            skipped: null,
          },
        },
      ]);
    });

    it("logs an 'attempt failed' line for each attempt that did not send, with its masked reason and nothing more", () => {
      const retried = attempt({
        messageId: 'm-2',
        answer: 'retryable',
        statusCode: 503,
        latencyMs: 8,
        outcome: 'retry',
        reason: 'gateway answered 503',
        nextAttemptAt: at(1_000),
      });
      const rejected = attempt({
        messageId: 'm-3',
        answer: 'rejected',
        statusCode: 400,
        latencyMs: 5,
        outcome: 'failed',
        reason: 'gateway answered 400: cannot deliver "[content]"',
      });

      sut.onTick(result(tickReport(T0, { claimed: 3, sent: 1, retried: 1, failed: 1 }), [attempt({ messageId: 'm-1' }), retried, rejected]));

      expect(linesAt('warn')).toEqual([
        { level: 'warn', context: 'DispatchBatch', message: { msg: 'attempt failed', ...retried } },
        { level: 'warn', context: 'DispatchBatch', message: { msg: 'attempt failed', ...rejected } },
      ]);
    });

    it('never carries the content of a message the gateway echoed back, from the send to the alerts', async () => {
      const secret = 'Your one-time code is 918273';
      const echoing = (kind: 'retryable' | 'unknown', error: string): GatewayResult => ({
        kind,
        statusCode: kind === 'retryable' ? 503 : null,
        error,
        latencyMs: 9,
      });
      const messages = new FakeMessageRepository(clock);
      const overrides = { breaker: { failures: 3, cooldownMs: 60_000 } };
      build(alerts, overrides);
      const settings = settingsWith(overrides);
      const batch = new DispatchBatch(messages, breaker, new FakeSentMessageCache(), clock, leadership, settings, new SendPacer(settings, clock));
      for (let i = 0; i < 4; i += 1) messages.seed({ content: secret });
      gateway.answer(
        gatewayResult.rejected(400, `gateway answered 400: cannot deliver "${secret}"`),
        echoing('unknown', `no answer in time for {"content":${JSON.stringify(secret)}}`),
        echoing('retryable', `gateway answered 503 while sending ${secret}`),
        echoing('unknown', `socket hang up after "${secret}"`),
      );

      const tick = await batch.execute();
      sut.onTick(tick);
      for (let i = 0; i < ALERT_AFTER - 1; i += 1) sut.onTick(await batch.execute());

      expect(tick.report).toMatchObject({ claimed: 4, sent: 0, failed: 1, unknown: 2, retried: 1 });
      expect(linesAt('warn').map((l) => (l.message as { reason: string }).reason)).toEqual([
        'gateway answered 400: cannot deliver "[content]"',
        'no answer in time for {"content":"[content]"}',
        'gateway answered 503 while sending [content]',
        'socket hang up after "[content]"',
      ]);
      expect(alerts.alerts.map((a) => a.kind)).toEqual(['breaker-opened', 'ticks-without-sending']);
      expect(alerts.alerts[0].details).toMatchObject({ lastError: 'socket hang up after "[content]"' });
      expect(JSON.stringify([logger.lines, alerts.alerts])).not.toContain('918273');
    });
  });

  describe('the ticks-without-sending alert', () => {
    it(`alerts once ${ALERT_AFTER} ticks in a row had work and sent nothing, with the last tick and the breaker`, async () => {
      gateway.answer(gatewayResult.unknown(), gatewayResult.unknown());
      for (const key of ['m-1', 'm-2']) await breaker.send({ to: '+905551111111', content: 'hello', idempotencyKey: key });
      for (let i = 1; i < ALERT_AFTER; i += 1) {
        sut.onTick(failedTick());
        await clock.advance(60_000);
      }
      expect(alerts.alerts).toEqual([]);

      const last = failedTick();
      sut.onTick(last);

      expect(alerts.alerts).toEqual([
        {
          kind: 'ticks-without-sending',
          message: `${ALERT_AFTER} ticks in a row had messages to send and sent none`,
          instanceId: 'solo-instance',
          at: at((ALERT_AFTER - 1) * 60_000),
          details: { lastTick: last.report, breaker: { state: 'closed', consecutiveFailures: 2, openedAt: null, probeAt: null } },
        },
      ]);
    });

    it('alerts once per streak, however long it lasts', () => {
      for (let i = 0; i < 3 * ALERT_AFTER; i += 1) sut.onTick(failedTick());

      expect(alerts.alerts).toHaveLength(1);
    });

    it('starts a new streak after a tick that sent, and alerts again after it', () => {
      for (let i = 0; i < ALERT_AFTER; i += 1) sut.onTick(failedTick());
      sut.onTick(sentTick());
      for (let i = 1; i < ALERT_AFTER; i += 1) sut.onTick(failedTick());
      expect(alerts.alerts).toHaveLength(1);

      sut.onTick(failedTick());

      expect(alerts.alerts.map((a) => a.kind)).toEqual(['ticks-without-sending', 'ticks-without-sending']);
    });

    it('counts ticks the open breaker skipped as ticks that sent nothing', () => {
      sut.onTick(failedTick());
      for (let i = 1; i < ALERT_AFTER; i += 1) sut.onTick(skippedTick());

      expect(alerts.alerts).toEqual([
        expect.objectContaining({
          kind: 'ticks-without-sending',
          details: expect.objectContaining({ lastTick: expect.objectContaining({ skipped: 'breaker-open' }) }),
        }),
      ]);
    });

    it('does not count ticks with nothing to send, which end the streak', () => {
      for (let i = 0; i < 10; i += 1) sut.onTick(idleTick());
      expect(alerts.alerts).toEqual([]);

      for (let i = 1; i < ALERT_AFTER; i += 1) sut.onTick(failedTick());
      sut.onTick(idleTick());
      for (let i = 1; i < ALERT_AFTER; i += 1) sut.onTick(failedTick());

      expect(alerts.alerts).toEqual([]);
    });
  });

  describe('the breaker-opened alert', () => {
    const opening: BreakerOpening = { state: 'open', consecutiveFailures: 5, openedAt: T0, probeAt: at(60_000), lastError: 'gateway answered 503' };

    it('alerts when a tick opened the breaker, with the breaker and the last error, and logs it', () => {
      sut.onTick(result(tickReport(T0, { claimed: 5, retried: 5 }), [], opening));

      expect(alerts.alerts).toEqual([
        {
          kind: 'breaker-opened',
          message: 'The SMS gateway failed 5 times in a row; sending pauses until 2026-11-22T10:01:00.000Z',
          instanceId: 'solo-instance',
          at: T0,
          details: { state: 'open', consecutiveFailures: 5, openedAt: T0, probeAt: at(60_000), lastError: 'gateway answered 503' },
        },
      ]);
      expect(linesAt('error')).toEqual([
        { level: 'error', context: 'DispatchBatch', message: 'circuit breaker opened after 5 consecutive failures; next probe at 2026-11-22T10:01:00.000Z' },
      ]);
    });

    it('does not alert for a tick that did not open it', () => {
      sut.onTick(result(tickReport(T0, { claimed: 1, unknown: 1 })));

      expect(alerts.alerts).toEqual([]);
      expect(linesAt('error')).toEqual([]);
    });

    it("records the opening in the dispatch event log, for the operators' chart", async () => {
      sut.onTick(result(tickReport(T0, { claimed: 5, retried: 5 }), [], opening));
      await settleAll();

      expect(events.all()).toEqual([
        {
          id: 1,
          at: T0,
          kind: 'breaker-opened',
          detail: { state: 'open', consecutiveFailures: 5, openedAt: T0, probeAt: at(60_000), lastError: 'gateway answered 503', instanceId: 'solo-instance' },
        },
      ]);
      sut.onTick(result(tickReport(T0, { claimed: 1, unknown: 1 })));
      await settleAll();
      expect(events.all()).toHaveLength(1);
    });

    it('goes on when the opening cannot be recorded: the tick is counted, the alert sent, a warning logged', async () => {
      events.failing = true;

      expect(() => sut.onTick(result(tickReport(T0, { claimed: 5, retried: 5 }), [], opening))).not.toThrow();
      await settleAll();

      expect(sut.totals()).toMatchObject({ ticks: 1, claimed: 5 });
      expect(alerts.alerts.map((a) => a.kind)).toEqual(['breaker-opened']);
      expect(linesAt('warn')).toEqual([
        { level: 'warn', context: 'DispatchScheduler', message: 'breaker opening not recorded: dispatch_events is unreachable' },
      ]);
    });
  });

  it('is not held up by a slow alert receiver', async () => {
    const slow = new SlowAlertNotifier();
    build(slow);
    const opening: BreakerOpening = { state: 'open', consecutiveFailures: 5, openedAt: T0, probeAt: at(60_000), lastError: null };

    expect(sut.onTick(result(tickReport(T0, { claimed: 5, unknown: 5 }), [], opening))).toBeUndefined();
    for (let i = 1; i < ALERT_AFTER; i += 1) sut.onTick(failedTick());
    sut.onTick(sentTick());

    expect(slow.alerts.map((a) => a.kind)).toEqual(['breaker-opened', 'ticks-without-sending']);
    expect(sut.totals()).toMatchObject({ ticks: ALERT_AFTER + 1, sent: 1 });
    expect(metrics.ticks).toHaveLength(ALERT_AFTER + 1);
    expect(linesAt('log')).toHaveLength(ALERT_AFTER + 1);
    slow.answer.resolve();
  });
});
