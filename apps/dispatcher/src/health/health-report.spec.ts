import { describe, expect, it } from '@jest/globals';
import { healthHttpStatus, healthReport } from './health-report.js';

describe(healthReport.name, () => {
  it.each([
    [{ databaseAnswers: true, redis: 'up', shuttingDown: false }, 'ok', 200],
    [{ databaseAnswers: true, redis: 'disabled', shuttingDown: false }, 'ok', 200],
    [{ databaseAnswers: true, redis: 'down', shuttingDown: false }, 'degraded', 200],
    [{ databaseAnswers: false, redis: 'up', shuttingDown: false }, 'down', 503],
    [{ databaseAnswers: false, redis: 'down', shuttingDown: false }, 'down', 503],
    [{ databaseAnswers: true, redis: 'up', shuttingDown: true }, 'down', 503],
    [{ databaseAnswers: true, redis: 'down', shuttingDown: true }, 'down', 503],
  ] as const)('%j is %s (HTTP %s)', (facts, status, http) => {
    const report = healthReport(facts);

    expect(report.status).toBe(status);
    expect(healthHttpStatus(report)).toBe(http);
  });

  it('gives each component its state, and says why when it is not up', () => {
    expect(healthReport({ databaseAnswers: true, redis: 'up', shuttingDown: false }).components).toEqual({
      database: { status: 'up' },
      redis: { status: 'up' },
      dispatcher: { status: 'up' },
    });
    expect(healthReport({ databaseAnswers: false, redis: 'down', shuttingDown: true }).components).toEqual({
      database: { status: 'down', message: 'PostgreSQL does not answer' },
      redis: { status: 'down', message: 'Redis does not answer: receipts are not being cached; sending goes on' },
      dispatcher: { status: 'down', message: 'shutting down' },
    });
    expect(healthReport({ databaseAnswers: true, redis: 'disabled', shuttingDown: false }).components.redis).toEqual({
      status: 'disabled',
      message: 'REDIS_URL is not set: receipts are kept in PostgreSQL only',
    });
  });
});
