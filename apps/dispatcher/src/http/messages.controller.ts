import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBadRequestResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiPayloadTooLargeResponse, ApiSecurity, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { CreateMessage, GetMessage, GetMessageStats, ListMessages, ListSentMessages } from '@app/application';
import { API_KEY_SCHEME, ApiKeyGuard } from './api-key.guard.js';
import { CreateMessageDto } from './dto/create-message.dto.js';
import { ListMessagesQueryDto, PageQueryDto } from './dto/list-query.dto.js';
import { MessageDto, MessagePageDto, MessageStatsDto, SentMessageDto, SentMessagePageDto } from './dto/message.dto.js';
import { ErrorBody } from './error-body.js';

@ApiTags('messages')
@ApiSecurity(API_KEY_SCHEME)
@ApiUnauthorizedResponse({ type: ErrorBody, description: 'Missing or wrong x-ins-auth-key' })
@UseGuards(ApiKeyGuard)
@Controller('api/v1/messages')
export class MessagesController {
  constructor(
    private readonly createMessage: CreateMessage,
    private readonly getMessage: GetMessage,
    private readonly listMessages: ListMessages,
    private readonly listSentMessages: ListSentMessages,
    private readonly getStats: GetMessageStats,
  ) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Queue a message for sending' })
  @ApiCreatedResponse({ type: MessageDto })
  @ApiBadRequestResponse({ type: ErrorBody, description: 'Invalid JSON, unknown field, wrong type, bad phone number or content' })
  @ApiPayloadTooLargeResponse({ type: ErrorBody, description: 'Body over 64 KB' })
  async create(@Body() body: CreateMessageDto): Promise<MessageDto> {
    return MessageDto.from(await this.createMessage.execute(body));
  }

  @Get('sent')
  @ApiOperation({ summary: 'Sent messages, most recently sent first (keyset pagination)' })
  @ApiOkResponse({ type: SentMessagePageDto })
  @ApiBadRequestResponse({ type: ErrorBody, description: 'Bad limit or cursor' })
  async sent(@Query() query: PageQueryDto): Promise<SentMessagePageDto> {
    const page = await this.listSentMessages.execute({ limit: query.limit, cursor: query.cursor });
    return { items: page.items.map((m) => SentMessageDto.from(m)), nextCursor: page.nextCursor };
  }

  @Get('stats')
  @ApiOperation({ summary: 'Number of messages per status' })
  @ApiOkResponse({ type: MessageStatsDto })
  stats(): Promise<MessageStatsDto> {
    return this.getStats.execute();
  }

  @Get()
  @ApiOperation({ summary: 'Messages, newest first, optionally of one status (keyset pagination)' })
  @ApiOkResponse({ type: MessagePageDto })
  @ApiBadRequestResponse({ type: ErrorBody, description: 'Bad status, limit or cursor' })
  async list(@Query() query: ListMessagesQueryDto): Promise<MessagePageDto> {
    const page = await this.listMessages.execute({ status: query.status, limit: query.limit, cursor: query.cursor });
    return { items: page.items.map((m) => MessageDto.from(m)), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One message with its delivery state' })
  @ApiOkResponse({ type: MessageDto })
  @ApiNotFoundResponse({ type: ErrorBody })
  async get(@Param('id') id: string): Promise<MessageDto> {
    return MessageDto.from(await this.getMessage.execute(id));
  }
}
