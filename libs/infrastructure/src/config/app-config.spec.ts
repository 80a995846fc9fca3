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
      dispatch: { intervalMs: 120_000, batchSize: 2, autostart: true },
      retry: { baseMs: 1_000, maxMs: 300_000, maxAttempts: 5 },
      messageMaxLength: 160,
      cacheTtlSeconds: 86_400,
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
    });

    expect({ ...sut }).toMatchObject({
      port: 8080,
      redisUrl: 'redis://localhost:6379',
      webhook: { timeoutMs: 5_000 },
      dispatch: { intervalMs: 1_000, batchSize: 10, autostart: false },
      retry: { baseMs: 500, maxMs: 500, maxAttempts: 3 },
      messageMaxLength: 70,
      cacheTtlSeconds: 60,
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
    expect(problemsOf({ ...REQUIRED, RETRY_BASE_MS: '2000', RETRY_MAX_MS: '1000' })).toEqual([
      'RETRY_MAX_MS: must not be less than RETRY_BASE_MS (2000)',
    ]);
    expect(namesIn(problemsOf({ ...REQUIRED, RETRY_BASE_MS: '400000' }))).toEqual(['RETRY_MAX_MS']);
  });

  // Known bug: app-config.ts checks RETRY_MAX_MS < RETRY_BASE_MS only when no other variable is
  // bad, so this problem shows up one boot later. Make this a plain `it` once it is reported with the rest.
  it('names RETRY_MAX_MS below RETRY_BASE_MS together with the other bad variables', () => {
    const problems = problemsOf({ ...REQUIRED, DATABASE_URL: undefined, RETRY_BASE_MS: '2000', RETRY_MAX_MS: '1000' });

    expect(namesIn(problems)).toEqual(['DATABASE_URL', 'RETRY_MAX_MS']);
  });
});
