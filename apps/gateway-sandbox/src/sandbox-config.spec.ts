import { describe, expect, it } from '@jest/globals';
import { ConfigError } from './env-schema.js';
import { SANDBOX_CONFIG } from './sandbox-config.js';
import { DEFAULT_BEHAVIOUR } from './sandbox-behaviour.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    SANDBOX_CONFIG.read(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('SANDBOX_CONFIG', () => {
  it('needs only the key it expects; everything else has the default behaviour', () => {
    const { script: _script, ...behaviour } = DEFAULT_BEHAVIOUR;

    expect(SANDBOX_CONFIG.read({ WEBHOOK_AUTH_KEY: 'sandbox-webhook-key' })).toEqual({ port: 4000, authKey: 'sandbox-webhook-key', behaviour });
  });

  it('reads every knob that is set', () => {
    const env = {
      WEBHOOK_AUTH_KEY: 'k',
      PORT: '4100',
      SANDBOX_MODE: '429',
      SANDBOX_LATENCY_MS: '2.5',
      SANDBOX_SLOW_RATE: '0.1',
      SANDBOX_SLOW_MS: '300',
      SANDBOX_FAILURE_RATE: '1',
      SANDBOX_RETRY_AFTER_SECONDS: '3',
    };

    expect(SANDBOX_CONFIG.read(env)).toEqual({
      port: 4100,
      authKey: 'k',
      behaviour: { mode: '429', latencyMs: 2.5, slowRate: 0.1, slowMs: 300, failureRate: 1, retryAfterSeconds: 3 },
    });
  });

  it('names every missing or bad variable at once', () => {
    expect(problemsOf({ PORT: '40.5', SANDBOX_MODE: 'sometimes', SANDBOX_LATENCY_MS: 'slow', SANDBOX_FAILURE_RATE: '1.5' })).toEqual([
      'PORT: PORT must be an integer number',
      'WEBHOOK_AUTH_KEY: is required (the x-ins-auth-key the sandbox expects)',
      'SANDBOX_MODE: must be one of accept, 500, 503, 429, 400, 200, no-message-id, garbage, hang, reset',
      'SANDBOX_LATENCY_MS: must be a number',
      'SANDBOX_FAILURE_RATE: SANDBOX_FAILURE_RATE must not be greater than 1',
    ]);
  });
});
