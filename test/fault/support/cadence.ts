/**
 * What the cadence fault tests (replicas, clock-skew) measure: request times at the gateway, the
 * cluster's ticks as dispatcher_state records them, and the end-of-test check that nothing was
 * sent twice or lost.
 */
import { expect } from '@jest/globals';
import type { TestDatabase } from '@test/support/database.js';
import { onCleanUp, type Sandbox, sleep } from './dispatcher-process.js';

/** Request times (ms, the test's real clock) at the gateway, in order. */
export function gatewayTimes(sandbox: Sandbox): number[] {
  return sandbox
    .received()
    .map((r) => Date.parse(r.at))
    .sort((a, b) => a - b);
}

/** How many requests fall in the window of `windowMs` that starts at request `i`. */
export function countFrom(at: number[], i: number, windowMs: number): number {
  let n = 0;
  for (let j = i; j < at.length && at[j] < at[i] + windowMs; j += 1) n += 1;
  return n;
}

/** The largest number of requests in any window of `windowMs` that starts at a request. */
export function busiestWindow(at: number[], windowMs: number, skip: (t: number) => boolean = () => false): { max: number; startedAt: number | null } {
  let max = 0;
  let startedAt: number | null = null;
  for (let i = 0; i < at.length; i += 1) {
    if (skip(at[i])) continue;
    const n = countFrom(at, i, windowMs);
    if (n > max) [max, startedAt] = [n, at[i]];
  }
  return { max, startedAt };
}

/** The shortest span covered by `k + 1` consecutive requests (the cadence's margin). */
export function minSpan(at: number[], k: number): number {
  let min = Infinity;
  for (let i = 0; i + k < at.length; i += 1) min = Math.min(min, at[i + k] - at[i]);
  return min;
}

export interface RecordedTick {
  /** dispatcher_state.last_tick_at (ms): the database's clock. */
  at: number;
  /** When the poller first saw it (ms, the test's real clock). */
  seenAt: number;
}

/**
 * Polls dispatcher_state.last_tick_at every 10 ms and records each new value: the cluster's ticks
 * as the database granted them. `stop()` ends the polling (also done at clean-up).
 */
export function recordTicks(db: TestDatabase): { ticks: RecordedTick[]; stop(): Promise<void> } {
  const ticks: RecordedTick[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const { rows } = await db.sql.query<{ at: Date | null }>('SELECT last_tick_at AS at FROM dispatcher_state WHERE id = 1');
      const at = rows[0]?.at?.getTime();
      if (at !== undefined && at !== ticks[ticks.length - 1]?.at) ticks.push({ at, seenAt: Date.now() });
      await sleep(10);
    }
  })();
  const stop = async () => {
    polling = false;
    await poller.catch(() => undefined);
  };
  onCleanUp(stop);
  return { ticks, stop };
}

/**
 * Nothing sent twice and nothing lost: every request's message was asked for once; a sent row has
 * exactly its one request and the gateway's messageId; any other row is pending (never sent),
 * sending or unknown (a killed leader's batch), at most `maxInDoubt` of them.
 */
export async function expectSentOnceAndNothingLost(db: TestDatabase, sandbox: Sandbox, maxInDoubt: number): Promise<void> {
  const byKey = sandbox.byKey();
  const duplicates = [...byKey.entries()].filter(([, requests]) => requests.length > 1).map(([key, requests]) => ({ key, requests: requests.length }));
  expect(duplicates).toEqual([]);
  const { rows } = await db.sql.query<{ id: string; status: string; gateway_message_id: string | null }>('SELECT id, status, gateway_message_id FROM messages');
  for (const row of rows) {
    const requests = byKey.get(row.id) ?? [];
    if (row.status === 'sent')
      expect({ id: row.id, requests: requests.length, messageId: row.gateway_message_id }).toEqual({
        id: row.id,
        requests: 1,
        messageId: requests[0].messageId,
      });
    else
      expect({ id: row.id, status: row.status, requests: requests.length }).toEqual({
        id: row.id,
        status: expect.stringMatching(/^(pending|sending|unknown)$/),
        requests: row.status === 'pending' ? 0 : expect.any(Number),
      });
  }
  expect(rows.filter((r) => r.status === 'sending' || r.status === 'unknown').length).toBeLessThanOrEqual(maxInDoubt);
  expect(rows.filter((r) => r.status === 'sent').length).toBeGreaterThanOrEqual(gatewayTimes(sandbox).length - maxInDoubt);
}
