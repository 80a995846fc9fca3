import { Injectable } from '@nestjs/common';
import { type ListQuery, type Message, MessageRepository, type Page } from '@app/domain';

/** Messages newest first, optionally of one status and of one priority, a page at a time. */
@Injectable()
export class ListMessages {
  constructor(private readonly messages: MessageRepository) {}

  execute(query: ListQuery): Promise<Page<Message>> {
    return this.messages.list(query);
  }
}
