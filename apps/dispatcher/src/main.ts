import './heap-growth.js';
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
  // From here on every line is pino's (JSON, or pretty on a terminal): see logging/.
  const app = await createDispatcherApp(config);
  await app.listen(config.port);
  const logger = new Logger('Dispatcher');
  logger.log({ msg: 'listening', port: config.port, api: '/api/v1', swagger: '/docs' });

  // Graceful shutdown: readiness turns false, no new claims, sends in flight finish (bounded by
  // SHUTDOWN_GRACE_MS), leadership is released, the server closes, and the process exits 0.
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.log({ msg: 'shutting down', signal });
    app.close().then(
      () => {
        logger.log({ msg: 'shut down', signal });
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ msg: 'shutdown failed', err: error });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void bootstrap();
