import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ListOperatorLog } from '@app/application';
import { ApiErrors, ApiKeyRequired } from './api-docs.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { AuditEntryDto, AuditPageDto, AuditQueryDto } from './dto/audit.dto.js';

/** The operator log: every start, stop, replay and manual settlement, from the API or the dashboard. */
@ApiTags('scheduler')
@ApiKeyRequired()
@UseGuards(ApiKeyGuard)
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly listOperatorLog: ListOperatorLog) {}

  @Get()
  @ApiOperation({
    summary: 'The operator log: every start, stop, replay and manual settlement, newest first (keyset pagination)',
    description:
      'One entry per action, from the API or the dashboard: when (the database clock), who (source api or dashboard; for the API, ' +
      'key: and 12 hex digits of the SHA-256 of the x-ins-auth-key used, never the key), what, and how many messages it changed. ' +
      'Replays and settlements are written in the transaction that changes the messages; start and stop once the state has changed. ' +
      'Dry runs and previews are not actions and are not logged.',
  })
  @ApiOkResponse({ type: AuditPageDto, description: 'One page, and the cursor of the next one' })
  @ApiErrors(
    [
      'VALIDATION_FAILED',
      'limit is not a whole number from 1 to 100, action is not start, stop, replay or settle, or cursor is longer than 512 characters',
      {
        message: 'action: action must be one of start, stop, replay, settle',
        details: [{ field: 'action', messages: ['action must be one of start, stop, replay, settle'] }],
      },
    ],
    'INVALID_CURSOR',
  )
  async list(@Query() query: AuditQueryDto): Promise<AuditPageDto> {
    const page = await this.listOperatorLog.execute({ limit: query.limit, cursor: query.cursor, action: query.action });
    return { items: page.items.map((entry) => AuditEntryDto.from(entry)), nextCursor: page.nextCursor };
  }
}
