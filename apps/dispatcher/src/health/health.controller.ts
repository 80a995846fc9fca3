import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { DispatchScheduler } from '@app/application';
import { SentMessageCache } from '@app/domain';

/**
 * Liveness says the process answers. Readiness says this instance can do its work: it is not
 * shutting down, and the database answers and is migrated. Redis is reported (up, down or disabled) but never fails readiness:
 * without it the receipts are not cached, and sending goes on.
 */
@ApiTags('health')
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

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: database reachable and migrated; Redis reported without failing readiness' })
  @ApiServiceUnavailableResponse({ description: 'Database unreachable or not migrated' })
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
