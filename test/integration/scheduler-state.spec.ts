import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { databaseOptions, DatabaseClock, PgSchedulerState, TypeOrmMessageRepository } from '@app/infrastructure';
import { createTestDatabase, type TestDatabase } from '@test/support/database.js';

const INTERVAL = 60_000;

/**
 * The cluster's scheduler state on the real database: the operator's decision, and the tick
 * permit that PostgreSQL's clock grants (issue 12). The replicas in these tests have hosts whose
 * clocks are minutes off on purpose: nothing here may depend on them.
 */
describe(PgSchedulerState.name, () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let otherReplica: DataSource;
  let sut: PgSchedulerState;

  /** A replica's clock on a host that runs `skewMs` off the real time. */
  const skewedClock = (skewMs: number) => new DatabaseClock(undefined, () => Date.now() + skewMs);

  async function stateRow(): Promise<Record<string, any>> {
    const { rows } = await db.sql.query('SELECT * FROM dispatcher_state');
    expect(rows).toHaveLength(1);
    return rows[0];
  }

  async function databaseNow(): Promise<number> {
    const { rows } = await db.sql.query<{ now: Date }>('SELECT clock_timestamp() AS now');
    return rows[0].now.getTime();
  }

  /** Moves the cluster's last tick to `offsetMs` from the database's clock now (negative: in the past). */
  async function lastTickAt(offsetMs: number): Promise<void> {
    await db.sql.query(`UPDATE dispatcher_state SET last_tick_at = clock_timestamp() + $1 * interval '1 millisecond'`, [offsetMs]);
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    [dataSource, otherReplica] = await Promise.all([
      new DataSource(databaseOptions(db.url)).initialize(),
      new DataSource(databaseOptions(db.url)).initialize(),
    ]);
  });

  afterAll(async () => {
    await Promise.all([dataSource?.destroy(), otherReplica?.destroy()]);
    await db?.close();
  });

  it('finds the single row the migrations create, with nothing decided and no tick yet', async () => {
    sut = new PgSchedulerState(dataSource, skewedClock(0));

    await expect(sut.desired()).resolves.toBeNull();
    await expect(sut.lastTickAt()).resolves.toBeNull();
    expect(await stateRow()).toEqual({ id: 1, desired: null, decided_by: null, decided_at: null, last_tick_at: null, tick_no: '0', last_tick_by: null });
  });

  describe('once written', () => {
    beforeEach(async () => {
      // Back to the state the migrations leave: its one row, with every default.
      await db.sql.query('DELETE FROM dispatcher_state');
      await db.sql.query('INSERT INTO dispatcher_state (id) VALUES (1)');
      sut = new PgSchedulerState(dataSource, skewedClock(5_000));
    });

    it("keeps the operator's last decision, and who made it when", async () => {
      const before = new Date();

      await sut.setDesired('stopped', 'replica-a');
      await expect(sut.desired()).resolves.toBe('stopped');
      await sut.setDesired('running', 'replica-b');

      await expect(sut.desired()).resolves.toBe('running');
      const row = await stateRow();
      expect(row).toMatchObject({ desired: 'running', decided_by: 'replica-b', last_tick_at: null });
      expect(Math.abs(row.decided_at.getTime() - before.getTime())).toBeLessThan(60_000);
    });

    it("grants the first tick at once and records it with the database's time, not the asking host's", async () => {
      const before = await databaseNow();
      const permit = await sut.tryTick(INTERVAL, 'replica-ahead');
      const after = await databaseNow();

      expect(permit).toMatchObject({ granted: true, tickNo: 1, waitMs: INTERVAL });
      expect(permit.lastTickAt?.getTime()).toBeGreaterThanOrEqual(before);
      expect(permit.lastTickAt?.getTime()).toBeLessThanOrEqual(after);
      expect(await stateRow()).toMatchObject({ tick_no: '1', last_tick_by: 'replica-ahead', last_tick_at: permit.lastTickAt });
      await expect(sut.lastTickAt()).resolves.toEqual(permit.lastTickAt);
    });

    it("refuses another tick within the interval, to any replica, and says how long to wait by the database's clock", async () => {
      const first = await sut.tryTick(INTERVAL, 'replica-ahead');
      // A replica whose host runs 5 s behind, and one 5 s ahead: same answer.
      const behind = new PgSchedulerState(otherReplica, skewedClock(-5_000));

      for (const replica of [behind, sut]) {
        const refused = await replica.tryTick(INTERVAL, 'replica-x');
        expect(refused).toMatchObject({ granted: false, tickNo: 1, lastTickAt: first.lastTickAt });
        expect(refused.waitMs).toBeGreaterThan(INTERVAL - 5_000);
        expect(refused.waitMs).toBeLessThanOrEqual(INTERVAL);
      }
      expect(await stateRow()).toMatchObject({ tick_no: '1', last_tick_by: 'replica-ahead' });
    });

    it("grants the next tick once one interval has passed by the database's clock, not a moment before", async () => {
      await sut.tryTick(INTERVAL, 'replica-a');

      await lastTickAt(-(INTERVAL - 400));
      const early = await sut.tryTick(INTERVAL, 'replica-b');
      expect(early.granted).toBe(false);
      expect(early.waitMs).toBeGreaterThan(300);
      expect(early.waitMs).toBeLessThanOrEqual(400);

      await lastTickAt(-INTERVAL);
      await expect(sut.tryTick(INTERVAL, 'replica-b')).resolves.toMatchObject({ granted: true, tickNo: 2 });
      expect(await stateRow()).toMatchObject({ tick_no: '2', last_tick_by: 'replica-b' });
    });

    it('grants exactly one of many replicas asking at the same moment', async () => {
      const replicas = [sut, new PgSchedulerState(otherReplica, skewedClock(-5_000))];

      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => replicas[i % 2].tryTick(INTERVAL, `replica-${i}`)));

      expect(answers.filter((a) => a.granted)).toHaveLength(1);
      expect(await stateRow()).toMatchObject({ tick_no: '1' });
    });

    it('lets a last tick written far in the future (an older version, by a fast host clock) hold the cluster up one interval at most', async () => {
      await lastTickAt(3_600_000);
      await expect(sut.tryTick(INTERVAL, 'replica-a')).resolves.toMatchObject({ granted: true });

      await lastTickAt(2_000);
      const held = await sut.tryTick(INTERVAL, 'replica-a');
      expect(held.granted).toBe(false);
      expect(held.waitMs).toBeGreaterThan(INTERVAL + 1_000);
      expect(held.waitMs).toBeLessThanOrEqual(INTERVAL + 2_000);
    });

    it('does not let a decision and a tick overwrite each other', async () => {
      await sut.setDesired('stopped', 'replica-a');
      const permit = await sut.tryTick(INTERVAL, 'replica-a');

      await expect(sut.desired()).resolves.toBe('stopped');
      await expect(sut.lastTickAt()).resolves.toEqual(permit.lastTickAt);
    });

    it('is shared by every replica: what one writes, another reads', async () => {
      const replica = new PgSchedulerState(otherReplica, skewedClock(-5_000));

      await sut.setDesired('running', 'replica-a');
      const permit = await sut.tryTick(INTERVAL, 'replica-a');

      await expect(replica.desired()).resolves.toBe('running');
      await expect(replica.lastTickAt()).resolves.toEqual(permit.lastTickAt);
      await replica.setDesired('stopped', 'replica-b');
      await expect(sut.desired()).resolves.toBe('stopped');
    });

    it("sets the replica's clock to the database's with every read, whatever its host's clock says", async () => {
      for (const skew of [5_000, -5_000]) {
        const clock = skewedClock(skew);
        const replica = new PgSchedulerState(dataSource, clock);
        expect(Math.abs(clock.now().getTime() - Date.now() - skew)).toBeLessThan(50);

        await replica.desired();

        expect(Math.abs(clock.now().getTime() - (await databaseNow()))).toBeLessThan(50);
        expect(Math.abs((clock.offsetMs as number) + skew)).toBeLessThan(50);
      }
    });
  });

  describe('claims and request starts under a permit', () => {
    let messages: TypeOrmMessageRepository;

    beforeEach(async () => {
      await db.sql.query('DELETE FROM dispatcher_state');
      await db.sql.query('INSERT INTO dispatcher_state (id) VALUES (1)');
      await db.sql.query('TRUNCATE messages, message_attempts, message_replays, message_decisions');
      await db.sql.query(
        `INSERT INTO messages (phone_number, content) SELECT '+90555111' || lpad(i::text, 4, '0'), 'fenced ' || i FROM generate_series(1, 4) i`,
      );
      sut = new PgSchedulerState(dataSource, skewedClock(0));
      messages = new TypeOrmMessageRepository(dataSource);
    });

    it('claim and start while their permit is the latest, and take nothing once a newer one is granted', async () => {
      const mine = await sut.tryTick(INTERVAL, 'replica-a');
      const claim = { owner: 'replica-a', leaseMs: 30_000, tick: mine.tickNo };
      const claimed = await messages.claimBatch(2, new Date(), claim);
      expect(claimed).toHaveLength(2);
      const refs = claimed.map((m) => ({ id: m.id, claimToken: m.claimToken as string }));

      // Another replica, leading now, gets the next permit: replica-a's permit is no longer the latest.
      await lastTickAt(-INTERVAL);
      const theirs = await new PgSchedulerState(otherReplica, skewedClock(-5_000)).tryTick(INTERVAL, 'replica-b');
      expect(theirs).toMatchObject({ granted: true, tickNo: mine.tickNo + 1 });

      await expect(messages.claimBatch(2, new Date(), claim)).resolves.toEqual([]);
      await expect(
        messages.recordAndStart({ outcomes: [], start: refs, now: new Date(), leaseUntil: new Date(Date.now() + 30_000), tick: mine.tickNo }),
      ).resolves.toEqual([]);
      const { rows } = await db.sql.query<{ status: string; n: number }>(
        `SELECT status, count(*)::int AS n, count(request_started_at)::int AS started FROM messages GROUP BY status ORDER BY status`,
      );
      expect(rows).toEqual([
        { status: 'pending', n: 2, started: 0 },
        { status: 'sending', n: 2, started: 0 },
      ]);

      // The claims made under the old permit can be handed back; under the latest permit it all works.
      await expect(messages.releaseClaims(refs, new Date())).resolves.toBe(2);
      const again = await messages.claimBatch(4, new Date(), { owner: 'replica-b', leaseMs: 30_000, tick: theirs.tickNo });
      expect(again).toHaveLength(4);
      const started = await messages.recordAndStart({
        outcomes: [],
        start: again.map((m) => ({ id: m.id, claimToken: m.claimToken as string })),
        now: new Date(),
        leaseUntil: new Date(Date.now() + 30_000),
        tick: theirs.tickNo,
      });
      expect(started).toHaveLength(4);
    });
  });
});
