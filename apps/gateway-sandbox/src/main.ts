import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createSandboxApp } from './create-sandbox.js';
import { ConfigError } from './env-schema.js';
import { SANDBOX_CONFIG } from './sandbox-config.js';

/** The sandbox gateway, configured from the environment: the variables of sandbox-config.ts. */
async function bootstrap(): Promise<void> {
  let config: ReturnType<typeof SANDBOX_CONFIG.read>;
  try {
    config = SANDBOX_CONFIG.read(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  const app = await createSandboxApp({ authKey: config.authKey, behaviour: config.behaviour });
  app.enableShutdownHooks();
  await app.listen(config.port);
  new Logger('GatewaySandbox').log(`sandbox gateway listening: POST ${await app.getUrl()}/webhook`);
}

void bootstrap();
