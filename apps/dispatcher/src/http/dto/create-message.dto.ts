import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { dateTimeProperty } from '../api-docs.js';
import { IsOptional, IsString } from 'class-validator';
import { IsPriority, PRIORITY_SCHEMA } from '../priority.js';
import { IsRfc3339DateTime } from '../rfc3339.js';

export class CreateMessageDto {
  @ApiProperty({
    pattern: '^\\+[1-9]\\d{6,14}$',
    example: '+905551111111',
    description: 'Recipient in E.164 format (+, country code and number, 7 to 15 digits), a valid number for its country',
  })
  @IsString()
  phoneNumber!: string;

  @ApiProperty({
    minLength: 1,
    example: 'hello',
    description:
      'Text, 1 to MESSAGE_MAX_LENGTH (default 160) characters, not only white space; valid Unicode with no NUL and no lone surrogate. ' +
      '"ğ" and "😀" count as one each (user-perceived characters)',
  })
  @IsString()
  content!: string;

  @ApiPropertyOptional(dateTimeProperty('Not sent before this time', '2026-11-22T18:00:00Z'))
  @IsOptional()
  @IsRfc3339DateTime()
  sendAfter?: string;

  @ApiPropertyOptional(
    dateTimeProperty('Never sent after this time: it becomes expired instead. In the future, and later than sendAfter', '2026-11-22T20:00:00Z'),
  )
  @IsOptional()
  @IsRfc3339DateTime()
  expiresAt?: string;

  @ApiPropertyOptional({
    ...PRIORITY_SCHEMA,
    nullable: true,
    example: 100,
    description:
      'How urgent it is: higher goes first, the oldest first within a priority (e.g. 100 for a one-time password, -50 for a campaign). ' +
      'It only decides which due messages a tick takes. Left out or null: 0',
  })
  @IsOptional()
  @IsPriority()
  priority?: number | null;
}
