import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ACTOR_SOURCES, OPERATOR_ACTIONS, type OperatorAction, type OperatorLogEntry } from '@app/domain';
import { WholeNumberQuery } from '../whole-number-query.js';

const LIMIT_PROBLEM = 'limit must be a whole number from 1 to 100';

export class AuditQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 50, example: 50, description: 'Entries per page' })
  @IsOptional()
  @WholeNumberQuery()
  @IsInt({ message: LIMIT_PROBLEM })
  @Min(1, { message: LIMIT_PROBLEM })
  @Max(100, { message: LIMIT_PROBLEM })
  limit: number = 50;

  @ApiPropertyOptional({ maxLength: 512, description: 'nextCursor from the previous page of this list (opaque)' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;

  @ApiPropertyOptional({ enum: OPERATOR_ACTIONS, description: 'Only entries of this action' })
  @IsOptional()
  @IsIn(OPERATOR_ACTIONS, { message: `action must be one of ${OPERATOR_ACTIONS.join(', ')}` })
  action?: OperatorAction;
}

/** One entry of the operator log. */
export class AuditEntryDto {
  @ApiProperty({ type: 'integer', minimum: 1, example: 42, description: 'Entries are numbered in the order they were written' })
  id!: number;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-22T10:00:00.000Z', description: "When, by the database's clock" })
  at!: Date;

  @ApiProperty({ enum: ACTOR_SOURCES, example: 'api', description: 'Where the operator acted from' })
  source!: string;

  @ApiProperty({
    example: 'key:3f2a9c0b7d1e',
    description:
      'Who: for the API, key: and the first 12 hex digits of the SHA-256 of the x-ins-auth-key used (never the key); ' +
      'for the dashboard, session: and the session label',
  })
  actor!: string;

  @ApiProperty({ enum: OPERATOR_ACTIONS, example: 'replay' })
  action!: string;

  @ApiProperty({ type: 'integer', minimum: 0, example: 12, description: 'Messages the action changed (0 for start and stop)' })
  messageCount!: number;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { statuses: ['failed'], from: '2026-11-22T00:00:00.000Z', to: null },
    description:
      'What exactly: a bulk replay its filter (statuses, from, to, and previewToken when given); a replay of one message its messageId and ' +
      'previousStatus; a settlement the messageId, outcome, reason and gatewayMessageId; start and stop nothing',
  })
  detail!: Record<string, unknown>;

  static from(entry: OperatorLogEntry): AuditEntryDto {
    return {
      id: entry.id,
      at: entry.at,
      source: entry.actor.source,
      actor: entry.actor.id,
      action: entry.action,
      messageCount: entry.messageCount,
      detail: entry.detail,
    };
  }
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEntryDto] })
  items!: AuditEntryDto[];

  @ApiProperty({ type: String, nullable: true, example: 'WyJhdWRpdCIsIjQyIl0', description: 'Pass as cursor for the next page; null on the last page' })
  nextCursor!: string | null;
}
