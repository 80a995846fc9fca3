import { ApiProperty } from '@nestjs/swagger';

export class TickReportDto {
  @ApiProperty({ type: String, format: 'date-time' }) startedAt!: Date;
  @ApiProperty({ example: 41 }) durationMs!: number;
  @ApiProperty({ example: 2, description: 'Messages taken from the queue' }) claimed!: number;
  @ApiProperty({ example: 2 }) sent!: number;
  @ApiProperty({ example: 0, description: 'Back to pending for a later attempt' }) retried!: number;
  @ApiProperty({ example: 0 }) failed!: number;
  @ApiProperty({ example: 0, description: 'Rows that broke the rules and were failed without sending' }) invalid!: number;
}

export class TickTotalsDto {
  @ApiProperty({ example: 12 }) ticks!: number;
  @ApiProperty({ example: 24 }) claimed!: number;
  @ApiProperty({ example: 23 }) sent!: number;
  @ApiProperty({ example: 1 }) retried!: number;
  @ApiProperty({ example: 0 }) failed!: number;
  @ApiProperty({ example: 0 }) invalid!: number;
}

export class SchedulerStatusDto {
  @ApiProperty({ example: true }) running!: boolean;
  @ApiProperty({ example: 120000 }) intervalMs!: number;
  @ApiProperty({ example: 2 }) batchSize!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-11-22T10:00:00.000Z' }) lastTickAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-11-22T10:02:00.000Z' }) nextTickAt!: Date | null;
  @ApiProperty({ example: false }) tickInProgress!: boolean;
  @ApiProperty({ type: TickReportDto, nullable: true, description: 'The last finished tick of this instance' }) lastTick!: TickReportDto | null;
  @ApiProperty({ type: TickTotalsDto, description: 'Since this instance started' }) totals!: TickTotalsDto;
}
