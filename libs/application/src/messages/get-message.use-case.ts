import { Injectable } from '@nestjs/common';
import { type Message, type MessageHistory, MessageNotFoundError, MessageRepository } from '@app/domain';

export interface MessageDetails extends MessageHistory {
  message: Message;
}

/** A message with every attempt and replay, oldest first. */
@Injectable()
export class GetMessage {
  constructor(private readonly messages: MessageRepository) {}

  async execute(id: string): Promise<MessageDetails> {
    const message = await this.messages.findById(id);
    if (!message) throw new MessageNotFoundError(id);
    return { message, ...(await this.messages.history(id)) };
  }
}
