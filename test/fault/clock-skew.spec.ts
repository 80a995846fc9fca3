import { beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import type { TestDatabase } from '@test/support/database.js';
import { useFaultDatabase, DispatcherProcess, faultTest, http, phones, sleep, startSandbox, waitFor } from '@test/fault/support/dispatcher-process.js';
import { busiestWindow, countFrom, expectSentOnceAndNothingLost, gatewayTimes as times, minSpan, recordTicks } from '@test/fault/support/cadence.js';

const INTERVAL = 3000;
const BATCH = 2;
const ENV = {
  DISPATCH_INTERVAL_MS: String(INTERVAL),
  DISPATCH_BATCH_SIZE: String(BATCH),
  CLAIM_LEASE_MS: '3000',
  WEBHOOK_TIMEOUT_MS: '1000',
};
/**
 * The leader paces its requests at the gateway (SendPacer): a request starts only while fewer than
 * a batch were in flight or answered within the last interval, so any window of one interval at
 * the gateway holds at most a batch, however late one tick's requests came after it. A new leader
 * starts from the old leader's recorded answers and counts its unrecorded requests as answered at
 * the takeover; those times come from two replicas' estimates of the database's clock, each off
 * by up to half a round trip to the database (more on a loaded machine). Windows that begin
 * before a kill and end after it are therefore one interval less this allowance; every other
 * window is exact. The cadence itself is checked exactly on the cluster's own record of its ticks
 * (dispatcher_state.last_tick_at).
 */
const TOLERANCE = 250;
/** How far each replica's wall clock is off (libfaketime); the monotonic clock stays true. */
const SKEW_MS = 5000;
const FAKETIME_LIB = '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1';

/** Where in the leader's interval a kill lands: its share of the interval after the last tick. */
const PHASES = [
  { name: 'right after a tick', at: 0.05 },
  { name: 'mid-interval', at: 0.5 },
  { name: 'just before the next tick', at: 0.92 },
] as const;
/** Each clock's leader is killed once in each phase. */
const KILLS = 2 * PHASES.length;

interface Replica {
  name: 'clock-ahead' | 'clock-behind';
  offsetMs: number;
  process: DispatcherProcess;
}

interface Kill {
  n: number;
  killed: string;
  phase: string;
  /** The chosen delay, from the tick the kill waited for. */
  delayMs: number;
  /** Real time from the last tick the poller saw to the kill. */
  sinceTickMs: number;
  at: number;
  takeoverMs: number;
  newLeader: string;
}

/** The child's wall clock less the real one, from the Date header of /health/live (whole seconds: within 1 s and the round trip). */
async function clockSkew(child: DispatcherProcess): Promise<number> {
  const sentAt = Date.now();
  const answer = await http(`${child.url}/health/live`, { timeoutMs: 2_000 });
  const receivedAt = Date.now();
  const date = answer.headers.get('date');
  if (!date) throw new Error(`${child.instanceId}: /health/live answered without a Date header`);
  return Date.parse(date) - Math.round((sentAt + receivedAt) / 2);
}

const iso = (t: number | null): string => (t === null ? '-' : new Date(t).toISOString());
const seconds = (ms: number): string => `${ms >= 0 ? '+' : ''}${(ms / 1000).toFixed(1)} s`;

/**
 * Two replicas whose wall clocks disagree by ten seconds, one 5 s ahead of the real time and one
 * 5 s behind, on one database; the leader is killed (-9) at random moments over and over, so
 * leadership goes back and forth between the two clocks. The cluster's cadence must hold in real
 * time whichever clock leads: at most DISPATCH_BATCH_SIZE sends in any real interval, and no
 * gap longer than two intervals while a replica is alive.
 */
describe('two dispatcher replicas with skewed clocks (fault)', () => {
  const database = useFaultDatabase();
  let db: TestDatabase;

  beforeAll(() => {
    db = database();
  });

  it(
    'keeps the real cadence across kill -9 takeovers between a clock 5 s ahead and one 5 s behind',
    faultTest(async () => {
      if (!existsSync(FAKETIME_LIB)) {
        throw new Error(`${FAKETIME_LIB} is missing: this test needs Debian's libfaketime (apt-get install faketime; .ci/run installs it when missing)`);
      }
      const sandbox = await startSandbox({ latencyMs: 10 });
      await db.sql.query(`INSERT INTO messages (phone_number, content) SELECT p, 'clock skew test ' || i FROM unnest($1::text[]) WITH ORDINALITY AS t(p, i)`, [
        phones(200),
      ]);

      // The cluster's ticks as the database recorded them (by its own clock, whichever replica
      // asked), and when (real clock) the poller first saw each one.
      const recorded = recordTicks(db);
      const ticks = recorded.ticks;
      const tickAfter = (moment: number, what: string) => waitFor(what, () => ticks.find((t) => t.seenAt > moment), 8 * INTERVAL, 10);

      // Each replica runs under libfaketime: Date.now() (CLOCK_REALTIME) is off by its offset,
      // timers (CLOCK_MONOTONIC) are not. The Date header proves the offset really took.
      const skews: string[] = [];
      const start = async (name: Replica['name'], offsetMs: number): Promise<DispatcherProcess> => {
        const child = await DispatcherProcess.start({
          databaseUrl: db.url,
          webhookUrl: sandbox.webhookUrl,
          instanceId: name,
          env: { ...ENV, LD_PRELOAD: FAKETIME_LIB, FAKETIME: `${offsetMs >= 0 ? '+' : '-'}${Math.abs(offsetMs) / 1000}s`, FAKETIME_DONT_FAKE_MONOTONIC: '1' },
        });
        const skew = await clockSkew(child);
        skews.push(`${name} ${seconds(skew)}`);
        const [low, high] = offsetMs > 0 ? [3000, 7000] : [-7000, -3000];
        if (!(skew >= low && skew <= high))
          throw new Error(`${name}: its clock is ${seconds(skew)} off the real one, not ${seconds(offsetMs)} (did libfaketime take?)`);
        return child;
      };
      const [ahead, behind] = await Promise.all([start('clock-ahead', SKEW_MS), start('clock-behind', -SKEW_MS)]);
      const replicas: Replica[] = [
        { name: 'clock-ahead', offsetMs: SKEW_MS, process: ahead },
        { name: 'clock-behind', offsetMs: -SKEW_MS, process: behind },
      ];
      const leaderNow = () =>
        waitFor(
          'exactly one leader',
          async () => {
            const statuses = await Promise.all(replicas.map((r) => r.process.status()));
            const leading = replicas.filter((_, i) => statuses[i].isLeader);
            if (leading.length > 1) throw new Error(`two leaders: ${leading.map((r) => r.name).join(', ')}`);
            return leading[0] ?? null;
          },
          3 * INTERVAL,
          20,
        );

      await waitFor('the first request', () => sandbox.received().length > 0, 10_000, 10);
      const firstLeader = (await leaderNow()).name;
      await sleep(6 * INTERVAL);

      // Kill the leader at varied phases of its interval. Leadership alternates (the killed
      // replica comes back as a follower), so kills 1, 3, 5 hit one clock and 2, 4, 6 the other:
      // each clock gets the three phases, each in its own random order.
      const shuffled = () => PHASES.map((p) => ({ p, key: Math.random() })).sort((a, b) => a.key - b.key);
      const [odd, even] = [shuffled(), shuffled()];
      const plan = odd.flatMap((o, i) => [o.p, even[i].p]);
      const kills: Kill[] = [];
      for (const [i, p] of plan.entries()) {
        const leader = await leaderNow();
        const survivor = replicas.find((r) => r !== leader) as Replica;
        const tick = await tickAfter(Date.now(), `a tick of ${leader.name} before kill ${i + 1}`);
        const whole = 1 + Math.floor(Math.random() * 2);
        const share = p.at + (Math.random() * 2 - 1) * 0.03;
        const delayMs = Math.round((whole + share) * INTERVAL);
        await sleep(Math.max(0, tick.seenAt + delayMs - Date.now()));
        const killedAt = Date.now();
        const sinceTickMs = killedAt - ticks[ticks.length - 1].seenAt;
        await leader.process.kill('SIGKILL');
        await waitFor(`${survivor.name} to lead after kill ${i + 1}`, async () => (await survivor.process.status()).isLeader, 3 * INTERVAL, 20);
        const takeoverMs = Date.now() - killedAt;
        // The same replica again: same clock offset, same instance id.
        leader.process = await start(leader.name, leader.offsetMs);
        const kill = { n: i + 1, killed: leader.name, phase: p.name, delayMs, sinceTickMs, at: killedAt, takeoverMs, newLeader: survivor.name };
        kills.push(kill);
        console.log(
          `clock-skew kill ${kill.n}: ${kill.killed} killed ${delayMs} ms after a tick (${whole} + ${share.toFixed(2)} intervals, ${p.name}; ` +
            `${sinceTickMs} ms after the last tick seen), ${survivor.name} led ${takeoverMs} ms later`,
        );
      }
      await tickAfter(Date.now(), 'a tick after the last takeover');
      await sleep(3 * INTERVAL);

      // Stop through the follower, then read what happened.
      const lastLeader = await leaderNow();
      const follower = replicas.find((r) => r !== lastLeader) as Replica;
      expect((await follower.process.api('POST', '/api/v1/scheduler/stop')).status).toBe(200);
      await waitFor(
        'every replica to report the stop',
        async () => (await Promise.all(replicas.map((r) => r.process.status()))).every((s) => !s.running),
        2 * INTERVAL,
        50,
      );
      await recorded.stop();

      const all = times(sandbox);
      const context = (t: number): string => {
        const kill = [...kills].reverse().find((k) => k.at <= t);
        return kill ? `${t - kill.at} ms after kill ${kill.n} (${kill.killed} killed ${kill.phase}, ${kill.newLeader} led)` : 'before the first kill';
      };
      // At the gateway (real clock). A window from a request before a kill to one after it spans the takeover.
      const spansKill = (t: number) => kills.some((k) => t < k.at && t + INTERVAL > k.at);
      const windowFrom = (t: number) => (spansKill(t) ? INTERVAL - TOLERANCE : INTERVAL);
      const steady = busiestWindow(all, INTERVAL, spansKill);
      const handovers = busiestWindow(all, INTERVAL - TOLERANCE, (t) => !spansKill(t));
      const exactWindow = busiestWindow(all, INTERVAL);
      const span = minSpan(all, BATCH);
      // From each recorded tick (the database's clock, on this machine the same as the test's) to its
      // first request at the gateway.
      const latencies = ticks.map((t, i) => (all.find((r) => r >= t.at && r < (ticks[i + 1]?.at ?? Infinity)) ?? NaN) - t.at).filter((ms) => !Number.isNaN(ms));
      const sorted = [...latencies].sort((a, b) => a - b);
      const busyWindows: { from: string; to: string; windowMs: number; requests: number; context: string }[] = [];
      let lastBusy = -Infinity;
      for (let i = 0; i < all.length; i += 1) {
        const windowMs = windowFrom(all[i]);
        const n = countFrom(all, i, windowMs);
        if (n > BATCH && all[i] >= lastBusy + windowMs) {
          const last = all[i + n - 1];
          busyWindows.push({ from: iso(all[i]), to: iso(last), windowMs, requests: n, context: context(last) });
          lastBusy = all[i];
        }
      }
      const requestGaps = all.slice(1).map((t, i) => ({ at: t, gap: t - all[i] }));
      const longestGap = Math.max(...requestGaps.map((g) => g.gap));
      const longGaps = requestGaps.filter((g) => g.gap > 2 * INTERVAL).map((g) => ({ endedAt: iso(g.at), gapMs: g.gap, context: context(g.at) }));
      // On the cluster's record: each tick at least one interval after the one before (1 ms for
      // rounding), at most two.
      const tickGaps = ticks.slice(1).map((t, i) => ({ ...t, gap: t.at - ticks[i].at, realGap: t.seenAt - ticks[i].seenAt }));
      const badTickGaps = tickGaps
        .filter((g) => g.gap < INTERVAL - 1 || g.gap > 2 * INTERVAL)
        .map((g) => ({ recorded: iso(g.at), gapMs: g.gap, realGapMs: g.realGap, context: context(g.seenAt) }));
      const duplicates = [...sandbox.byKey().values()].filter((requests) => requests.length > 1);
      console.log(
        `clock-skew test: kills ${kills.length}, requests ${all.length}, ticks ${ticks.length}, duplicates ${duplicates.length}, ` +
          `busiest ${INTERVAL} ms window at the gateway away from the kills ${steady.max} (from ${iso(steady.startedAt)}), ` +
          `busiest ${INTERVAL - TOLERANCE} ms window across a kill ${handovers.max} (from ${iso(handovers.startedAt)}), ` +
          `busiest ${INTERVAL} ms window anywhere ${exactWindow.max} (from ${iso(exactWindow.startedAt)}), ` +
          `shortest span of ${BATCH + 1} requests ${span} ms, longest gap between requests ${longestGap} ms, ` +
          `recorded tick gaps ${Math.min(...tickGaps.map((g) => g.gap))}..${Math.max(...tickGaps.map((g) => g.gap))} ms ` +
          `(as seen in real time ${Math.min(...tickGaps.map((g) => g.realGap))}..${Math.max(...tickGaps.map((g) => g.realGap))} ms), ` +
          `tick to its first request ${sorted[0]}..${sorted[sorted.length - 1]} ms (median ${sorted[Math.floor(sorted.length / 2)]}, ` +
          `first tick ${latencies[0]} ms), skews ${skews.join(', ')}, first leader ${firstLeader}, ` +
          `kills ${kills.map((k) => `${k.n}: ${k.killed} at +${k.sinceTickMs} ms (${k.phase}) -> ${k.newLeader} in ${k.takeoverMs} ms`).join('; ')}`,
      );

      expect({ busyWindows, longGaps, badTickGaps }).toEqual({ busyWindows: [], longGaps: [], badTickGaps: [] });
      expect(steady.max).toBeLessThanOrEqual(BATCH);
      expect(handovers.max).toBeLessThanOrEqual(BATCH);
      expect(longestGap).toBeLessThanOrEqual(2 * INTERVAL);
      expect(kills.length).toBe(KILLS);
      expect(new Set(kills.map((k) => k.newLeader))).toEqual(new Set(['clock-ahead', 'clock-behind']));
      expect(ticks.length).toBeGreaterThanOrEqual(20);
      expect(all.length).toBeGreaterThanOrEqual(20 * BATCH);

      // Nothing lost: a sent row has exactly its one request; what the gateway saw is sent, or
      // (a killed leader's batch) in doubt.
      await expectSentOnceAndNothingLost(db, sandbox, KILLS * BATCH);
    }),
    240_000,
  );
});
