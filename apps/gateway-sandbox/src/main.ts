import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { SANDBOX_MODES, type SandboxMode } from './sandbox-behaviour.js';
import { createSandboxApp } from './create-sandbox.js';

/**
 * The sandbox gateway, configured from the environment: PORT (default 4000), WEBHOOK_AUTH_KEY
 * (the key it expects), SANDBOX_MODE, SANDBOX_LATENCY_MS, SANDBOX_SLOW_RATE, SANDBOX_SLOW_MS, SANDBOX_FAILURE_RATE,
 * SANDBOX_RETRY_AFTER_SECONDS.
 */
async function bootstrap(): Promise<void> {
  const env = process.env;
  const mode = (env.SANDBOX_MODE ?? 'accept') as SandboxMode;
  const problems: string[] = [];
  if (!env.WEBHOOK_AUTH_KEY) problems.push('WEBHOOK_AUTH_KEY: is required (the x-ins-auth-key the sandbox expects)');
  if (!SANDBOX_MODES.includes(mode)) problems.push(`SANDBOX_MODE: must be one of ${SANDBOX_MODES.join(', ')}`);
  const numbers = { PORT: env.PORT ?? '4000', SANDBOX_LATENCY_MS: env.SANDBOX_LATENCY_MS ?? '0', SANDBOX_SLOW_RATE: env.SANDBOX_SLOW_RATE ?? '0', SANDBOX_SLOW_MS: env.SANDBOX_SLOW_MS ?? '0', SANDBOX_FAILURE_RATE: env.SANDBOX_FAILURE_RATE ?? '0', SANDBOX_RETRY_AFTER_SECONDS: env.SANDBOX_RETRY_AFTER_SECONDS ?? '1' };
  for (const [name, value] of Object.entries(numbers)) {
    if (!/^\d+(\.\d+)?$/.test(value)) problems.push(`${name}: must be a number`);
  }
  if (problems.length > 0) {
    console.error(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exit(1);
  }
  const app = await createSandboxApp({
    authKey: env.WEBHOOK_AUTH_KEY as string,
    behaviour: {
      mode,
      latencyMs: Number(numbers.SANDBOX_LATENCY_MS),
      slowRate: Number(numbers.SANDBOX_SLOW_RATE),
      slowMs: Number(numbers.SANDBOX_SLOW_MS),
      failureRate: Number(numbers.SANDBOX_FAILURE_RATE),
      retryAfterSeconds: Number(numbers.SANDBOX_RETRY_AFTER_SECONDS),
    },
  });
  app.enableShutdownHooks();
  await app.listen(Number(numbers.PORT));
  new Logger('GatewaySandbox').log(`sandbox gateway listening: POST ${await app.getUrl()}/webhook`);
}

void bootstrap();
