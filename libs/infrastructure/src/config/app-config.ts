import { type Env, ConfigSchema, configClass, defaultsOf, relation } from './env-schema.js';
import { ENV_VARIABLES as V } from './variables.js';

export { ConfigError } from './env-schema.js';

/** Where each variable lands in the dispatcher's config, and the rules between variables. */
export const APP_CONFIG_SCHEMA = new ConfigSchema(
  {
    port: V.PORT,
    databaseUrl: V.DATABASE_URL,
    redisUrl: V.REDIS_URL,
    webhook: { url: V.WEBHOOK_URL, authKey: V.WEBHOOK_AUTH_KEY, timeoutMs: V.WEBHOOK_TIMEOUT_MS },
    apiKeys: V.API_KEYS,
    dispatch: { intervalMs: V.DISPATCH_INTERVAL_MS, batchSize: V.DISPATCH_BATCH_SIZE, autostart: V.DISPATCH_AUTOSTART, concurrency: V.DISPATCH_CONCURRENCY },
    retry: { baseMs: V.RETRY_BASE_MS, maxMs: V.RETRY_MAX_MS, maxAttempts: V.MAX_ATTEMPTS },
    messageMaxLength: V.MESSAGE_MAX_LENGTH,
    cacheTtlSeconds: V.CACHE_TTL_SECONDS,
    claimLeaseMs: V.CLAIM_LEASE_MS,
    inDoubtPolicy: V.IN_DOUBT_POLICY,
    breaker: { failures: V.BREAKER_FAILURES, cooldownMs: V.BREAKER_COOLDOWN_MS },
    alerts: { webhookUrl: V.ALERT_WEBHOOK_URL, afterFailedTicks: V.ALERT_AFTER_FAILED_TICKS },
    shutdownGraceMs: V.SHUTDOWN_GRACE_MS,
    /** Proxy hops whose X-Forwarded-* headers Express believes (its "trust proxy"). */
    trustProxy: V.TRUST_PROXY,
    instanceId: V.INSTANCE_ID,
    log: { level: V.LOG_LEVEL, format: V.LOG_FORMAT },
    /** The commit this build came from, when the build recorded it. */
    gitCommit: V.GIT_COMMIT,
  },
  [
    relation(V.RETRY_MAX_MS, [V.RETRY_BASE_MS], (max, base) => (max < base ? `must not be less than RETRY_BASE_MS (${base})` : null)),
    relation(V.CLAIM_LEASE_MS, [V.WEBHOOK_TIMEOUT_MS], (lease, timeout) =>
      lease <= timeout ? `must be longer than WEBHOOK_TIMEOUT_MS (${timeout}), or live sends would lose their claim` : null,
    ),
  ],
);

/** The variables AppConfig reads; anything else in the environment is ignored. */
export const ENV_NAMES: readonly string[] = APP_CONFIG_SCHEMA.names;

/** The fixed defaults of the variables AppConfig reads, by name. */
export const DEFAULTS = defaultsOf(APP_CONFIG_SCHEMA.variables);

/** The dispatcher's configuration, typed, read once from the environment (fields: APP_CONFIG_SCHEMA). */
export class AppConfig extends configClass(APP_CONFIG_SCHEMA) {
  /** Throws ConfigError naming every missing or bad variable. */
  static fromEnv(env: Env): AppConfig {
    return Object.assign(new AppConfig(), APP_CONFIG_SCHEMA.read(env));
  }
}
