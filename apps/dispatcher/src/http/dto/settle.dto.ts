import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches, ValidateBy } from 'class-validator';
import { MAX_SETTLEMENT_REASON, SETTLEMENT_OUTCOMES, type SettlementOutcome } from '@app/domain';

const REASON_PROBLEM = `reason must be 1 to ${MAX_SETTLEMENT_REASON} characters, not blank, without NUL`;

/** An operator's settlement of a message in doubt. */
export class SettleMessageDto {
  @ApiProperty({
    enum: SETTLEMENT_OUTCOMES,
    example: 'sent',
    description: 'sent: the gateway has it (the message becomes sent, sentAt now); failed: it does not (failed, reason "settled by operator: <reason>")',
  })
  @IsIn(SETTLEMENT_OUTCOMES, { message: `outcome must be one of ${SETTLEMENT_OUTCOMES.join(', ')}` })
  outcome!: SettlementOutcome;

  @ApiProperty({
    minLength: 1,
    maxLength: MAX_SETTLEMENT_REASON,
    example: 'the gateway support desk confirmed delivery of this message',
    description: `Why (1 to ${MAX_SETTLEMENT_REASON} characters, not blank, no NUL); kept in the message's history and the operator log`,
  })
  @ValidateBy({
    name: 'isSettlementReason',
    validator: {
      validate: (value) => typeof value === 'string' && value.trim().length > 0 && !value.includes('\u0000') && [...value].length <= MAX_SETTLEMENT_REASON,
      defaultMessage: () => REASON_PROBLEM,
    },
  })
  reason!: string;

  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    nullable: true,
    example: '67f2f8a8-ea58-4ed0-a6f9-ff217df4d849',
    description: "The gateway's messageId, when known; only with outcome sent (with failed it is a 400). Null is the same as leaving it out",
  })
  @IsOptional()
  @Matches(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { message: 'gatewayMessageId must be a UUID' })
  gatewayMessageId?: string | null;
}
