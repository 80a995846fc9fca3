import { hostname } from 'node:os';
import { isURL } from 'class-validator';
import { boolean, defineVariables, integer, Invalid, oneOf, text, variable, type VariableOptions } from './env-schema.js';

/**
 * Every environment variable the dispatcher's processes read (the service, the seed command and
 * the migration command), each declared once: name, how it is read and checked, default, meaning.
 * The README's configuration table is this list (a test compares them); `.env.example` and the
 * deploy files are checked against it.
 */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];
/** auto: readable lines when stdout is a terminal, JSON otherwise. */
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** A URL with one of `protocols` (class-validator's isURL; host names without a TLD allowed). */
function url<const O extends VariableOptions<string>>(protocols: string[], invalid: string, options: O) {
  return variable((raw) => (isURL(raw, { require_tld: false, require_protocol: true, protocols }) ? raw : new Invalid(invalid)), options);
}

const API_KEYS = /^\s*[^,\s]{16,}\s*(,\s*[^,\s]{16,}\s*)*$/;

export const ENV_VARIABLES = defineVariables({
  PORT: integer({ min: 0, max: 65535, default: 3000, doc: 'HTTP port of the API' }),
  DATABASE_URL: url(['postgres', 'postgresql'], 'must be a postgres:// URL', {
    required: 'is required (postgres://user:password@host:5432/database)',
    docDefault: '(required; `npm start` embeds one)',
    doc: '`postgres://user:password@host:5432/database`',
  }),
  REDIS_URL: url(['redis', 'rediss'], 'must be a redis:// or rediss:// URL', {
    docDefault: 'unset: cache off (`npm start` uses a Redis on 127.0.0.1:6379 when one answers)',
    doc: '`redis://host:6379` for the receipt cache; optional',
  }),
  WEBHOOK_URL: url(['http', 'https'], 'must be an http(s) URL', {
    required: 'is required: the SMS gateway webhook address',
    docDefault: '(required; `npm start` runs the sandbox)',
    doc: "the gateway's webhook address",
  }),
  WEBHOOK_AUTH_KEY: text({ required: 'is required: the key sent as x-ins-auth-key to the gateway', doc: 'sent to the gateway as `x-ins-auth-key`' }),
  WEBHOOK_TIMEOUT_MS: integer({ min: 1, max: 600_000, default: 10_000, doc: 'time allowed for one gateway call' }),
  API_KEYS: variable(
    (raw) =>
      API_KEYS.test(raw)
        ? raw.split(',').map((key) => key.trim())
        : new Invalid('must be comma-separated keys of at least 16 characters each, without spaces inside a key'),
    {
      required: 'is required: comma-separated keys accepted in x-ins-auth-key',
      docDefault: '(required; `npm start` generates one)',
      doc: 'comma-separated keys accepted in `x-ins-auth-key`, each at least 16 characters',
    },
  ),
  DISPATCH_INTERVAL_MS: integer({ min: 1, max: 86_400_000, default: 120_000, doc: 'time between the starts of two ticks' }),
  DISPATCH_BATCH_SIZE: integer({ min: 1, max: 1000, default: 2, doc: 'messages taken per tick' }),
  DISPATCH_AUTOSTART: boolean({ default: true, doc: 'start sending at boot' }),
  RETRY_BASE_MS: integer({ min: 1, max: 86_400_000, default: 1_000, doc: 'first retry delay; doubles per attempt' }),
  RETRY_MAX_MS: integer({ min: 1, max: 86_400_000, default: 300_000, doc: 'longest retry delay' }),
  MAX_ATTEMPTS: integer({ min: 1, max: 100, default: 5, doc: 'attempts before a retryable failure becomes `failed`' }),
  MESSAGE_MAX_LENGTH: integer({ min: 1, max: 10_000, default: 160, doc: 'longest content, in characters ("ğ" and "😀" count one each)' }),
  CACHE_TTL_SECONDS: integer({ min: 1, max: 31_536_000, default: 86_400, doc: 'lifetime of a `sent_message:<id>` key in Redis' }),
  DISPATCH_CONCURRENCY: integer({
    min: 1,
    max: 1000,
    default: 1,
    doc:
      'requests of one batch in flight at once, and so the most rows a crash can leave in doubt; ' +
      "1 keeps the gateway's order strictly the claim's order: highest priority, then oldest (see below)",
  }),
  CLAIM_LEASE_MS: integer({ min: 100, max: 3_600_000, default: 60_000, doc: 'how long a claim holds; must be longer than `WEBHOOK_TIMEOUT_MS`' }),
  IN_DOUBT_POLICY: oneOf(['hold', 'resend'], {
    invalid: 'must be hold or resend',
    default: 'hold',
    doc: '`hold` parks in-doubt messages in `unknown`; `resend` sends them again with the same Idempotency-Key',
  }),
  BREAKER_FAILURES: integer({ min: 1, max: 10_000, default: 5, doc: 'consecutive gateway failures that open the circuit breaker' }),
  BREAKER_COOLDOWN_MS: integer({ min: 1, max: 86_400_000, default: 60_000, doc: 'how long an open breaker waits before one probe' }),
  ALERT_WEBHOOK_URL: url(['http', 'https'], 'must be an http(s) URL', { doc: 'where alerts are POSTed as JSON' }),
  ALERT_AFTER_FAILED_TICKS: integer({ min: 1, max: 10_000, default: 3, doc: 'alert after this many ticks in a row had messages and sent none' }),
  SHUTDOWN_GRACE_MS: integer({ min: 0, max: 3_600_000, default: 15_000, doc: 'longest wait for sends in flight on SIGTERM' }),
  TRUST_PROXY: integer({
    min: 0,
    max: 10,
    default: 0,
    doc:
      'how many reverse proxies in front of the service to believe about X-Forwarded-Proto, -Host and -For; ' +
      'set 1 behind an ingress or load balancer that ends TLS, so the dashboard sees https (Secure cookie, same-origin check) ' +
      "and each client's own address (sign-in rate limit); 0 believes none",
  }),
  INSTANCE_ID: text({
    maxLength: 100,
    pattern: /^[A-Za-z0-9._:-]+$/,
    invalid: 'must be letters, digits, . _ : or -',
    // Kubernetes sets HOSTNAME to the pod name: a readable, unique id per replica.
    default: (env) => `${env.HOSTNAME || hostname()}-${process.pid}`,
    docDefault: '`<hostname>-<pid>`',
    doc: "this replica's name in status, claims, logs and metrics (the pod name on Kubernetes)",
  }),
  LOG_LEVEL: oneOf(LOG_LEVELS, { default: 'info', doc: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`' }),
  LOG_FORMAT: oneOf(LOG_FORMATS, {
    default: 'auto',
    doc: '`json` (one JSON object per line), `pretty` (readable, coloured), or `auto`: pretty when stdout is a terminal, JSON otherwise',
  }),
  GIT_COMMIT: text({
    pattern: /^[0-9a-zA-Z._-]{1,64}$/,
    invalid: 'must be a commit id (letters, digits, . _ -)',
    doc: 'the commit the build came from; the Dockerfile sets it from its `GIT_COMMIT` build argument; shown by `/version` and `dispatcher_info`',
  }),
});

export type EnvName = keyof typeof ENV_VARIABLES;

/** Read only by `npm start` (apps/dispatcher/src/local), never by the service itself. */
export const LOCAL_VARIABLES = defineVariables({
  EMBEDDED_PG_PORT: integer({ min: 1, max: 65535, docDefault: 'a free port', doc: 'port of the embedded PostgreSQL' }),
});
