import { Controller, Get, Header, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiResponse, ApiTags, type SchemaObject } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { DispatchScheduler } from '@app/application';
import { SentMessageCache } from '@app/domain';
import { ApiErrors, ApiPublic } from '../http/api-docs.js';
import { HEALTH_EXAMPLES, HEALTH_REPORT_SCHEMA, type HealthReport, healthHttpStatus, healthReport } from './health-report.js';

export class LivenessDto {
  @ApiProperty({ enum: ['ok'], example: 'ok' })
  status!: 'ok';
}

/** One check of the readiness answer (terminus' shape): its status and what it reports. */
const CHECK_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['status'],
  properties: {
    status: { type: 'string', enum: ['up', 'degraded', 'down'] },
    message: { type: 'string' },
  },
  additionalProperties: true,
};

const CHECKS_SCHEMA: SchemaObject = { type: 'object', additionalProperties: CHECK_SCHEMA };

const READY_EXAMPLE_CHECKS = {
  dispatcher: { status: 'up' },
  database: { status: 'up' },
  migrations: { status: 'up', pending: 0 },
  redis: { status: 'up', state: 'up' },
};

/** The readiness answer: terminus' HealthCheckResult, with this service's four checks. */
const READINESS_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['status', 'details'],
  properties: {
    status: { type: 'string', enum: ['ok', 'degraded'], description: 'degraded: Redis is down (receipts are not cached; sending goes on)' },
    info: { ...CHECKS_SCHEMA, description: 'The checks that are up or degraded' },
    error: { ...CHECKS_SCHEMA, description: 'The checks that are down (none when ready)' },
    details: { ...CHECKS_SCHEMA, description: 'Every check: dispatcher, database, migrations and redis (state up, down or disabled)' },
  },
  example: { status: 'ok', info: READY_EXAMPLE_CHECKS, error: {}, details: READY_EXAMPLE_CHECKS },
};

/**
 * Liveness says the process answers. Readiness says this instance can do its work: it is not
 * shutting down, and the database answers and is migrated. Redis is reported (up, down or disabled) but never fails readiness:
 * without it the receipts are not cached, and sending goes on.
 */
@ApiTags('health')
@ApiPublic()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly dataSource: DataSource,
    private readonly cache: SentMessageCache,
    private readonly scheduler: DispatchScheduler,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Health of the service and its parts: database, Redis, this replica',
    description: 'For people and scripts; the probes keep using /health/live and /health/ready. The body is the same with 200 and 503.',
  })
  @ApiOkResponse({
    schema: HEALTH_REPORT_SCHEMA,
    description: 'ok, or degraded (only Redis is down: receipts are not cached, sending goes on)',
    examples: { ok: { summary: 'Everything answers', value: HEALTH_EXAMPLES.ok }, degraded: { summary: 'Redis is down', value: HEALTH_EXAMPLES.degraded } },
  })
  @ApiResponse({
    status: 503,
    schema: HEALTH_REPORT_SCHEMA,
    description: 'down: the database does not answer, or this replica is shutting down (the health report, not the error body)',
    examples: { down: { summary: 'The database does not answer', value: HEALTH_EXAMPLES.down } },
  })
  @Header('Cache-Control', 'no-cache, no-store, must-revalidate')
  async report(@Res({ passthrough: true }) res: Response): Promise<HealthReport> {
    const [database, redis] = await Promise.all([this.database.pingCheck('database', { connection: this.dataSource, timeout: 1_500 }), this.cache.state()]);
    const report = healthReport({ databaseAnswers: database.database?.status === 'up', redis, shuttingDown: this.scheduler.snapshot().draining });
    res.status(healthHttpStatus(report));
    return report;
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ type: LivenessDto, description: 'The process answers' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  // terminus' own Swagger decorators are left out: this document states the answers.
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({ summary: 'Readiness: database reachable and migrated; Redis reported without failing readiness' })
  @ApiOkResponse({ schema: READINESS_SCHEMA, description: 'Ready to work; each check says what it saw' })
  @ApiErrors('SERVICE_UNAVAILABLE')
  ready() {
    return this.health.check([
      () => {
        const dispatcher = this.indicators.check('dispatcher');
        return this.scheduler.snapshot().draining ? dispatcher.down({ message: 'shutting down' }) : dispatcher.up();
      },
      () => this.database.pingCheck('database', { connection: this.dataSource, timeout: 1_500 }),
      () =>
        this.indicators
          .check('migrations')
          .attempt(async () => {
            if (await this.dataSource.showMigrations()) throw new Error('pending migrations');
            return { pending: 0 };
          })
          .withTimeout(1_500),
      async () => {
        const redis = this.indicators.check('redis');
        const state = await this.cache.state();
        if (state === 'down') return redis.degraded({ state, message: 'receipts are not being cached; sending goes on' });
        return redis.up({ state });
      },
    ]);
  }
}
