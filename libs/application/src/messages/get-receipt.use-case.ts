import { Injectable } from '@nestjs/common';
import { MessageNotFoundError, MessageNotSentError, MessageRepository, SentMessageCache } from '@app/domain';

export interface Receipt {
  /** The gateway's id for the message. */
  messageId: string;
  sentAt: Date;
  /** Where it was read: Redis, or PostgreSQL when Redis has no readable copy or does not answer. */
  source: 'cache' | 'database';
}

/**
 * The gateway's receipt for a sent message: from the cache first, from the messages table when
 * the cache has none (never cached, expired, unreadable, Redis down or not configured).
 */
@Injectable()
export class GetReceipt {
  constructor(
    private readonly cache: SentMessageCache,
    private readonly messages: MessageRepository,
  ) {}

  async execute(id: string): Promise<Receipt> {
    const cached = await this.cache.get(id);
    if (cached) return { messageId: cached.messageId, sentAt: cached.sentAt, source: 'cache' };
    const message = await this.messages.findById(id);
    if (!message) throw new MessageNotFoundError(id);
    if (message.status !== 'sent' || message.gatewayMessageId === null || message.sentAt === null) throw new MessageNotSentError(id, message.status);
    return { messageId: message.gatewayMessageId, sentAt: message.sentAt, source: 'database' };
  }
}
