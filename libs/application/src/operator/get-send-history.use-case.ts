import { Injectable } from '@nestjs/common';
import { Clock, SendHistory, ValidationError } from '@app/domain';

/** The longest history GetSendHistory answers: 24 hours. */
export const MAX_SEND_HISTORY_MINUTES = 1440;

export interface SendHistoryQuery {
  /** How many minutes back, the current one included: 60 for the last hour, 1440 for the last day (1 to 1440). */
  minutes: number;
}

export interface SentPerMinute {
  /** The minute's start (UTC). */
  minute: Date;
  /** Messages that became sent within it. */
  sent: number;
}

/**
 * Messages sent per minute over the last `minutes` minutes, oldest first, one entry per minute
 * (zeros included; the current minute, still running, last): a chart's series. Reads only the
 * trigger-kept sent_per_minute (SendHistory), never the messages table.
 */
@Injectable()
export class GetSendHistory {
  constructor(
    private readonly history: SendHistory,
    private readonly clock: Clock,
  ) {}

  async execute({ minutes }: SendHistoryQuery): Promise<SentPerMinute[]> {
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_SEND_HISTORY_MINUTES) {
      throw ValidationError.forField('minutes', `minutes must be a whole number from 1 to ${MAX_SEND_HISTORY_MINUTES}`);
    }
    const end = Math.floor(this.clock.now().getTime() / 60_000) * 60_000 + 60_000;
    const start = end - minutes * 60_000;
    const sent = new Map((await this.history.sentPerMinute(new Date(start), new Date(end))).map((m) => [m.minute.getTime(), m.sent]));
    return Array.from({ length: minutes }, (_, i) => {
      const minute = start + i * 60_000;
      return { minute: new Date(minute), sent: sent.get(minute) ?? 0 };
    });
  }
}
