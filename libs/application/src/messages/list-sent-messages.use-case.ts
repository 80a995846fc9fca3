import { Injectable } from '@nestjs/common';
import { type Message, MessageRepository, type Page, type PageQuery } from '@app/domain';

/** Sent messages, most recently sent first, a page at a time. */
@Injectable()
export class ListSentMessages {
  constructor(private readonly messages: MessageRepository) {}

  execute(query: PageQuery): Promise<Page<Message>> {
    return this.messages.listSent(query);
  }
}
