import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString } from 'class-validator';

export class CreateMessageDto {
  @ApiProperty({ example: '+905551111111', description: 'Recipient in E.164 format' })
  @IsString()
  phoneNumber!: string;

  @ApiProperty({ example: 'hello', description: 'Text, 1 to MESSAGE_MAX_LENGTH (default 160) characters; "ğ" and "😀" count as one each' })
  @IsString()
  content!: string;

  @ApiPropertyOptional({ format: 'date-time', example: '2026-11-22T18:00:00Z', description: 'Not sent before this time' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'sendAfter must be an ISO-8601 date-time' })
  sendAfter?: string;

  @ApiPropertyOptional({ format: 'date-time', example: '2026-11-22T20:00:00Z', description: 'Never sent after this time: it becomes expired instead' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'expiresAt must be an ISO-8601 date-time' })
  expiresAt?: string;
}
