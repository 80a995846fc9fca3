import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { AppConfig, ConfigError } from '@app/infrastructure';
import { createDispatcherApp } from './setup-app.js';

/** Production entry point: configuration from the environment only. */
async function bootstrap(): Promise<void> {
  let config: AppConfig;
  try {
    config = AppConfig.fromEnv(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  const app = await createDispatcherApp(config);
  await app.listen(config.port);
  new Logger('Dispatcher').log(`listening on port ${config.port}: API /api/v1, Swagger /docs`);
}

void bootstrap();
