import { Injectable, Logger } from '@nestjs/common';
import { type Actor, Clock, type Message, MessageNotFoundError, MessageRepository, UNNAMED_ACTOR } from '@app/domain';

/**
 * Puts one failed, unknown or expired message back to pending with a fresh attempt budget, and
 * records the replay. A sent or in-flight message is refused with ReplayRefusedError (the replay
 * rule, Message.replay, checked under the row's lock): replaying it could send it twice. A
 * pending one is left as it is. The operator log gets an entry naming `actor`, in the same
 * transaction as the replay.
 */
@Injectable()
export class ReplayMessage {
  private readonly logger = new Logger(ReplayMessage.name);

  constructor(
    private readonly messages: MessageRepository,
    private readonly clock: Clock,
  ) {}

  async execute(id: string, actor: Actor = UNNAMED_ACTOR): Promise<Message> {
    const result = await this.messages.replay(id, this.clock.now(), actor);
    if (!result) throw new MessageNotFoundError(id);
    if (result.replayedFrom) this.logger.log(`message ${id} replayed from ${result.replayedFrom} by ${actor.source} ${actor.id}`);
    return result.message;
  }
}
