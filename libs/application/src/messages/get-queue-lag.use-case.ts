import { Injectable } from '@nestjs/common';
import { Clock, MessageRepository } from '@app/domain';

export interface QueueLag {
  /** When the message that is next to send became due; null when nothing is due. */
  oldestDueSince: Date | null;
  /** How long it has waited, in seconds (0 when nothing is due). */
  oldestDueAgeSeconds: number;
}

/** How far sending is behind: one indexed lookup, cheap enough for every metrics scrape. */
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
