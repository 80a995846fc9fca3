import { Injectable } from '@nestjs/common';
import { type Message, MessageNotFoundError, MessageRepository } from '@app/domain';

@Injectable()
export class GetMessage {
  constructor(private readonly messages: MessageRepository) {}

  async execute(id: string): Promise<Message> {
    const message = await this.messages.findById(id);
    if (!message) throw new MessageNotFoundError(id);
    return message;
  }
}
