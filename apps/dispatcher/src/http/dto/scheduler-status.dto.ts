import { ApiProperty } from '@nestjs/swagger';

export class TickReportDto {
  @ApiProperty({ type: String, format: 'date-time' }) startedAt!: Date;
  @ApiProperty({ example: 41 }) durationMs!: number;
  @ApiProperty({ example: 2, description: 'Messages taken from the queue' }) claimed!: number;
  @ApiProperty({ example: 2 }) sent!: number;
  @ApiProperty({ example: 0, description: 'Back to pending for a later attempt' }) retried!: number;
  @ApiProperty({ example: 0 }) failed!: number;
  @ApiProperty({ example: 0, description: 'Rows that broke the rules and were failed without sending' }) invalid!: number;
  @ApiProperty({ example: 0, description: 'Sent, outcome unknown' }) unknown!: number;
  @ApiProperty({ example: 0, description: 'Deadline passed before the send' }) expired!: number;
  @ApiProperty({ example: 0, description: 'Claims lost before the send (not sent by this tick)' }) dropped!: number;
  @ApiProperty({ example: 0, description: 'Claimed, then handed back unsent (breaker opened, stop or shutdown mid-batch): pending again' }) released!: number;
  @ApiProperty({ type: String, nullable: true, enum: ['breaker-open'], example: null }) skipped!: 'breaker-open' | null;
}

export class TickTotalsDto {
  @ApiProperty({ example: 12 }) ticks!: number;
  @ApiProperty({ example: 24 }) claimed!: number;
  @ApiProperty({ example: 23 }) sent!: number;
  @ApiProperty({ example: 1 }) retried!: number;
  @ApiProperty({ example: 0 }) failed!: number;
  @ApiProperty({ example: 0 }) invalid!: number;
  @ApiProperty({ example: 0 }) unknown!: number;
  @ApiProperty({ example: 0 }) expired!: number;
  @ApiProperty({ example: 0 }) dropped!: number;
  @ApiProperty({ example: 0 }) released!: number;
}

export class BreakerStatusDto {
  @ApiProperty({ enum: ['closed', 'open', 'half-open'], example: 'closed' }) state!: string;
  @ApiProperty({ example: 0 }) consecutiveFailures!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null }) openedAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null, description: 'When an open breaker lets one probe through' })
  probeAt!: Date | null;
}

export class SchedulerStatusDto {
  @ApiProperty({ example: true }) running!: boolean;
  @ApiProperty({ example: 120000 }) intervalMs!: number;
  @ApiProperty({ example: 2 }) batchSize!: number;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: '2026-11-22T10:00:00.000Z',
    description: "When the cluster's last tick began, whichever replica ran it, by the database's clock (it grants the ticks)",
  })
  lastTickAt!: Date | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: '2026-11-22T10:02:00.000Z',
    description: "When the next tick is due, by the database's clock; null while sending is stopped",
  })
  nextTickAt!: Date | null;
  @ApiProperty({ example: false }) tickInProgress!: boolean;
  @ApiProperty({ type: TickReportDto, nullable: true, description: 'The last finished tick of this instance' }) lastTick!: TickReportDto | null;
  @ApiProperty({ type: TickTotalsDto, description: 'Since this instance started' }) totals!: TickTotalsDto;
  @ApiProperty({ example: 'dispatcher-7c9f-1', description: 'This replica' }) instanceId!: string;
  @ApiProperty({ example: true, description: 'This replica leads: it is the one that sends' }) isLeader!: boolean;
  @ApiProperty({ type: String, nullable: true, example: 'dispatcher-7c9f-1', description: 'The replica that leads, if any' }) leaderId!: string | null;
  @ApiProperty({ type: BreakerStatusDto }) breaker!: BreakerStatusDto;
  @ApiProperty({ example: false, description: 'Shutting down: no new claims' }) draining!: boolean;
}
