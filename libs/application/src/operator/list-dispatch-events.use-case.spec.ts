import { beforeEach, describe, expect, it } from '@jest/globals';
import { FakeClock } from '@test/support/fake-clock.js';
import { FakeDispatchEventLog, FakeOperatorLog } from '@test/support/fakes.js';
import { ListDispatchEvents } from './list-dispatch-events.use-case.js';

const T0 = new Date('2026-11-22T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const OPERATOR = { source: 'dashboard', id: 'session:ops-1' } as const;

describe(ListDispatchEvents.name, () => {
  let clock: FakeClock;
  let log: FakeOperatorLog;
  let events: FakeDispatchEventLog;
  let sut: ListDispatchEvents;

  beforeEach(() => {
    clock = new FakeClock(T0);
    log = new FakeOperatorLog(clock);
    events = new FakeDispatchEventLog(clock);
    sut = new ListDispatchEvents(log, events);
  });

  it("merges starts and stops from the operator log with the breaker's openings, oldest first, since a time", async () => {
    await log.record({ actor: OPERATOR, action: 'start', messageCount: 0, detail: {} });
    await clock.advance(1_000);
    await log.record({ actor: OPERATOR, action: 'start', messageCount: 0, detail: {} });
    await log.record({ actor: OPERATOR, action: 'replay', messageCount: 2, detail: {} });
    await clock.advance(1_000);
    await events.record({ kind: 'breaker-opened', detail: { consecutiveFailures: 5 } });
    await clock.advance(1_000);
    await log.record({ actor: OPERATOR, action: 'stop', messageCount: 0, detail: {} });
    await log.record({ actor: OPERATOR, action: 'start', messageCount: 0, detail: {} });

    await expect(sut.execute({ since: at(1_000) })).resolves.toEqual([
      { at: at(1_000), kind: 'start', actor: OPERATOR, detail: {} },
      { at: at(2_000), kind: 'breaker-opened', actor: null, detail: { consecutiveFailures: 5 } },
      { at: at(3_000), kind: 'stop', actor: OPERATOR, detail: {} },
      { at: at(3_000), kind: 'start', actor: OPERATOR, detail: {} },
    ]);
    await expect(sut.execute({ since: at(4_000) })).resolves.toEqual([]);
  });
});
