import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { MESSAGE_STATUSES, type MessageStatus } from '@app/domain';
import { IsPriority, PRIORITY_SCHEMA } from '../priority.js';

export class PageQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20, example: 20, description: 'Items per page' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number from 1 to 100' })
  @Min(1, { message: 'limit must be a whole number from 1 to 100' })
  @Max(100, { message: 'limit must be a whole number from 1 to 100' })
  limit: number = 20;

  @ApiPropertyOptional({ maxLength: 512, description: 'nextCursor from the previous page of this list (opaque)' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

export class ListMessagesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: MESSAGE_STATUSES, description: 'Only messages in this status' })
  @IsOptional()
  @IsIn(MESSAGE_STATUSES, { message: `status must be one of ${MESSAGE_STATUSES.join(', ')}` })
  status?: MessageStatus;

  @ApiPropertyOptional({
    type: PRIORITY_SCHEMA.type,
    minimum: PRIORITY_SCHEMA.minimum,
    maximum: PRIORITY_SCHEMA.maximum,
    example: 100,
    description: 'Only messages of this priority',
  })
  @IsOptional()
  @Type(() => Number)
  @IsPriority()
  priority?: number;
}
