import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, ValidateBy } from 'class-validator';
import { MAX_SEARCH_LENGTH, MESSAGE_STATUSES, type MessageStatus } from '@app/domain';
import { dateTimeQueryProperty } from '../api-docs.js';
import { IsPriority, PRIORITY_SCHEMA } from '../priority.js';
import { IsRfc3339DateTime } from '../rfc3339.js';
import { WholeNumberQuery } from '../whole-number-query.js';

export class PageQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20, example: 20, description: 'Items per page' })
  @IsOptional()
  @WholeNumberQuery()
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
  @WholeNumberQuery()
  @IsPriority()
  priority?: number;

  @ApiPropertyOptional({
    maxLength: MAX_SEARCH_LENGTH,
    example: '+905551111111',
    description:
      'Search: a UUID finds the message of that id, or the messages the gateway gave that messageId; a phone number in E.164 form ' +
      '(spaces, dashes, dots and parentheses are ignored; write + as %2B) the messages to that number; anything else the messages ' +
      'whose failure reason holds the text, ignoring case (it must hold 3 letters or digits in a row, else 400). Blank is no search. ' +
      'Each search is served by an index',
  })
  @IsOptional()
  @ValidateBy({
    name: 'isSearch',
    validator: {
      validate: (value) => typeof value === 'string' && value.length <= MAX_SEARCH_LENGTH && !value.includes('\u0000'),
      defaultMessage: () => `q must be a text of at most ${MAX_SEARCH_LENGTH} characters, without NUL`,
    },
  })
  q?: string;

  @ApiPropertyOptional(dateTimeQueryProperty('Only messages created at or after this time', '2026-11-22T00:00:00Z'))
  @IsOptional()
  @IsRfc3339DateTime()
  from?: string;

  @ApiPropertyOptional(
    dateTimeQueryProperty('Only messages created before this time (a range that ends before it starts holds nothing)', '2026-11-23T00:00:00Z'),
  )
  @IsOptional()
  @IsRfc3339DateTime()
  to?: string;
}
