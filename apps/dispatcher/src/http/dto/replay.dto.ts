import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsBoolean, IsIn, IsISO8601, IsOptional } from 'class-validator';
import { MESSAGE_STATUSES } from '@app/domain';

export class ReplayMessagesDto {
  @ApiProperty({ type: [String], enum: ['failed', 'unknown', 'expired'], example: ['failed', 'unknown'], description: 'Replay messages in these states' })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(MESSAGE_STATUSES.length)
  @IsIn(MESSAGE_STATUSES, { each: true, message: `each status must be one of ${MESSAGE_STATUSES.join(', ')}` })
  status!: string[];

  @ApiPropertyOptional({ format: 'date-time', example: '2026-11-22T00:00:00Z', description: 'Only messages that reached their state at or after this time' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO-8601 date-time' })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', example: '2026-11-23T00:00:00Z', description: 'Only messages that reached their state before this time' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO-8601 date-time' })
  to?: string;

  @ApiPropertyOptional({ default: false, description: 'Count what would be replayed, change nothing' })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}

export class ReplayCountDto {
  @ApiProperty({ example: 12, description: 'Messages replayed (or, on a dry run, that would be)' })
  count!: number;
}
