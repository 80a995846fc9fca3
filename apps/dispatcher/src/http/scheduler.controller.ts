import { Controller, Get, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { GetDispatchStatus, StartDispatch, StopDispatch } from '@app/application';
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
  @ApiOperation({ summary: 'Start sending (idempotent); the first tick runs at once' })
  @ApiOkResponse({ type: SchedulerStatusDto, description: "Whether sending runs (the cluster's state) and this replica's scheduler" })
  start(): Promise<SchedulerStatusDto> {
    return this.startDispatch.execute();
  }

  @Post('stop')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Stop sending (idempotent); answers once the tick in flight, if any, has finished' })
  @ApiOkResponse({ type: SchedulerStatusDto, description: "Whether sending runs (the cluster's state) and this replica's scheduler" })
  stop(): Promise<SchedulerStatusDto> {
    return this.stopDispatch.execute();
  }

  @Get('status')
  @ApiOperation({ summary: 'Whether sending runs, its cadence and the last tick' })
  @ApiOkResponse({ type: SchedulerStatusDto, description: "Whether sending runs (the cluster's state) and this replica's scheduler" })
  status(): Promise<SchedulerStatusDto> {
    return this.getStatus.execute();
  }
}
