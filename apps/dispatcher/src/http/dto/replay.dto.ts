import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { dateTimeProperty } from '../api-docs.js';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsBoolean, IsIn, IsOptional, Matches } from 'class-validator';
import { MESSAGE_STATUSES } from '@app/domain';
import { IsRfc3339DateTime } from '../rfc3339.js';

/** Which messages a bulk replay (or its preview) takes. */
export class ReplayFilterDto {
  @ApiProperty({
    isArray: true,
    enum: ['failed', 'unknown', 'expired'],
    minItems: 1,
    maxItems: MESSAGE_STATUSES.length,
    example: ['failed', 'unknown'],
    description: 'Replay messages in these states (any other status is a 409)',
  })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(MESSAGE_STATUSES.length)
  @IsIn(MESSAGE_STATUSES, { each: true, message: `each status must be one of ${MESSAGE_STATUSES.join(', ')}` })
  status!: string[];

  @ApiPropertyOptional(dateTimeProperty('Only messages that reached their state at or after this time', '2026-11-22T00:00:00Z'))
  @IsOptional()
  @IsRfc3339DateTime()
  from?: string;

  @ApiPropertyOptional(dateTimeProperty('Only messages that reached their state before this time; later than from', '2026-11-23T00:00:00Z'))
  @IsOptional()
  @IsRfc3339DateTime()
  to?: string;
}

export class ReplayMessagesDto extends ReplayFilterDto {
  @ApiPropertyOptional({
    type: Boolean,
    nullable: true,
    default: false,
    description: 'Count what would be replayed, change nothing; null is the same as leaving it out',
  })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    pattern: '^[0-9a-f]{32}$',
    example: '9b2f4c1d8e7a6b5c4d3e2f1a0b9c8d7e',
    description:
      'The previewToken of POST /api/v1/messages/replay/preview with the same status, from and to: replay exactly the set the preview showed. ' +
      'If that set has changed since (a message came in, went out or moved), nothing is replayed and the answer is a 409 PREVIEW_CHANGED. ' +
      'Null is the same as leaving it out (replay whatever matches now)',
  })
  @IsOptional()
  @Matches(/^[0-9a-f]{32}$/, { message: 'previewToken must be a previewToken of POST /api/v1/messages/replay/preview (32 lower-case hex digits)' })
  previewToken?: string | null;
}

export class ReplayCountDto {
  @ApiProperty({ type: 'integer', minimum: 0, example: 12, description: 'Messages replayed (or, on a dry run, that would be)' })
  count!: number;
}

export class ReplayStatusCountsDto {
  @ApiProperty({ type: 'integer', minimum: 0, example: 9 }) failed!: number;
  @ApiProperty({ type: 'integer', minimum: 0, example: 3 }) unknown!: number;
  @ApiProperty({ type: 'integer', minimum: 0, example: 0 }) expired!: number;
}

export class ReplayReasonCountDto {
  @ApiProperty({ type: String, nullable: true, example: 'gateway answered 400: bad number', description: 'A failure reason; null for messages without one' })
  reason!: string | null;

  @ApiProperty({ type: 'integer', minimum: 1, example: 7 })
  count!: number;
}

/** What a bulk replay with this filter would do now. */
export class ReplayPreviewDto {
  @ApiProperty({ type: 'integer', minimum: 0, example: 12, description: 'Messages a replay with this filter would put back to pending now' })
  count!: number;

  @ApiProperty({ type: ReplayStatusCountsDto, description: 'How many of them are in each state (states not asked for count 0)' })
  byStatus!: ReplayStatusCountsDto;

  @ApiProperty({
    type: [ReplayReasonCountDto],
    maxItems: 10,
    description: 'The 10 most frequent failure reasons among them, most frequent first',
    example: [
      { reason: 'gateway answered 400: bad number', count: 7 },
      { reason: 'outcome unknown: no answer within 10000 ms', count: 3 },
    ],
  })
  byReason!: ReplayReasonCountDto[];

  @ApiProperty({
    type: 'array',
    maxItems: 20,
    items: { type: 'string', format: 'uuid' },
    example: ['0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11'],
    description: 'Up to 20 of their ids, newest first',
  })
  sampleIds!: string[];

  @ApiProperty({
    type: 'number',
    minimum: 0,
    example: 720,
    description: 'How long sending them would take at the current cadence: ceil(count / DISPATCH_BATCH_SIZE) × DISPATCH_INTERVAL_MS, in seconds',
  })
  drainSeconds!: number;

  @ApiProperty({
    pattern: '^[0-9a-f]{32}$',
    example: '9b2f4c1d8e7a6b5c4d3e2f1a0b9c8d7e',
    description: 'A fingerprint of exactly this set and filter: pass it as previewToken to POST /api/v1/messages/replay to replay this set or nothing',
  })
  previewToken!: string;
}
