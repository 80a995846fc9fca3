import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  type BatchItem,
  type BatchItemError,
  type BatchItemResult,
  Clock,
  type FieldViolation,
  IdempotencyKeyReusedError,
  MessageRepository,
  ValidationError,
} from '@app/domain';
import { MessageSettings } from '../message-settings.js';
import { type CreateMessagesCommand, MAX_BATCH_MESSAGES } from './create-messages.command.js';
import { canonicalFields, newMessageViolations, priorityOf } from './new-message-rules.js';

export interface CreatedMessages {
  /** One per item, in request order: the new message's id, or why the item was refused. */
  results: BatchItemResult[];
  created: number;
  failed: number;
  /** True when an earlier request with the same Idempotency-Key got this answer. */
  replayed: boolean;
}

/**
 * Queues up to MAX_BATCH_MESSAGES messages in one statement. Each item meets exactly the rules
 * of a single create; the valid ones are created even when others are refused, or, when atomic,
 * one bad item refuses the batch with every bad field named (`messages[3].phoneNumber`). With an
 * Idempotency-Key, the same request again gets the first answer (even 20 at once: the database
 * decides), and the same key with another request is refused.
 */
@Injectable()
export class CreateMessages {
  constructor(
    private readonly messages: MessageRepository,
    private readonly clock: Clock,
    private readonly settings: MessageSettings,
  ) {}

  async execute(command: CreateMessagesCommand): Promise<CreatedMessages> {
    if (command.items.length === 0 || command.items.length > MAX_BATCH_MESSAGES) {
      throw ValidationError.forField('messages', `messages must hold 1 to ${MAX_BATCH_MESSAGES} items`);
    }
    const key = command.idempotencyKey ?? null;
    const requestHash = key ? fingerprint(command) : null;
    // A retry gets the first answer even if some item would be refused by now (expiresAt passed).
    const earlier = key ? await this.messages.findBatchByIdempotencyKey(key) : null;
    if (earlier) {
      if (earlier.requestHash !== requestHash) throw new IdempotencyKeyReusedError(key as string);
      return summary(earlier.results, true);
    }

    const now = this.clock.now();
    const items = command.items.map((item): BatchItem => {
      if ('rejected' in item) return { error: itemError(item.rejected) };
      const violations = newMessageViolations(item, now, this.settings.maxContentLength);
      if (violations.length > 0) return { error: itemError(violations) };
      return {
        message: {
          phoneNumber: item.phoneNumber,
          content: item.content,
          sendAfter: item.sendAfter ?? null,
          expiresAt: item.expiresAt ?? null,
          priority: priorityOf(item),
        },
      };
    });
    if (command.atomic) {
      const bad = items.flatMap((item, i) =>
        'error' in item ? item.error.details.map((v) => ({ field: `messages[${i}].${v.field}`, messages: v.messages })) : [],
      );
      if (bad.length > 0) throw new ValidationError(bad);
    }

    const stored = await this.messages.createMany(items, key ? { key, requestHash: requestHash as string } : undefined);
    if (!stored.created && stored.requestHash !== requestHash) throw new IdempotencyKeyReusedError(key as string);
    return summary(stored.results, !stored.created);
  }
}

/** The error of one refused item: what a single create of it would have answered. */
function itemError(violations: FieldViolation[]): BatchItemError {
  const error = new ValidationError(violations);
  return { code: error.code, message: error.message, details: error.details };
}

function summary(results: BatchItemResult[], replayed: boolean): CreatedMessages {
  const created = results.filter((r) => 'id' in r).length;
  return { results, created, failed: results.length - created, replayed };
}

/** What makes two batches "the same request": the mode and every item, as parsed. */
function fingerprint(command: CreateMessagesCommand): string {
  const items = command.items.map((item) => ('rejected' in item ? { rejected: item.rejected } : canonicalFields(item)));
  return createHash('sha256')
    .update(JSON.stringify([command.atomic, items]))
    .digest('hex');
}
