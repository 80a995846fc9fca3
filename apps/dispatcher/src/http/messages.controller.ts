import { BadRequestException, Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import {
  ApiCreatedResponse,
  ApiExtraModels,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  type ApiParamOptions,
  ApiTags,
  type HeadersObject,
  type SchemaObject,
} from '@nestjs/swagger';
import {
  CreateMessage,
  CreateMessages,
  GetMessage,
  GetMessageStats,
  GetReceipt,
  ListCachedReceipts,
  ListMessages,
  ListSentMessages,
  MAX_BATCH_MESSAGES,
  PreviewReplay,
  ReplayMessage,
  ReplayMessages,
  SettleMessage,
} from '@app/application';
import { type Actor, DEFAULT_MAX_CONTENT_LENGTH, type MessageStatus } from '@app/domain';
import { RequestActor } from './actor.js';
import { ApiErrors, ApiKeyRequired, type ErrorUse } from './api-docs.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { parseBatchItem } from './batch-item.js';
import { batchBodyLimit, MAX_BATCH_BODY_KEYS } from './body-parsing.js';
import { CreateMessageDto } from './dto/create-message.dto.js';
import { CreatedItemDto, CreateMessagesDto, CreateMessagesQueryDto, CreateMessagesResultDto, RefusedItemDto } from './dto/create-messages.dto.js';
import { ListMessagesQueryDto, PageQueryDto } from './dto/list-query.dto.js';
import { MessageDetailsDto, MessageDto, MessagePageDto, MessageStatsDto, SentMessageDto, SentMessagePageDto } from './dto/message.dto.js';
import { CachedReceiptDto, CachedReceiptPageDto, ReceiptDto } from './dto/receipt.dto.js';
import { ReplayCountDto, ReplayFilterDto, ReplayMessagesDto, ReplayPreviewDto } from './dto/replay.dto.js';
import { SettleMessageDto } from './dto/settle.dto.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** The Idempotency-Key header as the document states it (IDEMPOTENCY_KEY). */
const IDEMPOTENCY_KEY_SCHEMA: SchemaObject = { type: 'string', pattern: '^[!-~]{1,255}$', example: '2b1f7c1e-checkout-42' };

/** The errors of every route that takes a JSON body, before the body reaches the controller. */
const JSON_BODY_ERRORS: ErrorUse[] = ['INVALID_JSON', 'BODY_TOO_DEEP', 'TOO_MANY_KEYS', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];

/** A body refused for its Idempotency-Key header. */
const BAD_IDEMPOTENCY_KEY: ErrorUse = 'BAD_REQUEST';

/** The replayed answer of an idempotent create says so. */
const IDEMPOTENT_REPLAYED_HEADER: HeadersObject = {
  'Idempotent-Replayed': {
    description: 'true when this is the answer to an earlier request with the same Idempotency-Key',
    schema: { type: 'string', enum: ['true'] },
  },
};

const MESSAGE_ID_PARAM: ApiParamOptions = {
  name: 'id',
  description: 'The id of a message (any other value is a 404)',
  schema: { type: 'string', format: 'uuid' },
};

function checkIdempotencyKey(key: string | undefined): void {
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    throw new BadRequestException('Idempotency-Key must be 1 to 255 visible ASCII characters');
  }
}

@ApiTags('messages')
@ApiKeyRequired()
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
    private readonly getReceipt: GetReceipt,
    private readonly listCachedReceipts: ListCachedReceipts,
    private readonly settleMessage: SettleMessage,
    private readonly previewReplay: PreviewReplay,
  ) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Queue a message for sending' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Makes retries safe: the same key with the same body returns the first message (no second row); with another body it is a 422',
    schema: IDEMPOTENCY_KEY_SCHEMA,
  })
  @ApiCreatedResponse({
    type: MessageDto,
    description: 'Created, or (header Idempotent-Replayed: true) the message an earlier request with the same Idempotency-Key created',
    headers: IDEMPOTENT_REPLAYED_HEADER,
  })
  @ApiErrors(
    [
      'VALIDATION_FAILED',
      'a field is missing, unknown or of the wrong type, or the phone number, content, dates or priority break a rule; `details` names each field',
    ],
    BAD_IDEMPOTENCY_KEY,
    ...JSON_BODY_ERRORS,
    'IDEMPOTENCY_KEY_REUSED',
  )
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
      priority: body.priority ?? null,
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
      `The body may be up to ${MAX_BATCH_MESSAGES} × (256 + 6 × MESSAGE_MAX_LENGTH) bytes ` +
      `(${batchBodyLimit(DEFAULT_MAX_CONTENT_LENGTH) / 1024} KB with the default ${DEFAULT_MAX_CONTENT_LENGTH}).`,
  })
  @ApiExtraModels(CreatedItemDto, RefusedItemDto)
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'Covers the whole batch: the same key with the same body returns the first answer (same ids, no new rows); ' +
      'with another body it is a 422. Separate from the keys of single creates',
    schema: IDEMPOTENCY_KEY_SCHEMA,
  })
  @ApiCreatedResponse({
    type: CreateMessagesResultDto,
    description: 'One result per item, in request order; or (header Idempotent-Replayed: true) the answer an earlier request with the same Idempotency-Key got',
    headers: IDEMPOTENT_REPLAYED_HEADER,
  })
  @ApiErrors(
    [
      'VALIDATION_FAILED',
      `the body is not { messages: [...] } with 1 to ${MAX_BATCH_MESSAGES} objects, or atomic is not true or false; ` +
        'or, with atomic=true, an item is bad (`details` names each field, e.g. messages[3].phoneNumber)',
      {
        message: 'messages[1].phoneNumber: phoneNumber must be a string',
        details: [{ field: 'messages[1].phoneNumber', messages: ['phoneNumber must be a string'] }],
      },
    ],
    BAD_IDEMPOTENCY_KEY,
    ...JSON_BODY_ERRORS.filter((use) => use !== 'TOO_MANY_KEYS' && use !== 'PAYLOAD_TOO_LARGE'),
    [
      'TOO_MANY_KEYS',
      `the body has more than ${MAX_BATCH_BODY_KEYS} keys (20 per item)`,
      { message: `request body has more than ${MAX_BATCH_BODY_KEYS} keys` },
    ],
    [
      'PAYLOAD_TOO_LARGE',
      'the body is larger than the batch limit (see above), after decompression',
      { message: `request body is larger than ${batchBodyLimit(DEFAULT_MAX_CONTENT_LENGTH) / 1024} KB` },
    ],
    ['IDEMPOTENCY_KEY_REUSED', 'the Idempotency-Key was already used with another batch'],
  )
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
  @ApiOperation({
    summary: 'Put failed, unknown or expired messages back to pending with a fresh attempt budget',
    description:
      'Replays every message in those states that reached them between from and to, in one transaction, written to the operator log ' +
      '(GET /api/v1/audit) with the caller and the count (a dry run changes and logs nothing). With previewToken (from POST ' +
      '/api/v1/messages/replay/preview with the same status, from and to) it replays exactly the set the preview showed: the rows are ' +
      'locked and their fingerprint compared in the transaction that replays them; if the set has changed, nothing is replayed (409 ' +
      'PREVIEW_CHANGED). Without previewToken it replays whatever matches now.',
  })
  @ApiOkResponse({ type: ReplayCountDto, description: 'How many messages were replayed (or, on a dry run, would be)' })
  @ApiErrors(
    [
      'VALIDATION_FAILED',
      'status is not a non-empty list of statuses, from or to is not a date-time, dryRun is not a boolean, or previewToken is not ' +
        '32 lower-case hex digits; `details` names each field',
      {
        message: 'from: from must be an RFC 3339 date-time with a time zone, e.g. 2026-11-22T18:00:00Z',
        details: [{ field: 'from', messages: ['from must be an RFC 3339 date-time with a time zone, e.g. 2026-11-22T18:00:00Z'] }],
      },
    ],
    ['BAD_REQUEST', 'from is not earlier than to', { message: 'from must be earlier than to' }],
    ...JSON_BODY_ERRORS,
    'REPLAY_REFUSED',
    'PREVIEW_CHANGED',
  )
  async replayMany(@Body() body: ReplayMessagesDto, @RequestActor() actor: Actor): Promise<ReplayCountDto> {
    const { from, to } = replayRange(body);
    // The use case refuses statuses that cannot be replayed (ReplayRefusedError: REPLAY_REFUSED, 409).
    return this.replayMessages.execute({
      statuses: body.status as MessageStatus[],
      from,
      to,
      dryRun: body.dryRun ?? false,
      actor,
      ...(typeof body.previewToken === 'string' ? { previewToken: body.previewToken } : {}),
    });
  }

  // A static path, declared before the :id routes.
  @Post('replay/preview')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'What a bulk replay with this filter would do: how many messages, by state and failure reason, a sample, the time to drain',
    description:
      'Takes the body of POST /api/v1/messages/replay (status, from, to) and changes nothing. drainSeconds is how long sending the set ' +
      'would take at the current cadence (ceil(count / DISPATCH_BATCH_SIZE) intervals of DISPATCH_INTERVAL_MS). previewToken is a ' +
      'fingerprint of exactly this set and filter: give it to POST /api/v1/messages/replay to replay this set, or nothing if it has ' +
      'changed meanwhile. Not written to the operator log.',
  })
  @ApiOkResponse({ type: ReplayPreviewDto, description: 'The set a replay would take now' })
  @ApiErrors(
    [
      'VALIDATION_FAILED',
      'status is not a non-empty list of statuses, or from or to is not a date-time; `details` names each field',
      {
        message: 'status: each status must be one of pending, sending, sent, failed, unknown, expired',
        details: [{ field: 'status', messages: ['each status must be one of pending, sending, sent, failed, unknown, expired'] }],
      },
    ],
    ['BAD_REQUEST', 'from is not earlier than to', { message: 'from must be earlier than to' }],
    ...JSON_BODY_ERRORS,
    'REPLAY_REFUSED',
  )
  async preview(@Body() body: ReplayFilterDto): Promise<ReplayPreviewDto> {
    const { from, to } = replayRange(body);
    return this.previewReplay.execute({ statuses: body.status as MessageStatus[], from, to });
  }

  @Get('sent')
  @ApiOperation({ summary: 'Sent messages, most recently sent first (keyset pagination)' })
  @ApiOkResponse({ type: SentMessagePageDto, description: 'One page, and the cursor of the next one' })
  @ApiErrors(
    [
      'VALIDATION_FAILED',
      'limit is not a whole number from 1 to 100, or cursor is longer than 512 characters',
      {
        message: 'limit: limit must be a whole number from 1 to 100',
        details: [{ field: 'limit', messages: ['limit must be a whole number from 1 to 100'] }],
      },
    ],
    'INVALID_CURSOR',
  )
  async sent(@Query() query: PageQueryDto): Promise<SentMessagePageDto> {
    const page = await this.listSentMessages.execute({ limit: query.limit, cursor: query.cursor });
    return { items: page.items.map(({ message, cached }) => ({ ...SentMessageDto.from(message), cached })), nextCursor: page.nextCursor };
  }

  // A static path, declared before GET :id (Nest matches routes in the order they are declared).
  @Get('cached')
  @ApiOperation({
    summary: 'The receipts Redis holds now (a SCAN walk, a page at a time)',
    description:
      'Walks the keys sent_message:* with SCAN (never KEYS), one bounded page per request: at most `limit` items, possibly fewer (even none) ' +
      'while nextCursor is not null. A receipt held for the whole walk is returned at least once; one may come twice across pages. ' +
      'Keys or values that are not receipts are skipped. Without REDIS_URL: an empty page with cache "disabled".',
  })
  @ApiOkResponse({ type: CachedReceiptPageDto, description: 'One page, and the cursor of the next one' })
  @ApiErrors(
    [
      'VALIDATION_FAILED',
      'limit is not a whole number from 1 to 100, or cursor is longer than 512 characters',
      {
        message: 'limit: limit must be a whole number from 1 to 100',
        details: [{ field: 'limit', messages: ['limit must be a whole number from 1 to 100'] }],
      },
    ],
    'INVALID_CURSOR',
    'CACHE_UNAVAILABLE',
  )
  async cachedReceipts(@Query() query: PageQueryDto): Promise<CachedReceiptPageDto> {
    const page = await this.listCachedReceipts.execute({ limit: query.limit, cursor: query.cursor });
    return { items: page.items.map((held) => CachedReceiptDto.from(held)), nextCursor: page.nextCursor, cache: page.cache };
  }

  @Get('stats')
  @ApiOperation({ summary: 'Number of messages per status, and of pending messages per priority' })
  @ApiOkResponse({ type: MessageStatsDto, description: 'The counts, cluster-wide' })
  stats(): Promise<MessageStatsDto> {
    return this.getStats.execute();
  }

  @Get()
  @ApiOperation({
    summary: 'Messages, newest first, optionally of one status and of one priority, found by a search, in a time range (keyset pagination)',
    description:
      'q searches by message id or gateway messageId (a UUID: the primary key and messages_gateway_message_id_idx), phone number (E.164: ' +
      'messages_phone_seq_idx, in the list order) or failure reason (any other text, a substring ignoring case: ' +
      'messages_failure_reason_trgm_idx, pg_trgm). from and to bound created_at. Filters combine; the order stays newest first.',
  })
  @ApiOkResponse({ type: MessagePageDto, description: 'One page, and the cursor of the next one' })
  @ApiErrors(
    [
      'VALIDATION_FAILED',
      'status is not a message status, priority is not a whole number from -100 to 100, ' +
        'limit is not a whole number from 1 to 100, cursor is longer than 512 characters, q is longer than 200 characters or holds NUL ' +
        '(or, searching failure reasons, has no 3 letters or digits in a row), or from or to is not a date-time',
      {
        message: 'status: status must be one of pending, sending, sent, failed, unknown, expired',
        details: [{ field: 'status', messages: ['status must be one of pending, sending, sent, failed, unknown, expired'] }],
      },
    ],
    'INVALID_CURSOR',
  )
  async list(@Query() query: ListMessagesQueryDto): Promise<MessagePageDto> {
    const page = await this.listMessages.execute({
      status: query.status,
      priority: query.priority,
      limit: query.limit,
      cursor: query.cursor,
      q: query.q,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
    });
    return { items: page.items.map((m) => MessageDto.from(m)), nextCursor: page.nextCursor };
  }

  @Get(':id/receipt')
  @ApiOperation({
    summary: "The gateway's receipt for a sent message: from Redis, or from PostgreSQL when Redis has none",
    description:
      'Redis first (sent_message:<id>); PostgreSQL when the key is missing, expired or unreadable, or Redis is down or not configured. `source` says which.',
  })
  @ApiParam(MESSAGE_ID_PARAM)
  @ApiOkResponse({ type: ReceiptDto, description: 'The receipt, and where it was read' })
  @ApiErrors('INVALID_PATH', 'MESSAGE_NOT_FOUND', 'MESSAGE_NOT_SENT')
  async receipt(@Param('id') id: string): Promise<ReceiptDto> {
    return ReceiptDto.from(await this.getReceipt.execute(id));
  }

  @Get(':id')
  @ApiOperation({ summary: "One message with its delivery state, attempts, replays and operators' decisions" })
  @ApiParam(MESSAGE_ID_PARAM)
  @ApiOkResponse({ type: MessageDetailsDto, description: "The message, its attempts, its replays and operators' decisions" })
  @ApiErrors('INVALID_PATH', 'MESSAGE_NOT_FOUND')
  async get(@Param('id') id: string): Promise<MessageDetailsDto> {
    return MessageDetailsDto.fromDetails(await this.getMessage.execute(id));
  }

  @Post(':id/replay')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Put one failed, unknown or expired message back to pending with a fresh attempt budget' })
  @ApiParam(MESSAGE_ID_PARAM)
  @ApiOkResponse({ type: MessageDto, description: 'The message, pending (a pending message is left as it is)' })
  @ApiErrors('INVALID_PATH', 'MESSAGE_NOT_FOUND', 'ILLEGAL_TRANSITION')
  async replay(@Param('id') id: string, @RequestActor() actor: Actor): Promise<MessageDto> {
    return MessageDto.from(await this.replayMessage.execute(id, actor));
  }

  @Post(':id/settle')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Settle a message in doubt (unknown) by hand, as sent or failed, with a reason',
    description:
      'For a message whose request may or may not have reached the gateway, once the operator knows: sent (the message becomes sent, ' +
      'sentAt now, with the gateway messageId when given, and its receipt is cached) or failed (failureReason "settled by operator: ' +
      '<reason>"). Only an unknown message may be settled (409 NOT_IN_DOUBT otherwise). The decision is kept in the message history ' +
      '(decisions) and in the operator log, in the transaction that changes the message; a late outcome of the lost request can no ' +
      'longer change it.',
  })
  @ApiParam(MESSAGE_ID_PARAM)
  @ApiOkResponse({ type: MessageDetailsDto, description: 'The message as GET /api/v1/messages/{id} shows it, its decision included' })
  @ApiErrors(
    'INVALID_PATH',
    [
      'VALIDATION_FAILED',
      'outcome is not sent or failed, reason is not 1 to 500 characters (or is blank, or holds NUL), or gatewayMessageId is not a UUID ' +
        'or comes with outcome failed; `details` names each field',
      {
        message: 'gatewayMessageId: gatewayMessageId may only be given with outcome sent',
        details: [{ field: 'gatewayMessageId', messages: ['gatewayMessageId may only be given with outcome sent'] }],
      },
    ],
    ...JSON_BODY_ERRORS,
    'MESSAGE_NOT_FOUND',
    'NOT_IN_DOUBT',
  )
  async settle(@Param('id') id: string, @Body() body: SettleMessageDto, @RequestActor() actor: Actor): Promise<MessageDetailsDto> {
    const details = await this.settleMessage.execute({
      id,
      outcome: body.outcome,
      reason: body.reason,
      gatewayMessageId: body.gatewayMessageId ?? null,
      actor,
    });
    return MessageDetailsDto.fromDetails(details);
  }
}

/** The replay range of a body, refusing one that ends before it starts. */
function replayRange(body: ReplayFilterDto): { from?: Date; to?: Date } {
  const from = body.from ? new Date(body.from) : undefined;
  const to = body.to ? new Date(body.to) : undefined;
  if (from && to && from.getTime() >= to.getTime()) throw new BadRequestException('from must be earlier than to');
  return { from, to };
}
