import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import type { FieldViolation } from '@app/domain';

const EXAMPLE_PHONE_PROBLEM = 'phoneNumber must be in E.164 format: + then country code and number, digits only (e.g. +905551111111)';

@ApiSchema({ description: 'Why one field of the request was refused' })
export class FieldViolationDto implements FieldViolation {
  @ApiProperty({ example: 'phoneNumber', description: 'The field, as a path into the request: `content`, `messages[3].phoneNumber`' })
  field!: string;

  @ApiProperty({ type: [String], minItems: 1, example: [EXAMPLE_PHONE_PROBLEM], description: 'Every rule the field breaks' })
  messages!: string[];
}

/** The body of every error answer, whoever answers (a controller, the exception filter, a middleware or the HTTP server). */
@ApiSchema({ description: 'The body of every error answer. A stack trace or internal detail is never part of it.' })
export class ErrorBody {
  @ApiProperty({ type: 'integer', minimum: 400, maximum: 599, example: 400, description: 'The HTTP status, repeated' })
  statusCode!: number;

  @ApiProperty({
    example: 'VALIDATION_FAILED',
    pattern: '^[A-Z0-9_]+$',
    description: 'Stable, machine-readable error code (e.g. VALIDATION_FAILED, INVALID_CURSOR, MESSAGE_NOT_FOUND); branch on it, not on the message',
  })
  code!: string;

  @ApiProperty({ example: `phoneNumber: ${EXAMPLE_PHONE_PROBLEM}`, description: 'What went wrong, for people' })
  message!: string;

  @ApiPropertyOptional({
    type: [FieldViolationDto],
    description: 'With VALIDATION_FAILED only: one entry per refused field, in request order',
    example: [{ field: 'phoneNumber', messages: [EXAMPLE_PHONE_PROBLEM] }],
  })
  details?: FieldViolation[];
}
