import { Injectable } from '@nestjs/common';
import { MessageRepository, type MessageStatus, type PriorityCount } from '@app/domain';

export interface MessageStats {
  total: number;
  byStatus: Record<MessageStatus, number>;
  /** Pending messages per priority, the highest (next to go) first; priorities with none are left out. */
  byPriority: PriorityCount[];
}

@Injectable()
export class GetMessageStats {
  constructor(private readonly messages: MessageRepository) {}

  async execute(): Promise<MessageStats> {
    const [byStatus, byPriority] = await Promise.all([this.messages.countByStatus(), this.messages.countPendingByPriority()]);
    const total = Object.values(byStatus).reduce((sum, n) => sum + n, 0);
    return { total, byStatus, byPriority };
  }
}
