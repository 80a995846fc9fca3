import { Injectable } from '@nestjs/common';
import { MessageRepository, type MessageStatus } from '@app/domain';

export interface MessageStats {
  total: number;
  byStatus: Record<MessageStatus, number>;
}

@Injectable()
export class GetMessageStats {
  constructor(private readonly messages: MessageRepository) {}

  async execute(): Promise<MessageStats> {
    const byStatus = await this.messages.countByStatus();
    const total = Object.values(byStatus).reduce((sum, n) => sum + n, 0);
    return { total, byStatus };
  }
}
