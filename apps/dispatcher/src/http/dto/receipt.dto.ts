import { ApiProperty } from '@nestjs/swagger';
import type { Receipt } from '@app/application';
import type { HeldReceipt } from '@app/domain';

const EXAMPLE_ID = '0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11';
const EXAMPLE_GATEWAY_ID = '67f2f8a8-ea58-4ed0-a6f9-ff217df4d849';

/** The gateway's receipt for one sent message, and where it was read. */
export class ReceiptDto {
  @ApiProperty({ example: EXAMPLE_GATEWAY_ID, description: "The gateway's messageId" })
  messageId!: string;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-22T10:00:02.000Z' })
  sentAt!: Date;

  @ApiProperty({
    enum: ['cache', 'database'],
    example: 'cache',
    description:
      'cache: read from Redis (sent_message:<id>); database: from PostgreSQL, ' +
      'because Redis has no readable copy (never cached, expired), is down or is not configured',
  })
  source!: 'cache' | 'database';

  static from(receipt: Receipt): ReceiptDto {
    return { messageId: receipt.messageId, sentAt: receipt.sentAt, source: receipt.source };
  }
}

/** A receipt as Redis holds it now, under sent_message:<id>. */
export class CachedReceiptDto {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_ID, description: 'Our message id (the key is sent_message:<id>)' })
  id!: string;

  @ApiProperty({ example: EXAMPLE_GATEWAY_ID, description: "The gateway's messageId" })
  messageId!: string;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-22T10:00:02.000Z' })
  sentAt!: Date;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: '2026-11-22T10:00:02.031Z',
    description: 'When it was written to Redis; null for a receipt written by a version that did not store it',
  })
  cachedAt!: Date | null;

  static from(held: HeldReceipt): CachedReceiptDto {
    return { id: held.id, messageId: held.receipt.messageId, sentAt: held.receipt.sentAt, cachedAt: held.receipt.cachedAt };
  }
}

export class CachedReceiptPageDto {
  @ApiProperty({
    type: [CachedReceiptDto],
    description: 'At most `limit`; possibly fewer, even none, before the walk is over (SCAN visits Redis a part at a time)',
  })
  items!: CachedReceiptDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: 512,
    example: 'AQAAAAAAAAAc',
    description: 'Pass as cursor for the next page; null once every receipt Redis holds has been walked. A walk may return a receipt twice (SCAN does)',
  })
  nextCursor!: string | null;

  @ApiProperty({
    enum: ['up', 'disabled'],
    example: 'up',
    description: 'up: read from Redis; disabled: REDIS_URL is not set, so nothing is cached (items is empty)',
  })
  cache!: 'up' | 'disabled';
}
