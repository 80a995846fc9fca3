import { Injectable, Logger } from '@nestjs/common';
import { Clock, MessageRepository } from '@app/domain';
import { DispatchSettings } from '../dispatch-settings.js';

export interface HousekeepingReport {
  /** Claimed by a sender that died before their requests started: pending again, no attempt counted. */
  requeued: number;
  /** Their request may have gone out when their sender died: `unknown` (or pending again, under resend). */
  inDoubt: number;
  expired: number;
}

/**
 * Settles what crashed senders and deadlines left behind, and folds the status counts; run by
 * the leader at every step, before it ticks.
 */
@Injectable()
export class Housekeeping {
  private readonly logger = new Logger(Housekeeping.name);

  constructor(
    private readonly messages: MessageRepository,
    private readonly clock: Clock,
    private readonly settings: DispatchSettings,
  ) {}

  async execute(): Promise<HousekeepingReport> {
    const now = this.clock.now();
    const policy = this.settings.inDoubtPolicy;
    const { requeued, inDoubt } = await this.messages.releaseAbandonedClaims(now, policy);
    const expired = await this.messages.expireOverdue(now);
    await this.messages.compactStatusCounts();
    if (requeued > 0) {
      this.logger.log({ msg: `${requeued} message(s) claimed by a sender that died before sending them are pending again`, requeued });
    }
    if (inDoubt > 0) {
      this.logger.warn({
        msg: `${inDoubt} message(s) were being sent by a sender that died: ${policy === 'hold' ? 'now unknown' : 'queued again'}`,
        inDoubt,
        inDoubtPolicy: policy,
      });
    }
    if (expired > 0) this.logger.log({ msg: `${expired} message(s) expired before they could be sent`, expired });
    return { requeued, inDoubt, expired };
  }
}
