import { BadRequestException, Body, ConflictException, Controller, Get, Headers, HttpCode, HttpStatus, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { ApiBadRequestResponse, ApiConflictResponse, ApiCreatedResponse, ApiExtraModels, ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiPayloadTooLargeResponse, ApiSecurity, ApiTags, ApiUnauthorizedResponse, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { CreateMessage, CreateMessages, GetMessage, GetMessageStats, ListMessages, ListSentMessages, MAX_BATCH_MESSAGES, ReplayMessage, ReplayMessages } from '@app/application';
import { DEFAULT_MAX_CONTENT_LENGTH, REPLAYABLE_STATUSES, type ReplayableStatus } from '@app/domain';
import { API_KEY_SCHEME, ApiKeyGuard } from './api-key.guard.js';
import { parseBatchItem } from './batch-item.js';
import { batchBodyLimit } from './body-parsing.js';
import { CreateMessageDto } from './dto/create-message.dto.js';
import { CreatedItemDto, CreateMessagesDto, CreateMessagesQueryDto, CreateMessagesResultDto, RefusedItemDto } from './dto/create-messages.dto.js';
import { ListMessagesQueryDto, PageQueryDto } from './dto/list-query.dto.js';
import { AttemptDto, MessageDetailsDto, MessageDto, MessagePageDto, MessageStatsDto, ReplayDto, SentMessageDto, SentMessagePageDto } from './dto/message.dto.js';
import { ReplayCountDto, ReplayMessagesDto } from './dto/replay.dto.js';
import { ErrorBody } from './error-body.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

function checkIdempotencyKey(key: string | undefined): void {
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    throw new BadRequestException('Idempotency-Key must be 1 to 255 visible ASCII characters');
  }
}

@ApiTags('messages')
@ApiSecurity(API_KEY_SCHEME)
@ApiUnauthorizedResponse({ type: ErrorBody, description: 'Missing or wrong x-ins-auth-key' })
@UseGuards(ApiKeyGuard)
@Controller('api/v1/messages')
export class MessagesController {
  constructor(
    private readonly createMessage: CreateMessage,
    private readonly createMessages: CreateMessages,
    private readonly getMessage: GetMessage,
    private readonly listMessages: ListMessages,
    private readonly listSentMessages: ListSentMessages,
    private readonly getStats: GetMessageStats,
    private readonly replayMessage: ReplayMessage,
    private readonly replayMessages: ReplayMessages,
  ) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Queue a message for sending' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Makes retries safe: the same key with the same body returns the first message (no second row); with another body it is a 422',
  })
  @ApiCreatedResponse({ type: MessageDto, description: 'Created, or (header Idempotent-Replayed: true) the message an earlier request with the same Idempotency-Key created' })
  @ApiBadRequestResponse({ type: ErrorBody, description: 'Invalid JSON, unknown field, wrong type, bad phone number, content or dates' })
  @ApiUnprocessableEntityResponse({ type: ErrorBody, description: 'Idempotency-Key already used with a different body' })
  @ApiPayloadTooLargeResponse({ type: ErrorBody, description: 'Body over 64 KB' })
  async create(
    @Body() body: CreateMessageDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MessageDto> {
    checkIdempotencyKey(idempotencyKey);
    const { message, replayed } = await this.createMessage.execute({
      phoneNumber: body.phoneNumber,
      content: body.content,
      sendAfter: body.sendAfter ? new Date(body.sendAfter) : null,
      expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
      idempotencyKey: idempotencyKey ?? null,
    });
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    return MessageDto.from(message);
  }

  // A static path, declared before the :id routes (which take GET and POST .../:id/replay only).
  @Post('batch')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: `Queue 1 to ${MAX_BATCH_MESSAGES} messages in one request`,
    description:
      'Each item has the fields and rules of a single create. By default the valid items are created and each bad item gets ' +
      'its own error (the one a single create of it would get); with atomic=true one bad item refuses the whole batch. ' +
      `The body may be up to ${MAX_BATCH_MESSAGES} × (256 + 6 × MESSAGE_MAX_LENGTH) bytes (${batchBodyLimit(DEFAULT_MAX_CONTENT_LENGTH) / 1024} KB with the default ${DEFAULT_MAX_CONTENT_LENGTH}).`,
  })
  @ApiExtraModels(CreatedItemDto, RefusedItemDto)
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Covers the whole batch: the same key with the same body returns the first answer (same ids, no new rows); with another body it is a 422. Separate from the keys of single creates',
  })
  @ApiCreatedResponse({
    type: CreateMessagesResultDto,
    description: 'One result per item, in request order; or (header Idempotent-Replayed: true) the answer an earlier request with the same Idempotency-Key got',
  })
  @ApiBadRequestResponse({
    type: ErrorBody,
    description: `Not { messages: [...] } with 1 to ${MAX_BATCH_MESSAGES} objects, invalid JSON, a bad atomic or Idempotency-Key; or, with atomic=true, any bad item (details name each, e.g. messages[3].phoneNumber)`,
  })
  @ApiUnprocessableEntityResponse({ type: ErrorBody, description: 'Idempotency-Key already used with a different batch' })
  @ApiPayloadTooLargeResponse({ type: ErrorBody, description: 'Body over the batch limit (see above)' })
  async createMany(
    @Body() body: CreateMessagesDto,
    @Query() query: CreateMessagesQueryDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CreateMessagesResultDto> {
    checkIdempotencyKey(idempotencyKey);
    const { results, created, failed, replayed } = await this.createMessages.execute({
      items: body.messages.map(parseBatchItem),
      atomic: query.atomic === 'true',
      idempotencyKey: idempotencyKey ?? null,
    });
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    return { results, created, failed };
  }

  @Post('replay')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Put failed, unknown or expired messages back to pending with a fresh attempt budget' })
  @ApiOkResponse({ type: ReplayCountDto })
  @ApiBadRequestResponse({ type: ErrorBody })
  @ApiConflictResponse({ type: ErrorBody, description: 'Asked to replay sent (or pending / sending) messages' })
  async replayMany(@Body() body: ReplayMessagesDto): Promise<ReplayCountDto> {
    const refused = body.status.filter((s) => !(REPLAYABLE_STATUSES as readonly string[]).includes(s));
    if (refused.length > 0) {
      throw new ConflictException({
        code: 'REPLAY_REFUSED',
        message: `only ${REPLAYABLE_STATUSES.join(', ')} messages can be replayed; replaying ${refused.join(', ')} messages could send them twice`,
      });
    }
    const from = body.from ? new Date(body.from) : undefined;
    const to = body.to ? new Date(body.to) : undefined;
    if (from && to && from.getTime() >= to.getTime()) throw new BadRequestException('from must be earlier than to');
    return this.replayMessages.execute({ statuses: body.status as ReplayableStatus[], from, to, dryRun: body.dryRun ?? false });
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
  @ApiOperation({ summary: 'One message with its delivery state, attempts and replays' })
  @ApiOkResponse({ type: MessageDetailsDto })
  @ApiNotFoundResponse({ type: ErrorBody })
  async get(@Param('id') id: string): Promise<MessageDetailsDto> {
    const { message, attempts, replays } = await this.getMessage.execute(id);
    return { ...MessageDto.from(message), attempts: attempts.map((a) => AttemptDto.from(a)), replays: replays.map((r) => ReplayDto.from(r)) };
  }

  @Post(':id/replay')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Put one failed, unknown or expired message back to pending with a fresh attempt budget' })
  @ApiOkResponse({ type: MessageDto })
  @ApiNotFoundResponse({ type: ErrorBody })
  @ApiConflictResponse({ type: ErrorBody, description: 'The message is sent or being sent' })
  async replay(@Param('id') id: string): Promise<MessageDto> {
    return MessageDto.from(await this.replayMessage.execute(id));
  }
}
