import { describe, expect, it } from '@jest/globals';
import { AppConfig, ConfigError } from './app-config.js';

const REQUIRED = {
  DATABASE_URL: 'postgres://dispatcher:secret@localhost:5432/dispatcher',
  WEBHOOK_URL: 'http://localhost:8080/webhook',
  WEBHOOK_AUTH_KEY: 'INS.me1x9uMcyYGlhKKQVPoc.bO3j9aZwRTOcA2Ywo',
  API_KEYS: 'local-dev-key-0123456789',
};

/** The ConfigError's problems for `env`, failing the test when the config is accepted. */
function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    AppConfig.fromEnv(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

/** The variable each problem names (the part before the first colon). */
const namesIn = (problems: string[]) => problems.map((p) => p.slice(0, p.indexOf(':'))).sort();

describe(AppConfig.name, () => {
  it('fills every optional variable with its default', () => {
    const sut = AppConfig.fromEnv(REQUIRED);

    expect({ ...sut }).toEqual({
      port: 3000,
      databaseUrl: REQUIRED.DATABASE_URL,
      redisUrl: null,
      webhook: { url: REQUIRED.WEBHOOK_URL, authKey: REQUIRED.WEBHOOK_AUTH_KEY, timeoutMs: 10_000 },
      apiKeys: ['local-dev-key-0123456789'],
      dispatch: { intervalMs: 120_000, batchSize: 2, autostart: true, concurrency: 1 },
      retry: { baseMs: 1_000, maxMs: 300_000, maxAttempts: 5 },
      messageMaxLength: 160,
      cacheTtlSeconds: 86_400,
      claimLeaseMs: 60_000,
      inDoubtPolicy: 'hold',
      breaker: { failures: 5, cooldownMs: 60_000 },
      alerts: { webhookUrl: null, afterFailedTicks: 3 },
      shutdownGraceMs: 15_000,
      trustProxy: 0,
      instanceId: expect.stringMatching(/^.+-\d+$/),
      log: { level: 'info', format: 'auto' },
      gitCommit: null,
    });
    expect(sut).toBeInstanceOf(AppConfig);
  });

  it('treats an empty variable as unset', () => {
    const sut = AppConfig.fromEnv({ ...REQUIRED, PORT: '', REDIS_URL: '', DISPATCH_AUTOSTART: '', DISPATCH_INTERVAL_MS: '' });

    expect(sut).toMatchObject({ port: 3000, redisUrl: null, dispatch: { intervalMs: 120_000, autostart: true } });
  });

  it('reads every variable that is set', () => {
    const sut = AppConfig.fromEnv({
      ...REQUIRED,
      PORT: ' 8080 ',
      REDIS_URL: 'redis://localhost:6379',
      WEBHOOK_TIMEOUT_MS: '5000',
      DISPATCH_INTERVAL_MS: '1000',
      DISPATCH_BATCH_SIZE: '10',
      DISPATCH_AUTOSTART: 'false',
      RETRY_BASE_MS: '500',
      RETRY_MAX_MS: '500',
      MAX_ATTEMPTS: '3',
      MESSAGE_MAX_LENGTH: '70',
      CACHE_TTL_SECONDS: '60',
      DISPATCH_CONCURRENCY: '4',
      CLAIM_LEASE_MS: '5001',
      IN_DOUBT_POLICY: 'resend',
      BREAKER_FAILURES: '7',
      BREAKER_COOLDOWN_MS: '30000',
      ALERT_WEBHOOK_URL: 'https://alerts.example.com/hooks/sms',
      ALERT_AFTER_FAILED_TICKS: '10',
      SHUTDOWN_GRACE_MS: '0',
      TRUST_PROXY: '1',
      INSTANCE_ID: 'dispatcher-7f9c:1',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
      GIT_COMMIT: '3f2c1ab',
    });

    expect({ ...sut }).toEqual({
      port: 8080,
      databaseUrl: REQUIRED.DATABASE_URL,
      redisUrl: 'redis://localhost:6379',
      webhook: { url: REQUIRED.WEBHOOK_URL, authKey: REQUIRED.WEBHOOK_AUTH_KEY, timeoutMs: 5_000 },
      apiKeys: ['local-dev-key-0123456789'],
      dispatch: { intervalMs: 1_000, batchSize: 10, autostart: false, concurrency: 4 },
      retry: { baseMs: 500, maxMs: 500, maxAttempts: 3 },
      messageMaxLength: 70,
      cacheTtlSeconds: 60,
      claimLeaseMs: 5_001,
      inDoubtPolicy: 'resend',
      breaker: { failures: 7, cooldownMs: 30_000 },
      alerts: { webhookUrl: 'https://alerts.example.com/hooks/sms', afterFailedTicks: 10 },
      shutdownGraceMs: 0,
      trustProxy: 1,
      instanceId: 'dispatcher-7f9c:1',
      log: { level: 'debug', format: 'json' },
      gitCommit: '3f2c1ab',
    });
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['yes', true],
    ['on', true],
    ['false', false],
    ['0', false],
    ['no', false],
    ['Off', false],
  ])('reads DISPATCH_AUTOSTART=%s as %s', (value, expected) => {
    expect(AppConfig.fromEnv({ ...REQUIRED, DISPATCH_AUTOSTART: value }).dispatch.autostart).toBe(expected);
  });

  it('splits API_KEYS on commas and trims each key', () => {
    const sut = AppConfig.fromEnv({ ...REQUIRED, API_KEYS: ' first-key-0123456789 ,second-key-0123456789,  third-key-0123456789  ' });

    expect(sut.apiKeys).toEqual(['first-key-0123456789', 'second-key-0123456789', 'third-key-0123456789']);
  });

  it('ignores variables it does not read', () => {
    expect(() => AppConfig.fromEnv({ ...REQUIRED, HOME: '/root', NODE_ENV: 'test' })).not.toThrow();
  });

  it('names every missing required variable in one ConfigError', () => {
    const problems = problemsOf({});

    expect(namesIn(problems)).toEqual(['API_KEYS', 'DATABASE_URL', 'WEBHOOK_AUTH_KEY', 'WEBHOOK_URL']);
    expect(problems.find((p) => p.startsWith('DATABASE_URL'))).toMatch(/is required/);
  });

  it('names every bad variable in one ConfigError, and lists them in its message', () => {
    const env = {
      ...REQUIRED,
      DISPATCH_INTERVAL_MS: 'abc',
      DISPATCH_AUTOSTART: 'maybe',
      WEBHOOK_URL: 'ftp://x',
      DISPATCH_BATCH_SIZE: '0',
      PORT: '3000.5',
      REDIS_URL: 'http://localhost:6379',
      DATABASE_URL: 'mysql://localhost/db',
      API_KEYS: 'short',
    };

    const problems = problemsOf(env);

    expect(namesIn(problems)).toEqual([
      'API_KEYS',
      'DATABASE_URL',
      'DISPATCH_AUTOSTART',
      'DISPATCH_BATCH_SIZE',
      'DISPATCH_INTERVAL_MS',
      'PORT',
      'REDIS_URL',
      'WEBHOOK_URL',
    ]);
    expect(problems.find((p) => p.startsWith('DISPATCH_AUTOSTART'))).toMatch(/must be true or false/);
    expect(problems.find((p) => p.startsWith('WEBHOOK_URL'))).toMatch(/http\(s\) URL/);
    expect(() => AppConfig.fromEnv(env)).toThrow(/Invalid configuration:\n {2}- .*\n {2}- /);
  });

  it('refuses RETRY_MAX_MS below RETRY_BASE_MS', () => {
    expect(problemsOf({ ...REQUIRED, RETRY_BASE_MS: '2000', RETRY_MAX_MS: '1000' })).toEqual(['RETRY_MAX_MS: must not be less than RETRY_BASE_MS (2000)']);
    expect(namesIn(problemsOf({ ...REQUIRED, RETRY_BASE_MS: '400000' }))).toEqual(['RETRY_MAX_MS']);
  });

  it('names RETRY_MAX_MS below RETRY_BASE_MS together with the other bad variables', () => {
    const problems = problemsOf({ ...REQUIRED, DATABASE_URL: undefined, RETRY_BASE_MS: '2000', RETRY_MAX_MS: '1000' });

    expect(namesIn(problems)).toEqual(['DATABASE_URL', 'RETRY_MAX_MS']);
  });

  describe('delivery guarantees', () => {
    it('treats the new variables left empty as unset', () => {
      const sut = AppConfig.fromEnv({
        ...REQUIRED,
        DISPATCH_CONCURRENCY: '',
        CLAIM_LEASE_MS: '',
        IN_DOUBT_POLICY: '',
        BREAKER_FAILURES: '',
        BREAKER_COOLDOWN_MS: '',
        ALERT_WEBHOOK_URL: '',
        ALERT_AFTER_FAILED_TICKS: '',
        SHUTDOWN_GRACE_MS: '',
        INSTANCE_ID: '',
      });

      expect(sut).toMatchObject({
        dispatch: { concurrency: 1 },
        claimLeaseMs: 60_000,
        inDoubtPolicy: 'hold',
        breaker: { failures: 5, cooldownMs: 60_000 },
        alerts: { webhookUrl: null, afterFailedTicks: 3 },
        shutdownGraceMs: 15_000,
        trustProxy: 0,
      });
      expect(sut.instanceId).not.toBe('');
    });

    it.each(['hold', 'resend'] as const)('reads IN_DOUBT_POLICY=%s', (policy) => {
      expect(AppConfig.fromEnv({ ...REQUIRED, IN_DOUBT_POLICY: policy }).inDoubtPolicy).toBe(policy);
    });

    it('refuses any other IN_DOUBT_POLICY', () => {
      expect(problemsOf({ ...REQUIRED, IN_DOUBT_POLICY: 'retry' })).toEqual(['IN_DOUBT_POLICY: must be hold or resend']);
    });

    it('defaults INSTANCE_ID to the host name and process id', () => {
      expect(AppConfig.fromEnv({ ...REQUIRED, HOSTNAME: 'dispatcher-5d8f7' }).instanceId).toBe(`dispatcher-5d8f7-${process.pid}`);
    });

    it('refuses an INSTANCE_ID with spaces or other characters', () => {
      expect(namesIn(problemsOf({ ...REQUIRED, INSTANCE_ID: 'my instance' }))).toEqual(['INSTANCE_ID']);
      expect(namesIn(problemsOf({ ...REQUIRED, INSTANCE_ID: 'x'.repeat(101) }))).toEqual(['INSTANCE_ID']);
    });

    it('refuses a CLAIM_LEASE_MS that is not longer than WEBHOOK_TIMEOUT_MS', () => {
      expect(problemsOf({ ...REQUIRED, CLAIM_LEASE_MS: '10000' })).toEqual([
        'CLAIM_LEASE_MS: must be longer than WEBHOOK_TIMEOUT_MS (10000), or live sends would lose their claim',
      ]);
      expect(namesIn(problemsOf({ ...REQUIRED, WEBHOOK_TIMEOUT_MS: '60000' }))).toEqual(['CLAIM_LEASE_MS']);
      expect(AppConfig.fromEnv({ ...REQUIRED, WEBHOOK_TIMEOUT_MS: '60000', CLAIM_LEASE_MS: '60001' }).claimLeaseMs).toBe(60_001);
    });

    it('names a short CLAIM_LEASE_MS together with the other bad variables', () => {
      expect(namesIn(problemsOf({ ...REQUIRED, API_KEYS: 'short', CLAIM_LEASE_MS: '5000', WEBHOOK_TIMEOUT_MS: '9000' }))).toEqual([
        'API_KEYS',
        'CLAIM_LEASE_MS',
      ]);
    });

    it('accepts only an http(s) URL as ALERT_WEBHOOK_URL', () => {
      expect(AppConfig.fromEnv({ ...REQUIRED, ALERT_WEBHOOK_URL: 'http://localhost:9000/alerts' }).alerts.webhookUrl).toBe('http://localhost:9000/alerts');
      expect(problemsOf({ ...REQUIRED, ALERT_WEBHOOK_URL: 'mailto:ops@example.com' })).toEqual(['ALERT_WEBHOOK_URL: must be an http(s) URL']);
      expect(namesIn(problemsOf({ ...REQUIRED, ALERT_WEBHOOK_URL: 'not a url' }))).toEqual(['ALERT_WEBHOOK_URL']);
    });

    it('names every bad new variable in one ConfigError', () => {
      const problems = problemsOf({
        ...REQUIRED,
        DISPATCH_CONCURRENCY: '0',
        CLAIM_LEASE_MS: 'soon',
        BREAKER_FAILURES: '0',
        BREAKER_COOLDOWN_MS: '-1',
        ALERT_AFTER_FAILED_TICKS: '1.5',
        SHUTDOWN_GRACE_MS: '-5',
      });

      expect(namesIn(problems)).toEqual([
        'ALERT_AFTER_FAILED_TICKS',
        'BREAKER_COOLDOWN_MS',
        'BREAKER_FAILURES',
        'CLAIM_LEASE_MS',
        'DISPATCH_CONCURRENCY',
        'SHUTDOWN_GRACE_MS',
      ]);
    });

    it('accepts the bounds: a concurrency of 1000 and a grace of 0', () => {
      expect(AppConfig.fromEnv({ ...REQUIRED, DISPATCH_CONCURRENCY: '1000', SHUTDOWN_GRACE_MS: '0' })).toMatchObject({
        dispatch: { concurrency: 1_000 },
        shutdownGraceMs: 0,
      });
      expect(namesIn(problemsOf({ ...REQUIRED, DISPATCH_CONCURRENCY: '1001' }))).toEqual(['DISPATCH_CONCURRENCY']);
    });
  });
});
