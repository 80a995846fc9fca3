import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { databaseOptions, PgSchedulerState } from '@app/infrastructure';
import { createTestDatabase, type TestDatabase } from '@test/support/database.js';

const TICK = new Date('2030-01-01T12:00:00.123Z');

describe(PgSchedulerState.name, () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let otherReplica: DataSource;
  let sut: PgSchedulerState;

  async function stateRow(): Promise<Record<string, any>> {
    const { rows } = await db.sql.query('SELECT * FROM dispatcher_state');
    expect(rows).toHaveLength(1);
    return rows[0];
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

  it('finds the single row the migration creates, with nothing decided and no tick yet', async () => {
    sut = new PgSchedulerState(dataSource);

    await expect(sut.desired()).resolves.toBeNull();
    await expect(sut.lastTickAt()).resolves.toBeNull();
    expect(await stateRow()).toEqual({ id: 1, desired: null, decided_by: null, decided_at: null, last_tick_at: null });
  });

  describe('once written', () => {
    beforeEach(async () => {
      // Back to the state the migration leaves: its one row, with every default.
      await db.sql.query('DELETE FROM dispatcher_state');
      await db.sql.query('INSERT INTO dispatcher_state (id) VALUES (1)');
      sut = new PgSchedulerState(dataSource);
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

    it('keeps the time of the last tick to the millisecond, the later one replacing the earlier', async () => {
      await sut.recordTick(TICK);
      await expect(sut.lastTickAt()).resolves.toEqual(TICK);

      const next = new Date(TICK.getTime() + 1_001);
      await sut.recordTick(next);

      await expect(sut.lastTickAt()).resolves.toEqual(next);
      await expect(sut.desired()).resolves.toBeNull();
    });

    it('does not let a decision and a tick overwrite each other', async () => {
      await sut.setDesired('stopped', 'replica-a');
      await sut.recordTick(TICK);

      await expect(sut.desired()).resolves.toBe('stopped');
      await expect(sut.lastTickAt()).resolves.toEqual(TICK);
    });

    it('is shared by every replica: what one writes, another reads', async () => {
      const replica = new PgSchedulerState(otherReplica);

      await sut.setDesired('running', 'replica-a');
      await sut.recordTick(TICK);

      await expect(replica.desired()).resolves.toBe('running');
      await expect(replica.lastTickAt()).resolves.toEqual(TICK);
      await replica.setDesired('stopped', 'replica-b');
      await expect(sut.desired()).resolves.toBe('stopped');
    });
  });
});
