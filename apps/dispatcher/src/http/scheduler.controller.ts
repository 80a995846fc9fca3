import { Controller, Get, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { GetDispatchStatus, StartDispatch, StopDispatch } from '@app/application';
import type { Actor } from '@app/domain';
import { RequestActor } from './actor.js';
import { ApiKeyRequired } from './api-docs.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { SchedulerStatusDto } from './dto/scheduler-status.dto.js';

@ApiTags('scheduler')
@ApiKeyRequired()
@UseGuards(ApiKeyGuard)
@Controller('api/v1/scheduler')
export class SchedulerController {
  constructor(
    private readonly startDispatch: StartDispatch,
    private readonly stopDispatch: StopDispatch,
    private readonly getStatus: GetDispatchStatus,
  ) {}

  @Post('start')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Start sending (idempotent); the first tick runs at once',
    description: 'Written to the operator log (GET /api/v1/audit) with the caller, once the decision is stored.',
  })
  @ApiOkResponse({ type: SchedulerStatusDto, description: "Whether sending runs (the cluster's state) and this replica's scheduler" })
  start(@RequestActor() actor: Actor): Promise<SchedulerStatusDto> {
    return this.startDispatch.execute(actor);
  }

  @Post('stop')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Stop sending (idempotent); answers once the tick in flight, if any, has finished',
    description: 'Written to the operator log (GET /api/v1/audit) with the caller, once the state has changed.',
  })
  @ApiOkResponse({ type: SchedulerStatusDto, description: "Whether sending runs (the cluster's state) and this replica's scheduler" })
  stop(@RequestActor() actor: Actor): Promise<SchedulerStatusDto> {
    return this.stopDispatch.execute(actor);
  }

  @Get('status')
  @ApiOperation({ summary: 'Whether sending runs, its cadence and the last tick' })
  @ApiOkResponse({ type: SchedulerStatusDto, description: "Whether sending runs (the cluster's state) and this replica's scheduler" })
  status(): Promise<SchedulerStatusDto> {
    return this.getStatus.execute();
  }
}
