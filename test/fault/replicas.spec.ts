import { beforeAll, describe, expect, it } from '@jest/globals';
import type { TestDatabase } from '@test/support/database.js';
import { useFaultDatabase, DispatcherProcess, faultTest, phones, sleep, startSandbox, waitFor } from '@test/fault/support/dispatcher-process.js';
import { busiestWindow, expectSentOnceAndNothingLost, gatewayTimes as times, minSpan, recordTicks } from '@test/fault/support/cadence.js';

const INTERVAL = 500;
const BATCH = 2;
const ENV = {
  DISPATCH_INTERVAL_MS: String(INTERVAL),
  DISPATCH_BATCH_SIZE: String(BATCH),
  CLAIM_LEASE_MS: '3000',
  WEBHOOK_TIMEOUT_MS: '1000',
};

/**
 * Three replicas on one database: one leader sends for the cluster at the cluster's cadence;
 * kill -9 of the leader hands over within two intervals; stop on any replica stops them all.
 */
describe('three dispatcher replicas on one database (fault)', () => {
  const database = useFaultDatabase();
  let db: TestDatabase;

  beforeAll(() => {
    db = database();
  });

  it(
    'keeps one cadence for the cluster, hands leadership over on kill -9, and stops everywhere from a non-leader',
    faultTest(async () => {
      const sandbox = await startSandbox({ latencyMs: 10 });
      for (const [i, phone] of phones(120).entries()) {
        await db.sql.query('INSERT INTO messages (phone_number, content) VALUES ($1, $2)', [phone, `replica test ${i}`]);
      }
      // The cluster's tick starts, as the database records them (dispatcher_state.last_tick_at).
      const recorded = recordTicks(db);
      const replicas = await Promise.all(
        ['a', 'b', 'c'].map((name) =>
          DispatcherProcess.start({ databaseUrl: db.url, webhookUrl: sandbox.webhookUrl, instanceId: `fault-replica-${name}`, env: ENV }),
        ),
      );

      // Steady state for at least 20 intervals.
      await waitFor('the first request', () => sandbox.received().length > 0, 10_000, 10);
      const firstAt = Date.now();
      await sleep(21 * INTERVAL);

      const statuses = await Promise.all(replicas.map((r) => r.status()));
      const leaders = statuses.filter((s) => s.isLeader);
      expect(leaders).toHaveLength(1);
      const leaderId = leaders[0].instanceId;
      expect(statuses.map((s) => s.leaderId)).toEqual([leaderId, leaderId, leaderId]);
      expect(statuses.map((s) => s.running)).toEqual([true, true, true]);
      const steady = times(sandbox).filter((t) => t >= firstAt - INTERVAL);
      expect(steady.length).toBeGreaterThanOrEqual(20 * BATCH - 2);

      // kill -9 the leader: another replica leads within two intervals, and sending goes on.
      const leader = replicas.find((r) => r.instanceId === leaderId) as DispatcherProcess;
      const survivors = replicas.filter((r) => r !== leader);
      const killedAt = Date.now();
      await leader.kill('SIGKILL');
      const newLeaderId = await waitFor(
        'a new leader',
        async () => {
          const s = await Promise.all(survivors.map((r) => r.status()));
          const now = s.filter((x) => x.isLeader);
          return now.length === 1 && s.every((x) => x.leaderId === now[0].instanceId) ? now[0].instanceId : null;
        },
        5_000,
        20,
      );
      const takeoverMs = Date.now() - killedAt;
      expect(newLeaderId).not.toBe(leaderId);
      expect(takeoverMs).toBeLessThanOrEqual(2 * INTERVAL);
      const takenOverAt = Date.now();
      await waitFor('sending to go on under the new leader', () => times(sandbox).filter((t) => t > takenOverAt).length >= 2 * BATCH, 4 * INTERVAL, 20);
      await sleep(4 * INTERVAL);

      // Stop through a replica that does not lead: the leader stops sending within one interval.
      const follower = survivors.find((r) => r.instanceId !== newLeaderId) as DispatcherProcess;
      const stop = await follower.api('POST', '/api/v1/scheduler/stop');
      expect(stop.status).toBe(200);
      const stoppedAt = Date.now();
      await sleep(4 * INTERVAL);
      const late = sandbox.received().filter((r) => Date.parse(r.at) > stoppedAt + INTERVAL + 100);
      expect(late).toEqual([]);
      await waitFor(
        'every replica to report the stop',
        async () => (await Promise.all(survivors.map((r) => r.status()))).every((s) => !s.running),
        2 * INTERVAL,
        50,
      );

      await recorded.stop();
      const tickStarts = recorded.ticks.map((t) => t.at);

      // The cadence, on the cluster's own record: tick starts at least one interval apart, except
      // across the leader change (one extra interval of slack there).
      const all = times(sandbox);
      const nearChange = (t: number) => t >= killedAt - INTERVAL && t <= takenOverAt + INTERVAL;
      const gaps = tickStarts.slice(1).map((t, i) => ({ at: t, gap: t - tickStarts[i] }));
      const shortGaps = gaps.filter((g) => g.gap < INTERVAL - 1 && !nearChange(g.at));
      // At the gateway: each request belongs to the last tick that started before it arrived;
      // no tick sent more than BATCH, and no window of one interval saw more than two ticks' worth.
      const perTick = new Map<number, number>();
      for (const t of all) {
        const tick = tickStarts.filter((s) => s <= t).pop() ?? -1;
        perTick.set(tick, (perTick.get(tick) ?? 0) + 1);
      }
      const window = busiestWindow(all, INTERVAL);
      // Away from the leader change, the leader paces its own requests (SendPacer): a batch per window, exactly.
      const paced = busiestWindow(all, INTERVAL, nearChange);
      const duplicates = [...sandbox.byKey().values()].filter((requests) => requests.length > 1);
      console.log(
        `replicas test: requests ${all.length}, ticks ${tickStarts.length}, duplicates ${duplicates.length}, ` +
          `shortest tick gap ${Math.min(...gaps.map((g) => g.gap))} ms ` +
          `(${Math.min(...gaps.filter((g) => !nearChange(g.at)).map((g) => g.gap))} ms away from the leader change), ` +
          `most requests per tick ${Math.max(...perTick.values())}, ` +
          `busiest ${INTERVAL} ms window at the gateway ${window.max}, away from the leader change ${paced.max} ` +
          `(shortest span of ${BATCH + 1} requests ${minSpan(all, BATCH)} ms), ` +
          `takeover ${takeoverMs} ms, ${leaderId} -> ${newLeaderId}`,
      );
      expect(tickStarts.length).toBeGreaterThanOrEqual(20);
      expect(shortGaps).toEqual([]);
      expect(perTick.get(-1)).toBeUndefined();
      expect([...perTick.values()].filter((n) => n > BATCH)).toEqual([]);
      expect(window.max).toBeLessThanOrEqual(2 * BATCH);
      expect(paced.max).toBeLessThanOrEqual(BATCH);
      expect(duplicates).toEqual([]);

      // Nothing lost: a sent row has exactly its one request; what the gateway saw is sent, or
      // (the killed leader's batch) in doubt.
      await expectSentOnceAndNothingLost(db, sandbox, BATCH);
    }),
    100_000,
  );
});
