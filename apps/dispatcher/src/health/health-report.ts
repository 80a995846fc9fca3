import type { SchemaObject } from '@nestjs/swagger';
import type { CacheState } from '@app/domain';

/**
 * GET /health: one answer for people and their scripts, beside the probes (/health/live,
 * /health/ready). Each part of the service says whether it works; the whole is
 *   down      the database does not answer, or this replica is shutting down (HTTP 503);
 *   degraded  only Redis is down: receipts are not cached, sending goes on (HTTP 200);
 *   ok        everything configured answers (HTTP 200; Redis may be disabled).
 */
export interface ComponentHealth {
  status: 'up' | 'down' | 'disabled';
  /** Why it is not up, in words; absent when it is. */
  message?: string;
}

export interface HealthReport {
  status: 'ok' | 'degraded' | 'down';
  components: { database: ComponentHealth; redis: ComponentHealth; dispatcher: ComponentHealth };
}

/** What each part was seen doing. */
export interface HealthFacts {
  databaseAnswers: boolean;
  redis: CacheState;
  shuttingDown: boolean;
}

export function healthReport(facts: HealthFacts): HealthReport {
  const database: ComponentHealth = facts.databaseAnswers ? { status: 'up' } : { status: 'down', message: 'PostgreSQL does not answer' };
  const redis: ComponentHealth =
    facts.redis === 'up'
      ? { status: 'up' }
      : facts.redis === 'disabled'
        ? { status: 'disabled', message: 'REDIS_URL is not set: receipts are kept in PostgreSQL only' }
        : { status: 'down', message: 'Redis does not answer: receipts are not being cached; sending goes on' };
  const dispatcher: ComponentHealth = facts.shuttingDown ? { status: 'down', message: 'shutting down' } : { status: 'up' };
  const status = database.status === 'down' || dispatcher.status === 'down' ? 'down' : redis.status === 'down' ? 'degraded' : 'ok';
  return { status, components: { database, redis, dispatcher } };
}

/** The HTTP status of a report: 503 when down, so that a plain `curl -f` or a load balancer sees it. */
export function healthHttpStatus(report: HealthReport): 200 | 503 {
  return report.status === 'down' ? 503 : 200;
}

function componentSchema(states: ComponentHealth['status'][], description: string): SchemaObject {
  return {
    type: 'object',
    required: ['status'],
    description,
    properties: {
      status: { type: 'string', enum: states },
      message: { type: 'string', description: 'Why it is not up; absent when it is' },
    },
  };
}

/** GET /health's answer, with either status code. */
export const HEALTH_REPORT_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['status', 'components'],
  properties: {
    status: {
      type: 'string',
      enum: ['ok', 'degraded', 'down'],
      description: 'down (HTTP 503): the database does not answer or this replica is shutting down; degraded: only Redis is down; ok: the rest',
    },
    components: {
      type: 'object',
      required: ['database', 'redis', 'dispatcher'],
      properties: {
        database: componentSchema(['up', 'down'], 'PostgreSQL answers a query within 1.5 s'),
        redis: componentSchema(['up', 'down', 'disabled'], 'The receipt cache: disabled when REDIS_URL is not set; down never stops sending'),
        dispatcher: componentSchema(['up', 'down'], 'This replica: down while it shuts down'),
      },
    },
  },
};

export const HEALTH_EXAMPLES = {
  ok: { status: 'ok', components: { database: { status: 'up' }, redis: { status: 'up' }, dispatcher: { status: 'up' } } },
  degraded: healthReport({ databaseAnswers: true, redis: 'down', shuttingDown: false }),
  down: healthReport({ databaseAnswers: false, redis: 'up', shuttingDown: false }),
};
