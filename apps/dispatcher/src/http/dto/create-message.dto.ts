import { ApiProperty } from '@nestjs/swagger';
import { IsString } from 'class-validator';

export class CreateMessageDto {
  @ApiProperty({ example: '+905551111111', description: 'Recipient in E.164 format' })
  @IsString()
  phoneNumber!: string;

  @ApiProperty({ example: 'hello', description: 'Text, 1 to MESSAGE_MAX_LENGTH (default 160) characters; "ğ" and "😀" count as one each' })
  @IsString()
  content!: string;
}
