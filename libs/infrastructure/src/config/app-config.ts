import 'reflect-metadata';
import { hostname } from 'node:os';
import type { InDoubtPolicy } from '@app/domain';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { Environment, type LogFormat, type LogLevelName } from './environment.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export const DEFAULTS = {
  PORT: 3000,
  WEBHOOK_TIMEOUT_MS: 10_000,
  DISPATCH_INTERVAL_MS: 120_000,
  DISPATCH_BATCH_SIZE: 2,
  DISPATCH_AUTOSTART: true,
  DISPATCH_CONCURRENCY: 1,
  RETRY_BASE_MS: 1_000,
  RETRY_MAX_MS: 300_000,
  MAX_ATTEMPTS: 5,
  MESSAGE_MAX_LENGTH: 160,
  CACHE_TTL_SECONDS: 86_400,
  CLAIM_LEASE_MS: 60_000,
  IN_DOUBT_POLICY: 'hold',
  BREAKER_FAILURES: 5,
  BREAKER_COOLDOWN_MS: 60_000,
  ALERT_AFTER_FAILED_TICKS: 3,
  SHUTDOWN_GRACE_MS: 15_000,
  LOG_LEVEL: 'info',
  LOG_FORMAT: 'auto',
} as const;

/** The variables AppConfig reads; anything else in the environment is ignored. */
export const ENV_NAMES = [
  'PORT',
  'DATABASE_URL',
  'REDIS_URL',
  'WEBHOOK_URL',
  'WEBHOOK_AUTH_KEY',
  'WEBHOOK_TIMEOUT_MS',
  'API_KEYS',
  'DISPATCH_INTERVAL_MS',
  'DISPATCH_BATCH_SIZE',
  'DISPATCH_AUTOSTART',
  'DISPATCH_CONCURRENCY',
  'RETRY_BASE_MS',
  'RETRY_MAX_MS',
  'MAX_ATTEMPTS',
  'MESSAGE_MAX_LENGTH',
  'CACHE_TTL_SECONDS',
  'CLAIM_LEASE_MS',
  'IN_DOUBT_POLICY',
  'BREAKER_FAILURES',
  'BREAKER_COOLDOWN_MS',
  'ALERT_WEBHOOK_URL',
  'ALERT_AFTER_FAILED_TICKS',
  'SHUTDOWN_GRACE_MS',
  'INSTANCE_ID',
  'LOG_LEVEL',
  'LOG_FORMAT',
  'GIT_COMMIT',
] as const satisfies readonly (keyof Environment)[];

/** The dispatcher's configuration, typed, read once from the environment. */
export class AppConfig {
  port!: number;
  databaseUrl!: string;
  redisUrl!: string | null;
  webhook!: { url: string; authKey: string; timeoutMs: number };
  apiKeys!: string[];
  dispatch!: { intervalMs: number; batchSize: number; autostart: boolean; concurrency: number };
  retry!: { baseMs: number; maxMs: number; maxAttempts: number };
  messageMaxLength!: number;
  cacheTtlSeconds!: number;
  claimLeaseMs!: number;
  inDoubtPolicy!: InDoubtPolicy;
  breaker!: { failures: number; cooldownMs: number };
  alerts!: { webhookUrl: string | null; afterFailedTicks: number };
  shutdownGraceMs!: number;
  instanceId!: string;
  log!: { level: LogLevelName; format: LogFormat };
  /** The commit this build came from, when the build recorded it. */
  gitCommit!: string | null;

  /** Throws ConfigError naming every missing or bad variable. */
  static fromEnv(env: Record<string, string | undefined>): AppConfig {
    const known = Object.fromEntries(ENV_NAMES.map((name) => [name, env[name]]));
    const parsed = plainToInstance(Environment, known);
    const errors = validateSync(parsed, { whitelist: true, forbidUnknownValues: true, stopAtFirstError: true });
    const problems = errors.map((e) => `${e.property}: ${Object.values(e.constraints ?? {}).join('; ')}`);
    const retryBase = parsed.RETRY_BASE_MS ?? DEFAULTS.RETRY_BASE_MS;
    const retryMax = parsed.RETRY_MAX_MS ?? DEFAULTS.RETRY_MAX_MS;
    const retryVariablesValid = !errors.some((e) => e.property === 'RETRY_BASE_MS' || e.property === 'RETRY_MAX_MS');
    if (retryVariablesValid && retryMax < retryBase) {
      problems.push(`RETRY_MAX_MS: must not be less than RETRY_BASE_MS (${retryBase})`);
    }
    const timeoutValid = !errors.some((e) => e.property === 'WEBHOOK_TIMEOUT_MS' || e.property === 'CLAIM_LEASE_MS');
    const timeout = parsed.WEBHOOK_TIMEOUT_MS ?? DEFAULTS.WEBHOOK_TIMEOUT_MS;
    const lease = parsed.CLAIM_LEASE_MS ?? DEFAULTS.CLAIM_LEASE_MS;
    if (timeoutValid && lease <= timeout) {
      problems.push(`CLAIM_LEASE_MS: must be longer than WEBHOOK_TIMEOUT_MS (${timeout}), or live sends would lose their claim`);
    }
    if (problems.length > 0) throw new ConfigError(problems);

    return Object.assign(new AppConfig(), {
      port: parsed.PORT ?? DEFAULTS.PORT,
      databaseUrl: parsed.DATABASE_URL,
      redisUrl: parsed.REDIS_URL ?? null,
      webhook: {
        url: parsed.WEBHOOK_URL,
        authKey: parsed.WEBHOOK_AUTH_KEY,
        timeoutMs: parsed.WEBHOOK_TIMEOUT_MS ?? DEFAULTS.WEBHOOK_TIMEOUT_MS,
      },
      apiKeys: parsed.API_KEYS.split(',').map((k) => k.trim()),
      dispatch: {
        intervalMs: parsed.DISPATCH_INTERVAL_MS ?? DEFAULTS.DISPATCH_INTERVAL_MS,
        batchSize: parsed.DISPATCH_BATCH_SIZE ?? DEFAULTS.DISPATCH_BATCH_SIZE,
        autostart: parsed.DISPATCH_AUTOSTART ?? DEFAULTS.DISPATCH_AUTOSTART,
        concurrency: parsed.DISPATCH_CONCURRENCY ?? DEFAULTS.DISPATCH_CONCURRENCY,
      },
      retry: { baseMs: retryBase, maxMs: retryMax, maxAttempts: parsed.MAX_ATTEMPTS ?? DEFAULTS.MAX_ATTEMPTS },
      messageMaxLength: parsed.MESSAGE_MAX_LENGTH ?? DEFAULTS.MESSAGE_MAX_LENGTH,
      cacheTtlSeconds: parsed.CACHE_TTL_SECONDS ?? DEFAULTS.CACHE_TTL_SECONDS,
      claimLeaseMs: lease,
      inDoubtPolicy: parsed.IN_DOUBT_POLICY ?? DEFAULTS.IN_DOUBT_POLICY,
      breaker: {
        failures: parsed.BREAKER_FAILURES ?? DEFAULTS.BREAKER_FAILURES,
        cooldownMs: parsed.BREAKER_COOLDOWN_MS ?? DEFAULTS.BREAKER_COOLDOWN_MS,
      },
      alerts: {
        webhookUrl: parsed.ALERT_WEBHOOK_URL ?? null,
        afterFailedTicks: parsed.ALERT_AFTER_FAILED_TICKS ?? DEFAULTS.ALERT_AFTER_FAILED_TICKS,
      },
      shutdownGraceMs: parsed.SHUTDOWN_GRACE_MS ?? DEFAULTS.SHUTDOWN_GRACE_MS,
      // Kubernetes sets HOSTNAME to the pod name: a readable, unique id per replica.
      instanceId: parsed.INSTANCE_ID ?? `${env.HOSTNAME || hostname()}-${process.pid}`,
      log: { level: parsed.LOG_LEVEL ?? DEFAULTS.LOG_LEVEL, format: parsed.LOG_FORMAT ?? DEFAULTS.LOG_FORMAT },
      gitCommit: parsed.GIT_COMMIT ?? null,
    });
  }
}
