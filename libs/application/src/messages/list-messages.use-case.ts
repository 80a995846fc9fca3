import { Injectable } from '@nestjs/common';
import { type ListQuery, type Message, MessageRepository, type Page, parseMessageSearch, searchProblem, ValidationError } from '@app/domain';

export interface ListMessagesQuery extends Omit<ListQuery, 'search' | 'createdFrom' | 'createdTo'> {
  /**
   * A search: a UUID finds the message of that id or with that gateway messageId; a phone number
   * (E.164; spaces, dashes, dots and parentheses are ignored) the messages to it; anything else the
   * messages whose failure reason holds it, ignoring case (it must hold 3 letters or digits in a
   * row: searchProblem). Blank: no search.
   */
  q?: string;
  /** Only messages created at or after this time. */
  from?: Date;
  /** Only messages created before this time (a range that ends before it starts holds nothing). */
  to?: Date;
}

/** Messages newest first, optionally of one status and of one priority, found by a search and in a time range, a page at a time. */
@Injectable()
export class ListMessages {
  constructor(private readonly messages: MessageRepository) {}

  async execute({ q, from, to, ...query }: ListMessagesQuery): Promise<Page<Message>> {
    const problem = q === undefined ? null : searchProblem(q);
    if (problem) throw ValidationError.forField('q', problem);
    for (const [field, date] of [
      ['from', from],
      ['to', to],
    ] as const) {
      if (date !== undefined && Number.isNaN(date.getTime())) throw ValidationError.forField(field, `${field} must be a date-time`);
    }
    return this.messages.list({
      ...query,
      ...(q === undefined ? {} : { search: parseMessageSearch(q) }),
      ...(from === undefined ? {} : { createdFrom: from }),
      ...(to === undefined ? {} : { createdTo: to }),
    });
  }
}
