import { describe, expect, it } from '@jest/globals';
import { APP_CONFIG_SCHEMA, AppConfig, DEFAULTS, ENV_NAMES } from './app-config.js';
import { ENV_VARIABLES } from './variables.js';

const REQUIRED = {
  DATABASE_URL: 'postgres://dispatcher:secret@localhost:5432/dispatcher',
  WEBHOOK_URL: 'http://localhost:8080/webhook',
  WEBHOOK_AUTH_KEY: 'INS.me1x9uMcyYGlhKKQVPoc.bO3j9aZwRTOcA2Ywo',
  API_KEYS: 'local-dev-key-0123456789',
};

describe('ENV_VARIABLES', () => {
  it('are read by AppConfig, each exactly once: ENV_NAMES is the list', () => {
    expect(ENV_NAMES).toEqual(APP_CONFIG_SCHEMA.names);
    expect(new Set(ENV_NAMES).size).toBe(ENV_NAMES.length);
    expect([...ENV_NAMES].sort()).toEqual(Object.keys(ENV_VARIABLES).sort());
  });

  it('give the defaults the dispatcher always had', () => {
    expect(DEFAULTS).toEqual({
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
      TRUST_PROXY: 0,
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'auto',
    });
  });

  it('accept their own defaults written out, reading the same config as leaving them unset', () => {
    const written = Object.fromEntries(Object.entries(DEFAULTS).map(([name, value]) => [name, String(value)]));

    expect({ ...AppConfig.fromEnv({ ...REQUIRED, ...written, INSTANCE_ID: 'a' }) }).toEqual({ ...AppConfig.fromEnv({ ...REQUIRED, INSTANCE_ID: 'a' }) });
  });

  it('document every variable, and a default for every one that is not required', () => {
    for (const v of Object.values(ENV_VARIABLES)) {
      expect({ name: v.name, doc: v.options.doc.length > 0, default: v.documentedDefault.length > 0 }).toEqual({ name: v.name, doc: true, default: true });
    }
  });
});
