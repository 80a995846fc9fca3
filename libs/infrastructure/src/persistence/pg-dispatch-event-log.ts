import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type DispatchEvent, DispatchEventLog, type DispatchEventKind, type NewDispatchEvent } from '@app/domain';

/** How long recording an event may take before it is given up (it runs beside a tick, never in its way). */
const RECORD_TIMEOUT_MS = 2_000;

/** Dispatch events (the breaker's openings) in the table dispatch_events. Recording is best effort. */
@Injectable()
export class PgDispatchEventLog extends DispatchEventLog {
  private readonly logger = new Logger(PgDispatchEventLog.name);

  constructor(private readonly db: DataSource) {
    super();
  }

  async record(event: NewDispatchEvent): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${RECORD_TIMEOUT_MS} ms`)), RECORD_TIMEOUT_MS);
    });
    try {
      await Promise.race([
        this.db.query(`INSERT INTO dispatch_events (kind, detail) VALUES ($1, $2::jsonb)`, [event.kind, JSON.stringify(event.detail)]),
        timeout,
      ]);
    } catch (error) {
      this.logger.warn(`dispatch event ${event.kind} not recorded: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  async since(since: Date, limit: number): Promise<DispatchEvent[]> {
    // The latest `limit` of them, answered oldest first.
    const rows: { id: string; at: Date; kind: DispatchEventKind; detail: Record<string, unknown> }[] = await this.db.query(
      `SELECT id, at, kind, detail FROM (SELECT id, at, kind, detail FROM dispatch_events WHERE at >= $1 ORDER BY at DESC, id DESC LIMIT $2) latest
        ORDER BY at, id`,
      [since, limit],
    );
    return rows.map((r) => ({ id: Number(r.id), at: r.at, kind: r.kind, detail: r.detail }));
  }
}
