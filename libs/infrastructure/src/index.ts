/** Adapters for the domain's ports, and the configuration they are built from. */
export * from './cache/disabled-sent-message.cache.js';
export * from './cache/redis-sent-message.cache.js';
export * from './clock/system-clock.js';
export * from './config/app-config.js';
export { type ConfigOf, ConfigSchema, defaultsOf, type Env, markdownTable } from './config/env-schema.js';
export * from './config/variables.js';
export * from './gateway/classify-response.js';
export * from './gateway/http-message.gateway.js';
export * from './infrastructure.module.js';
export * from './persistence/database-options.js';
export * from './persistence/migrate.js';
export * from './persistence/persistence.module.js';
export * from './persistence/typeorm-message.repository.js';
export * from './alerts/http-alert-notifier.js';
export * from './scheduler/in-memory-scheduler-state.js';
export * from './scheduler/pg-advisory-leadership.js';
export * from './scheduler/pg-scheduler-state.js';
