import { ApiProperty } from '@nestjs/swagger';

/** The body of every error answer. */
export class ErrorBody {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'VALIDATION_FAILED', description: 'Stable, machine-readable error code' })
  code!: string;

  @ApiProperty({ example: 'phoneNumber: phoneNumber must be in E.164 format' })
  message!: string;

  @ApiProperty({
    required: false,
    example: [{ field: 'phoneNumber', messages: ['phoneNumber must be in E.164 format: + then country code and number, digits only (e.g. +905551111111)'] }],
    description: 'Per-field reasons for a validation failure',
  })
  details?: unknown;
}
