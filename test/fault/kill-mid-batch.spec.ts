import { beforeAll, describe, expect, it } from '@jest/globals';
import type { TestDatabase } from '@test/support/database.js';
import { DispatcherProcess, faultTest, phones, sleep, startSandbox, useFaultDatabase, waitFor } from '@test/fault/support/dispatcher-process.js';

const MESSAGES = 400;
const KILLS = 6;
const CONCURRENCY = 4;
const LEASE_MS = 1_500;
const ENV = {
  DISPATCH_INTERVAL_MS: '100',
  DISPATCH_BATCH_SIZE: '50',
  DISPATCH_CONCURRENCY: String(CONCURRENCY),
  CLAIM_LEASE_MS: String(LEASE_MS),
  WEBHOOK_TIMEOUT_MS: '1000',
};

interface Row {
  id: string;
  status: string;
  claimed_by: string | null;
  request_started_at: Date | null;
  attempt_count: number;
}

/**
 * kill -9 in the middle of big batches sent concurrently: only the rows whose request may have
 * started can be in doubt (at most DISPATCH_CONCURRENCY per kill); the rows that were claimed
 * but never attempted go back to pending by themselves once their lease runs out, and are sent
 * later, once, with no attempt counted for the claim that died.
 */
describe('dispatcher killed with SIGKILL mid-batch (fault)', () => {
  const database = useFaultDatabase();
  let db: TestDatabase;

  beforeAll(() => {
    db = database();
  });

  it(
    `leaves at most ${CONCURRENCY} rows in doubt per kill, and sends the claimed but never attempted rows later, once`,
    faultTest(async () => {
      const sandbox = await startSandbox({ latencyMs: 5, slowRate: 0.1, slowMs: 150 });
      await db.sql.query(
        `INSERT INTO messages (phone_number, content) SELECT phone, 'mid-batch ' || n FROM unnest($1::text[]) WITH ORDINALITY AS p(phone, n)`,
        [phones(MESSAGES)],
      );
      const dbName = new URL(db.url).pathname.slice(1);
      const dispatcherSessions = async () =>
        (
          await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'message-dispatcher'`, [
            dbName,
          ])
        ).rows[0].n;
      const rows = async () => (await db.sql.query<Row>('SELECT id, status, claimed_by, request_started_at, attempt_count FROM messages ORDER BY seq')).rows;

      const neverAttempted = new Set<string>();
      const everInDoubt = new Set<string>();
      const inDoubtPerKill: number[] = [];
      for (let run = 1; run <= KILLS; run += 1) {
        const before = sandbox.received().length;
        const sut = await DispatcherProcess.start({ databaseUrl: db.url, webhookUrl: sandbox.webhookUrl, instanceId: `fault-batch-${run}`, env: ENV });
        await waitFor(`run ${run} to be sending`, () => sandbox.received().length > before + 10, 2 * LEASE_MS + 10_000, 5);
        await sleep(Math.floor(Math.random() * 150));
        expect((await sut.kill('SIGKILL')).signal).toBe('SIGKILL');
        // A statement the process sent just before it died still commits: read the rows once
        // PostgreSQL has ended every session of the dead process.
        await waitFor(`run ${run}'s database sessions to end`, async () => (await dispatcherSessions()) === 0, 10_000, 20);

        // What the killed process left: claimed rows, some of which had their request started.
        // (Rows an earlier killed run left may still be under their lease: not this kill's.)
        const left = (await rows()).filter((r) => r.status === 'sending' && r.claimed_by === `fault-batch-${run}`);
        const started = left.filter((r) => r.request_started_at !== null);
        const claimedOnly = left.filter((r) => r.request_started_at === null);
        const reached = new Set(sandbox.received().map((r) => r.headers['idempotency-key']));
        expect(started.length).toBeLessThanOrEqual(CONCURRENCY);
        expect(claimedOnly.filter((r) => reached.has(r.id))).toEqual([]);
        for (const r of claimedOnly) neverAttempted.add(r.id);
        for (const r of started) everInDoubt.add(r.id);
        inDoubtPerKill.push(started.length);
      }
      expect(neverAttempted.size).toBeGreaterThan(0);

      // A last run settles what the kills left (once their lease has run out) and drains the queue.
      const last = await DispatcherProcess.start({ databaseUrl: db.url, webhookUrl: sandbox.webhookUrl, instanceId: 'fault-batch-final', env: ENV });
      await waitFor('no message pending or sending', async () => (await rows()).every((r) => r.status !== 'pending' && r.status !== 'sending'), 30_000, 100);
      expect((await last.kill('SIGTERM')).code).toBe(0);

      const final = await rows();
      const byKey = sandbox.byKey();
      const unknown = final.filter((r) => r.status === 'unknown');
      const duplicates = [...byKey.values()].filter((requests) => requests.length > 1);
      console.log(
        `kill -9 mid-batch: messages ${final.length}, kills ${KILLS}, in doubt at each kill [${inDoubtPerKill.join(', ')}], ` +
          `claimed but never attempted ${neverAttempted.size}, unknown ${unknown.length}, ` +
          `requests ${sandbox.received().length}, duplicates ${duplicates.length}`,
      );

      expect(duplicates).toEqual([]);
      expect(final.filter((r) => r.status !== 'sent' && r.status !== 'unknown')).toEqual([]);
      expect(unknown.length).toBeLessThanOrEqual(KILLS * CONCURRENCY);
      for (const r of unknown) expect((byKey.get(r.id) ?? []).length).toBeLessThanOrEqual(1);
      // Every claimed-but-never-attempted row went back to pending by itself and was sent once,
      // its dead claim costing no attempt (unless a later kill caught it in flight: then it is
      // one of that kill's in-doubt rows).
      const requeuedThenSent = [...neverAttempted].filter((id) => !everInDoubt.has(id));
      expect(requeuedThenSent.length).toBeGreaterThan(0);
      for (const id of requeuedThenSent) {
        const row = final.find((r) => r.id === id) as Row;
        expect({ id, status: row.status, attempts: row.attempt_count, requests: (byKey.get(id) ?? []).length }).toEqual({
          id,
          status: 'sent',
          attempts: 1,
          requests: 1,
        });
      }
    }),
    150_000,
  );
});
