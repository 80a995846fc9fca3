import { Injectable, Logger } from '@nestjs/common';
import {
  type Actor,
  Clock,
  MessageNotFoundError,
  MessageRepository,
  SentMessageCache,
  type SettlementOutcome,
  settlementViolations,
  UNNAMED_ACTOR,
  ValidationError,
} from '@app/domain';
import type { MessageDetails } from './get-message.use-case.js';

export interface SettleMessageCommand {
  id: string;
  outcome: SettlementOutcome;
  /** Why the operator decided so (1 to 500 characters): kept in the message's history and the operator log. */
  reason: string;
  /** The gateway's messageId, when the operator knows it; only with `sent`. */
  gatewayMessageId?: string | null;
  actor?: Actor;
}

/**
 * An operator settles a message in doubt (`unknown`) by hand: the gateway has it (`sent`) or not
 * (`failed`, reason `settled by operator: <reason>`). Refused for any other state
 * (NotInDoubtError). The decision goes into the message's history and the operator log in the
 * transaction that changes the message; a `sent` with a gatewayMessageId also caches its receipt
 * (best effort, as after a send). Answers the message as GetMessage shows it.
 */
@Injectable()
export class SettleMessage {
  private readonly logger = new Logger(SettleMessage.name);

  constructor(
    private readonly messages: MessageRepository,
    private readonly cache: SentMessageCache,
    private readonly clock: Clock,
  ) {}

  async execute({ id, actor = UNNAMED_ACTOR, ...settlement }: SettleMessageCommand): Promise<MessageDetails> {
    const violations = settlementViolations(settlement);
    if (violations.length > 0) throw new ValidationError(violations);
    const message = await this.messages.settle(id, settlement, this.clock.now(), actor);
    if (!message) throw new MessageNotFoundError(id);
    this.logger.log(`message ${id} settled as ${settlement.outcome} by ${actor.source} ${actor.id}`);
    if (message.status === 'sent' && message.gatewayMessageId !== null && message.sentAt !== null) {
      await this.cache.put(id, { messageId: message.gatewayMessageId, sentAt: message.sentAt }).catch(() => undefined);
    }
    return { message, ...(await this.messages.history(id)) };
  }
}
