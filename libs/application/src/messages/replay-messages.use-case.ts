import { Injectable, Logger } from '@nestjs/common';
import { type Actor, Clock, MessageRepository, type MessageStatus, type ReplayFilter, replayableStatuses, UNNAMED_ACTOR } from '@app/domain';

export interface ReplayMessagesCommand extends Omit<ReplayFilter, 'statuses'> {
  /** The states to replay from; any that cannot be replayed refuses the whole command. */
  statuses: readonly MessageStatus[];
  /** Count what would be replayed and change nothing. */
  dryRun: boolean;
  /** Who asked; written to the operator log (not on a dry run). */
  actor?: Actor;
  /**
   * The previewToken of a PreviewReplay with the same filter: replay exactly the set the preview
   * showed, or nothing (PreviewChangedError) when it has changed since.
   */
  previewToken?: string;
}

/**
 * Puts every failed / unknown / expired message matching the filter back to pending. A command
 * naming another status (pending, sending, sent) is refused with ReplayRefusedError, the error
 * the replay of one message gets: replaying those could send them twice. The operator log gets one
 * entry with the count, in the same transaction as the replays.
 */
@Injectable()
export class ReplayMessages {
  private readonly logger = new Logger(ReplayMessages.name);

  constructor(
    private readonly messages: MessageRepository,
    private readonly clock: Clock,
  ) {}

  async execute({ dryRun, actor = UNNAMED_ACTOR, previewToken, ...command }: ReplayMessagesCommand): Promise<{ count: number }> {
    const statuses = replayableStatuses(command.statuses);
    const count = await this.messages.replayMatching({ ...command, statuses }, this.clock.now(), dryRun, {
      actor,
      ...(previewToken === undefined ? {} : { expectedFingerprint: previewToken, logDetail: { previewToken } }),
    });
    if (!dryRun) this.logger.log(`replayed ${count} message(s) (${statuses.join(', ')}) for ${actor.source} ${actor.id}`);
    return { count };
  }
}
