import { performance } from 'node:perf_hooks';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type DesiredState, SchedulerState, type TickPermit } from '@app/domain';
import { DatabaseClock } from '../clock/database-clock.js';

interface PermitRow {
  now: Date;
  granted_no: string | null;
  tick_no: string;
  last_tick_at: Date | null;
  wait_ms: number;
}

/**
 * The cluster's scheduler state: the single row of dispatcher_state. PostgreSQL's clock decides
 * the cadence: a tick is granted by one conditional UPDATE that compares the last tick with
 * clock_timestamp(), never with a replica's clock. Every read also reads that clock, for the
 * replica's DatabaseClock.
 */
@Injectable()
export class PgSchedulerState extends SchedulerState implements OnModuleInit {
  constructor(
    private readonly db: DataSource,
    private readonly clock: DatabaseClock,
  ) {
    super();
  }

  /** A first reading of the database's clock before the API answers (not fatal: the next query reads it). */
  async onModuleInit(): Promise<void> {
    await this.read(`SELECT clock_timestamp() AS now`).catch(() => undefined);
  }

  async desired(): Promise<DesiredState | null> {
    const rows: { desired: DesiredState | null; now: Date }[] = await this.read(`SELECT desired, clock_timestamp() AS now FROM dispatcher_state WHERE id = 1`);
    return rows[0]?.desired ?? null;
  }

  async setDesired(state: DesiredState, decidedBy: string): Promise<void> {
    await this.db.query(`UPDATE dispatcher_state SET desired = $1, decided_by = $2, decided_at = now() WHERE id = 1`, [state, decidedBy]);
  }

  async lastTickAt(): Promise<Date | null> {
    const rows: { last_tick_at: Date | null }[] = await this.db.query(`SELECT last_tick_at FROM dispatcher_state WHERE id = 1`);
    return rows[0]?.last_tick_at ?? null;
  }

  /**
   * Granted when the last tick began at least `intervalMs` ago by the database's clock. Two
   * replicas asking at once: the second UPDATE waits for the first's row lock and then sees its
   * tick, so at most one is granted per interval. A last tick further in the future than one
   * interval cannot come from this clock (it was written by an older version with a replica's
   * clock, or the database's clock was set back): it does not hold the cluster up for longer.
   * `wait_ms` is rounded up, so that asking again after it is never early.
   */
  async tryTick(intervalMs: number, by: string): Promise<TickPermit> {
    const rows: PermitRow[] = await this.read(
      `WITH clock AS (SELECT clock_timestamp() AS now),
       granted AS (
         UPDATE dispatcher_state s SET last_tick_at = clock.now, tick_no = s.tick_no + 1, last_tick_by = $2
           FROM clock
          WHERE s.id = 1
            AND (s.last_tick_at IS NULL
                 OR s.last_tick_at <= clock.now - $1 * interval '1 millisecond'
                 OR s.last_tick_at > clock.now + $1 * interval '1 millisecond')
         RETURNING s.tick_no
       )
       SELECT clock.now, (SELECT tick_no FROM granted) AS granted_no, s.tick_no, s.last_tick_at,
              GREATEST(0, ceil(extract(epoch FROM s.last_tick_at + $1 * interval '1 millisecond' - clock.now) * 1000))::int AS wait_ms
         FROM clock, dispatcher_state s WHERE s.id = 1`,
      [intervalMs, by],
    );
    const row = rows[0];
    if (!row) throw new Error('dispatcher_state has no row: are the migrations applied?');
    if (row.granted_no !== null) return { granted: true, tickNo: Number(row.granted_no), lastTickAt: row.now, waitMs: intervalMs };
    // The row as it was before this statement: a permit granted meanwhile to another replica
    // shows at the next ask, which comes at once (wait 0) or after the wait this row gives.
    return { granted: false, tickNo: Number(row.tick_no), lastTickAt: row.last_tick_at, waitMs: row.last_tick_at === null ? 0 : row.wait_ms };
  }

  /** A query whose rows carry the database's time (`now`), taken as a reading for the replica's clock. */
  private async read<T extends { now: Date }>(sql: string, parameters?: unknown[]): Promise<T[]> {
    const sentAt = performance.now();
    const rows: T[] = await this.db.query(sql, parameters);
    const receivedAt = performance.now();
    if (rows[0]) this.clock.observe({ databaseTime: rows[0].now, sentAt, receivedAt });
    return rows;
  }
}
