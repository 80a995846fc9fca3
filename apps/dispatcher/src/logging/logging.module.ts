import { type DynamicModule, type INestApplication, Module } from '@nestjs/common';
import { Logger, LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { HttpLogger } from 'pino-http';
import type { AppConfig } from '@app/infrastructure';
import { createHttpLogger, SERIALIZERS } from './logger-options.js';

/** The pino-http middleware of the app (see useLogging). */
export const HTTP_LOGGER = Symbol('HTTP_LOGGER');

export interface LoggingOptions {
  /** Where the lines go instead of stdout (tests). */
  destination?: DestinationStream;
}

/**
 * Structured logging with pino, through nestjs-pino. The pino-http middleware is created here and
 * mounted by useLogging() ahead of everything else (body parsing included), so that every
 * request, even one whose body is refused before Nest sees it, gets its correlation id and its
 * log line. nestjs-pino is told the middleware exists (`useExisting`, which reads `req.log`): it
 * then only binds each request's logger to the request's async context, so that
 * `new Logger(X.name)` calls made while handling it carry its reqId, and sends the lines logged
 * outside requests to a child of the same logger. nestjs-pino keeps that root once per process:
 * a second app in the same process (tests) logs its out-of-request lines through the first's.
 */
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig, options: LoggingOptions = {}): DynamicModule {
    const httpLogger = createHttpLogger(config, options.destination);
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: { logger: httpLogger.logger, serializers: SERIALIZERS },
          useExisting: true,
        }),
      ],
      providers: [{ provide: HTTP_LOGGER, useValue: httpLogger }],
      exports: [HTTP_LOGGER],
    };
  }
}

/**
 * Nest's own logger (and so every `new Logger(X.name)`) writes through pino from here on, the
 * lines buffered while the app was created included; the request logging goes in front of every
 * other middleware. Call before any other `app.use`.
 */
export function useLogging(app: INestApplication): void {
  app.useLogger(app.get(Logger));
  app.flushLogs();
  app.use(app.get<HttpLogger>(HTTP_LOGGER));
}
