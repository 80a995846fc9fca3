import { ConfigSchema, decimal, defineVariables, integer, oneOf, text } from './env-schema.js';
import { SANDBOX_MODES } from './sandbox-behaviour.js';

/** Every environment variable the sandbox gateway reads, each declared once (env-schema.ts). */
export const SANDBOX_VARIABLES = defineVariables({
  PORT: integer({ min: 0, max: 65535, default: 4000, doc: 'port it listens on (webhook at POST /webhook; GET /__sandbox/received lists what it got)' }),
  WEBHOOK_AUTH_KEY: text({ required: 'is required (the x-ins-auth-key the sandbox expects)', doc: 'the x-ins-auth-key it expects' }),
  SANDBOX_MODE: oneOf(SANDBOX_MODES, { default: 'accept', doc: 'how it answers' }),
  SANDBOX_LATENCY_MS: decimal({ min: 0, default: 0, doc: 'delay before each answer, in milliseconds' }),
  SANDBOX_SLOW_RATE: decimal({ min: 0, max: 1, default: 0, doc: 'share of requests (0 to 1) that wait SANDBOX_SLOW_MS longer' }),
  SANDBOX_SLOW_MS: decimal({ min: 0, default: 0, doc: 'extra delay of a slow request, in milliseconds' }),
  SANDBOX_FAILURE_RATE: decimal({ min: 0, max: 1, default: 0, doc: 'share of requests (0 to 1) answered 500 whatever SANDBOX_MODE says' }),
  SANDBOX_RETRY_AFTER_SECONDS: decimal({ min: 0, default: 1, doc: 'Retry-After sent with 429 and 503 answers, in seconds' }),
});

const V = SANDBOX_VARIABLES;

/** The sandbox's configuration: where it listens, the key it expects, and how it behaves. */
export const SANDBOX_CONFIG = new ConfigSchema({
  port: V.PORT,
  authKey: V.WEBHOOK_AUTH_KEY,
  behaviour: {
    mode: V.SANDBOX_MODE,
    latencyMs: V.SANDBOX_LATENCY_MS,
    slowRate: V.SANDBOX_SLOW_RATE,
    slowMs: V.SANDBOX_SLOW_MS,
    failureRate: V.SANDBOX_FAILURE_RATE,
    retryAfterSeconds: V.SANDBOX_RETRY_AFTER_SECONDS,
  },
});
