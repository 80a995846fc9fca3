import { Injectable, Logger } from '@nestjs/common';
import { Clock, type Message, MessageNotFoundError, MessageRepository } from '@app/domain';

/**
 * Puts one failed, unknown or expired message back to pending with a fresh attempt budget, and
 * records the replay. A sent or in-flight message is refused with ReplayRefusedError (the replay
 * rule, Message.replay, checked under the row's lock): replaying it could send it twice. A
 * pending one is left as it is.
 */
@Injectable()
export class ReplayMessage {
  private readonly logger = new Logger(ReplayMessage.name);

  constructor(
    private readonly messages: MessageRepository,
    private readonly clock: Clock,
  ) {}

  async execute(id: string): Promise<Message> {
    const result = await this.messages.replay(id, this.clock.now());
    if (!result) throw new MessageNotFoundError(id);
    if (result.replayedFrom) this.logger.log(`message ${id} replayed from ${result.replayedFrom}`);
    return result.message;
  }
}
