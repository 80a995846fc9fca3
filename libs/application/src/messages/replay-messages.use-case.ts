import { Injectable, Logger } from '@nestjs/common';
import { Clock, MessageRepository, type MessageStatus, type ReplayFilter, replayableStatuses } from '@app/domain';

export interface ReplayMessagesCommand extends Omit<ReplayFilter, 'statuses'> {
  /** The states to replay from; any that cannot be replayed refuses the whole command. */
  statuses: readonly MessageStatus[];
  /** Count what would be replayed and change nothing. */
  dryRun: boolean;
}

/**
 * Puts every failed / unknown / expired message matching the filter back to pending. A command
 * naming another status (pending, sending, sent) is refused with ReplayRefusedError, the error
 * the replay of one message gets: replaying those could send them twice.
 */
@Injectable()
export class ReplayMessages {
  private readonly logger = new Logger(ReplayMessages.name);

  constructor(
    private readonly messages: MessageRepository,
    private readonly clock: Clock,
  ) {}

  async execute({ dryRun, ...command }: ReplayMessagesCommand): Promise<{ count: number }> {
    const statuses = replayableStatuses(command.statuses);
    const count = await this.messages.replayMatching({ ...command, statuses }, this.clock.now(), dryRun);
    if (!dryRun) this.logger.log(`replayed ${count} message(s) (${statuses.join(', ')})`);
    return { count };
  }
}
