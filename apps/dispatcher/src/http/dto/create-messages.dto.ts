import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsObject, IsOptional } from 'class-validator';
import { MAX_BATCH_MESSAGES } from '@app/application';
import type { FieldViolation } from '@app/domain';
import { FieldViolationDto } from '../error-body.js';
import { CreateMessageDto } from './create-message.dto.js';

const EXAMPLE_ID = '0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11';
const EXAMPLE_PHONE_PROBLEM = 'phoneNumber must be in E.164 format: + then country code and number, digits only (e.g. +905551111111)';

/**
 * The body of a batch create. Only its shape is checked here; each item is checked by
 * parseBatchItem and the use case, so that one bad item is that item's error, not the batch's.
 */
export class CreateMessagesDto {
  @ApiProperty({
    type: [CreateMessageDto],
    minItems: 1,
    maxItems: MAX_BATCH_MESSAGES,
    description: `1 to ${MAX_BATCH_MESSAGES} messages, each with the fields and rules of a single create`,
    example: [
      { phoneNumber: '+905551111111', content: 'hello' },
      { phoneNumber: '+905552222222', content: 'see you at 8', sendAfter: '2026-11-22T18:00:00Z', expiresAt: '2026-11-22T20:00:00Z' },
      { phoneNumber: '+905553333333', content: 'your code is 481516', priority: 100 },
    ],
  })
  @IsArray({ message: 'messages must be an array' })
  @ArrayMinSize(1, { message: `messages must hold 1 to ${MAX_BATCH_MESSAGES} items` })
  @ArrayMaxSize(MAX_BATCH_MESSAGES, { message: `messages must hold 1 to ${MAX_BATCH_MESSAGES} items` })
  @IsObject({ each: true, message: 'each item of messages must be an object' })
  messages!: Record<string, unknown>[];
}

export class CreateMessagesQueryDto {
  @ApiPropertyOptional({
    enum: ['true', 'false'],
    default: 'false',
    description: 'true: all or none; one bad item refuses the whole batch with a 400 naming every bad item, and nothing is created',
  })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'atomic must be true or false' })
  atomic?: 'true' | 'false';
}

export class BatchItemErrorDto {
  @ApiProperty({ example: 'VALIDATION_FAILED', description: 'The code a single create of this item would get' })
  code!: string;

  @ApiProperty({ example: `phoneNumber: ${EXAMPLE_PHONE_PROBLEM}` })
  message!: string;

  @ApiProperty({ type: [FieldViolationDto] })
  details!: FieldViolation[];
}

export class CreatedItemDto {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_ID, description: 'The new message, pending' })
  id!: string;
}

export class RefusedItemDto {
  @ApiProperty({ type: BatchItemErrorDto })
  error!: BatchItemErrorDto;
}

export class CreateMessagesResultDto {
  @ApiProperty({
    type: 'array',
    items: { oneOf: [{ $ref: getSchemaPath(CreatedItemDto) }, { $ref: getSchemaPath(RefusedItemDto) }] },
    description: 'One result per item, in request order: { id } for a created message, { error } for a refused item',
    example: [
      { id: EXAMPLE_ID },
      {
        error: {
          code: 'VALIDATION_FAILED',
          message: `phoneNumber: ${EXAMPLE_PHONE_PROBLEM}`,
          details: [{ field: 'phoneNumber', messages: [EXAMPLE_PHONE_PROBLEM] }],
        },
      },
    ],
  })
  results!: (CreatedItemDto | RefusedItemDto)[];

  @ApiProperty({ example: 1, description: 'Messages created' })
  created!: number;

  @ApiProperty({ example: 1, description: 'Items refused' })
  failed!: number;
}
