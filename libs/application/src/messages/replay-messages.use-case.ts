import { Injectable, Logger } from '@nestjs/common';
import { Clock, MessageRepository, type ReplayFilter } from '@app/domain';

export interface ReplayMessagesCommand extends ReplayFilter {
  /** Count what would be replayed and change nothing. */
  dryRun: boolean;
}

/** Puts every failed / unknown / expired message matching the filter back to pending. */
@Injectable()
export class ReplayMessages {
  private readonly logger = new Logger(ReplayMessages.name);

  constructor(
    private readonly messages: MessageRepository,
    private readonly clock: Clock,
  ) {}

  async execute(command: ReplayMessagesCommand): Promise<{ count: number }> {
    const count = await this.messages.replayMatching(command, this.clock.now(), command.dryRun);
    if (!command.dryRun) this.logger.log(`replayed ${count} message(s) (${command.statuses.join(', ')})`);
    return { count };
  }
}
