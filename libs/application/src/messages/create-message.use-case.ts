import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Clock, IdempotencyKeyReusedError, type Message, MessageRepository, ValidationError } from '@app/domain';
import { MessageSettings } from '../message-settings.js';
import type { CreateMessageCommand } from './create-message.command.js';
import { canonicalFields, newMessageViolations, priorityOf } from './new-message-rules.js';

export interface CreatedMessage {
  message: Message;
  /** True when an earlier request with the same Idempotency-Key created it. */
  replayed: boolean;
}

/**
 * Queues a new message as pending after checking every field, reporting every bad field at
 * once. With an Idempotency-Key, the same request again returns the first message (even 20 at
 * once: the database's unique index decides); the same key with another request is refused.
 */
@Injectable()
export class CreateMessage {
  constructor(
    private readonly messages: MessageRepository,
    private readonly clock: Clock,
    private readonly settings: MessageSettings,
  ) {}

  async execute(command: CreateMessageCommand): Promise<CreatedMessage> {
    const key = command.idempotencyKey ?? null;
    const requestHash = key ? fingerprint(command) : null;
    // A retry of a request that already created its message gets that message back, even if
    // its expiresAt has passed since (the first answer was lost, not the message).
    const earlier = key ? await this.messages.findByIdempotencyKey(key) : null;
    if (earlier) {
      if (earlier.requestHash !== requestHash) throw new IdempotencyKeyReusedError(key as string);
      return { message: earlier.message, replayed: true };
    }
    this.validate(command);
    const result = await this.messages.create({
      phoneNumber: command.phoneNumber,
      content: command.content,
      sendAfter: command.sendAfter ?? null,
      expiresAt: command.expiresAt ?? null,
      priority: priorityOf(command),
      idempotencyKey: key,
      requestHash,
    });
    if (!result.created && result.requestHash !== requestHash) throw new IdempotencyKeyReusedError(key as string);
    return { message: result.message, replayed: !result.created };
  }

  private validate(command: CreateMessageCommand): void {
    const violations = newMessageViolations(command, this.clock.now(), this.settings.maxContentLength);
    if (violations.length > 0) throw new ValidationError(violations);
  }
}

/** What makes two creates "the same request". */
function fingerprint(command: CreateMessageCommand): string {
  const canonical = JSON.stringify(canonicalFields(command));
  return createHash('sha256').update(canonical).digest('hex');
}
