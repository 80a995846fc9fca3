import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SendHistory, type SentInMinute } from '@app/domain';

/**
 * Sends per minute from sent_per_minute, which statement-level triggers on messages keep
 * (migration OperatorTools1795700000000): at most one row per minute is read, never messages.
 */
@Injectable()
export class PgSendHistory extends SendHistory {
  constructor(private readonly db: DataSource) {
    super();
  }

  async sentPerMinute(from: Date, to: Date): Promise<SentInMinute[]> {
    const rows: { minute: Date; sent: number }[] = await this.db.query(
      `SELECT minute, sent FROM sent_per_minute WHERE minute >= $1 AND minute < $2 AND sent > 0 ORDER BY minute`,
      [from, to],
    );
    return rows.map((r) => ({ minute: r.minute, sent: r.sent }));
  }
}
