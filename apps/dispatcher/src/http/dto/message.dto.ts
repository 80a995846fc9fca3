import { ApiProperty, OmitType } from '@nestjs/swagger';
import {
  ACTOR_SOURCES,
  type AttemptOutcome,
  type AttemptRecord,
  type DecisionRecord,
  type Message,
  MESSAGE_STATUSES,
  type MessageStatus,
  type PriorityCount,
  type ReplayRecord,
  REPLAYABLE_STATUSES,
  SETTLEMENT_OUTCOMES,
} from '@app/domain';
import { PRIORITY_SCHEMA } from '../priority.js';

const EXAMPLE_ID = '0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11';
const EXAMPLE_GATEWAY_ID = '67f2f8a8-ea58-4ed0-a6f9-ff217df4d849';

/** A sent message as the sent list shows it. */
export class SentMessageDto {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_ID })
  id!: string;

  @ApiProperty({ example: '+905551111111' })
  phoneNumber!: string;

  @ApiProperty({ example: 'hello' })
  content!: string;

  @ApiProperty({ enum: MESSAGE_STATUSES, example: 'sent' })
  status!: MessageStatus;

  @ApiProperty({ ...PRIORITY_SCHEMA, example: 0, description: 'Higher goes first; the oldest first within a priority' })
  priority!: number;

  @ApiProperty({ type: String, nullable: true, example: EXAMPLE_GATEWAY_ID, description: "The gateway's messageId" })
  messageId!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-11-22T10:00:02.000Z' })
  sentAt!: Date | null;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-22T10:00:00.000Z' })
  createdAt!: Date;

  @ApiProperty({
    example: true,
    description: 'Whether its receipt is in Redis now (GET /api/v1/messages/{id}/receipt reads it from there); false while Redis is down or not configured',
  })
  cached!: boolean;

  /** Every field but `cached`, which the sent list adds (one Redis look-up per page). */
  static from(message: Message): Omit<SentMessageDto, 'cached'> {
    return {
      id: message.id,
      phoneNumber: message.phoneNumber,
      content: message.content,
      status: message.status,
      priority: message.priority,
      messageId: message.gatewayMessageId,
      sentAt: message.sentAt,
      createdAt: message.createdAt,
    };
  }
}

/** A message with its whole delivery state (the sent list's fields but `cached`). */
export class MessageDto extends OmitType(SentMessageDto, ['cached'] as const) {
  @ApiProperty({ example: 1, description: 'Delivery attempts made so far' })
  attemptCount!: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null, description: 'Earliest time of the next attempt (pending retries)' })
  nextAttemptAt!: Date | null;

  @ApiProperty({ type: String, nullable: true, example: null, description: 'Why the last attempt failed, or why the message was failed' })
  failureReason!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null, description: 'Not sent before this time' })
  sendAfter!: Date | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null, description: 'Never sent after this time' })
  expiresAt!: Date | null;

  @ApiProperty({ example: 0, description: 'Times an operator replayed it' })
  replayCount!: number;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-22T10:00:02.000Z' })
  updatedAt!: Date;

  static from(message: Message): MessageDto {
    return {
      ...SentMessageDto.from(message),
      attemptCount: message.attemptCount,
      nextAttemptAt: message.nextAttemptAt,
      failureReason: message.failureReason,
      sendAfter: message.sendAfter,
      expiresAt: message.expiresAt,
      replayCount: message.replayCount,
      updatedAt: message.updatedAt,
    };
  }
}

export class AttemptDto {
  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-22T10:00:02.000Z' })
  at!: Date;

  @ApiProperty({ type: Number, nullable: true, example: 202, description: 'HTTP status, null when no answer came' })
  statusCode!: number | null;

  @ApiProperty({ enum: ['accepted', 'retryable', 'rejected', 'unknown'], example: 'accepted' })
  outcome!: AttemptOutcome;

  @ApiProperty({ type: String, nullable: true, example: null })
  error!: string | null;

  @ApiProperty({ example: 41 })
  latencyMs!: number;

  static from(attempt: AttemptRecord): AttemptDto {
    return { at: attempt.at, statusCode: attempt.statusCode, outcome: attempt.outcome, error: attempt.error, latencyMs: attempt.latencyMs };
  }
}

export class ReplayDto {
  @ApiProperty({ type: String, format: 'date-time' })
  at!: Date;

  @ApiProperty({ enum: REPLAYABLE_STATUSES, example: 'unknown' })
  previousStatus!: string;

  @ApiProperty({ type: String, nullable: true, example: 'outcome unknown: no answer from the gateway in time' })
  previousReason!: string | null;

  static from(replay: ReplayRecord): ReplayDto {
    return { at: replay.at, previousStatus: replay.previousStatus, previousReason: replay.previousReason };
  }
}

/** An operator's settlement of the message while it was in doubt. */
export class DecisionDto {
  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-22T11:00:00.000Z' })
  at!: Date;

  @ApiProperty({ enum: ACTOR_SOURCES, example: 'dashboard', description: 'Where the operator acted from' })
  source!: string;

  @ApiProperty({ example: 'session:ops-1', description: 'Who: key:<12 hex digits of the SHA-256 of the API key> or session:<label>' })
  actor!: string;

  @ApiProperty({ enum: SETTLEMENT_OUTCOMES, example: 'sent' })
  outcome!: string;

  @ApiProperty({ example: 'the gateway support desk confirmed delivery of this message', description: "The operator's reason" })
  reason!: string;

  @ApiProperty({ type: String, nullable: true, example: EXAMPLE_GATEWAY_ID, description: "The gateway's messageId the operator gave, if any" })
  gatewayMessageId!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'outcome unknown: no answer from the gateway in time',
    description: 'Why the message was in doubt (its failure reason then)',
  })
  previousReason!: string | null;

  static from(decision: DecisionRecord): DecisionDto {
    return {
      at: decision.at,
      source: decision.actor.source,
      actor: decision.actor.id,
      outcome: decision.outcome,
      reason: decision.reason,
      gatewayMessageId: decision.gatewayMessageId,
      previousReason: decision.previousReason,
    };
  }
}

/** A message with every attempt, replay and operator's decision, oldest first. */
export class MessageDetailsDto extends MessageDto {
  @ApiProperty({ type: [AttemptDto] })
  attempts!: AttemptDto[];

  @ApiProperty({ type: [ReplayDto] })
  replays!: ReplayDto[];

  @ApiProperty({ type: [DecisionDto], description: "Operators' settlements of the message while it was in doubt (POST /api/v1/messages/{id}/settle)" })
  decisions!: DecisionDto[];

  static fromDetails(details: { message: Message; attempts: AttemptRecord[]; replays: ReplayRecord[]; decisions: DecisionRecord[] }): MessageDetailsDto {
    return {
      ...MessageDto.from(details.message),
      attempts: details.attempts.map((a) => AttemptDto.from(a)),
      replays: details.replays.map((r) => ReplayDto.from(r)),
      decisions: details.decisions.map((d) => DecisionDto.from(d)),
    };
  }
}

export class SentMessagePageDto {
  @ApiProperty({ type: [SentMessageDto] })
  items!: SentMessageDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'WyJzZW50IiwiMjAyNi0xMS0yMlQxMDowMDowMi4wMDBaIiwiNDIiXQ',
    description: 'Pass as cursor for the next page; null on the last page',
  })
  nextCursor!: string | null;
}

export class MessagePageDto {
  @ApiProperty({ type: [MessageDto] })
  items!: MessageDto[];

  @ApiProperty({ type: String, nullable: true, example: 'WyJhbGwiLCI0MiJd', description: 'Pass as cursor for the next page; null on the last page' })
  nextCursor!: string | null;
}

export class StatusCountsDto {
  @ApiProperty({ example: 3 }) pending!: number;
  @ApiProperty({ example: 0 }) sending!: number;
  @ApiProperty({ example: 40 }) sent!: number;
  @ApiProperty({ example: 1 }) failed!: number;
  @ApiProperty({ example: 0 }) unknown!: number;
  @ApiProperty({ example: 0 }) expired!: number;
}

export class PriorityCountDto {
  @ApiProperty({ ...PRIORITY_SCHEMA, example: 100 })
  priority!: number;

  @ApiProperty({ type: 'integer', minimum: 1, example: 2, description: 'Pending messages of this priority' })
  pending!: number;
}

export class MessageStatsDto {
  @ApiProperty({ example: 44 })
  total!: number;

  @ApiProperty({ type: StatusCountsDto })
  byStatus!: StatusCountsDto;

  @ApiProperty({
    type: [PriorityCountDto],
    description: 'Pending messages per priority, the highest (the next to go) first; a priority with none is left out',
    example: [
      { priority: 100, pending: 2 },
      { priority: 0, pending: 1 },
    ],
  })
  byPriority!: PriorityCount[];
}
