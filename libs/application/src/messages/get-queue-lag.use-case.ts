import { Injectable } from '@nestjs/common';
import { Clock, MessageRepository } from '@app/domain';

export interface QueueLag {
  /**
   * When the longest-waiting due message became due, whatever its priority (the next one to send
   * may be a newer one of a higher priority); null when nothing is due.
   */
  oldestDueSince: Date | null;
  /** How long it has waited, in seconds (0 when nothing is due). */
  oldestDueAgeSeconds: number;
}

/** How far sending is behind: an indexed lookup per priority, cheap enough for every metrics scrape. */
@Injectable()
export class GetQueueLag {
  constructor(
    private readonly messages: MessageRepository,
    private readonly clock: Clock,
  ) {}

  async execute(): Promise<QueueLag> {
    const now = this.clock.now();
    const oldestDueSince = await this.messages.oldestDueSince(now);
    const oldestDueAgeSeconds = oldestDueSince ? Math.max(0, (now.getTime() - oldestDueSince.getTime()) / 1000) : 0;
    return { oldestDueSince, oldestDueAgeSeconds };
  }
}
