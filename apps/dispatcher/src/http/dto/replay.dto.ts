import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { dateTimeProperty } from '../api-docs.js';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsBoolean, IsIn, IsOptional } from 'class-validator';
import { MESSAGE_STATUSES } from '@app/domain';
import { IsRfc3339DateTime } from '../rfc3339.js';

export class ReplayMessagesDto {
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

  @ApiPropertyOptional({
    type: Boolean,
    nullable: true,
    default: false,
    description: 'Count what would be replayed, change nothing; null is the same as leaving it out',
  })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}

export class ReplayCountDto {
  @ApiProperty({ type: 'integer', minimum: 0, example: 12, description: 'Messages replayed (or, on a dry run, that would be)' })
  count!: number;
}
