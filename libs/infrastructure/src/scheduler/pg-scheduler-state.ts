import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type DesiredState, SchedulerState } from '@app/domain';

/** The cluster's scheduler state: the single row of dispatcher_state. */
@Injectable()
export class PgSchedulerState extends SchedulerState {
  constructor(private readonly db: DataSource) {
    super();
  }

  async desired(): Promise<DesiredState | null> {
    const rows: { desired: DesiredState | null }[] = await this.db.query(`SELECT desired FROM dispatcher_state WHERE id = 1`);
    return rows[0]?.desired ?? null;
  }

  async setDesired(state: DesiredState, decidedBy: string): Promise<void> {
    await this.db.query(`UPDATE dispatcher_state SET desired = $1, decided_by = $2, decided_at = now() WHERE id = 1`, [state, decidedBy]);
  }

  async lastTickAt(): Promise<Date | null> {
    const rows: { last_tick_at: Date | null }[] = await this.db.query(`SELECT last_tick_at FROM dispatcher_state WHERE id = 1`);
    return rows[0]?.last_tick_at ?? null;
  }

  async recordTick(at: Date): Promise<void> {
    await this.db.query(`UPDATE dispatcher_state SET last_tick_at = $1 WHERE id = 1`, [at]);
  }
}
