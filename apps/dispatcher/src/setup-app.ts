import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppConfig } from '@app/infrastructure';
import { AppModule } from './app.module.js';
import { AllExceptionsFilter } from './http/all-exceptions.filter.js';
import { API_KEY_HEADER, API_KEY_SCHEME } from './http/api-key.guard.js';
import { BATCH_CREATE_PATH, batchBodyLimit, batchJsonBody, bodyErrorHandler, jsonBody } from './http/body-parsing.js';
import { createValidationPipe } from './http/validation.pipe.js';
import { useLogging } from './logging/logging.module.js';
import { APP_VERSION } from './version/app-version.js';

/**
 * Everything an app instance needs besides its module: logging (pino, with a request line and
 * an x-request-id per request), body parsing, validation, error mapping and Swagger (main.ts adds
 * the signal handling). Shared by main.ts and the e2e tests, so tests run exactly what production
 * runs. The app must be created with `bodyParser: false` (and `bufferLogs: true`).
 */
export function setupApp(app: INestApplication): void {
  useLogging(app);
  app.use(BATCH_CREATE_PATH, batchJsonBody(batchBodyLimit(app.get(AppConfig).messageMaxLength)));
  app.use(jsonBody);
  app.use(bodyErrorHandler);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Message dispatcher')
      .setDescription(
        'Sends queued SMS messages to the gateway at a steady cadence, oldest first, never twice. ' +
          `Every /api/v1 route needs the ${API_KEY_HEADER} header with one of API_KEYS.`,
      )
      .setVersion(APP_VERSION)
      .addApiKey({ type: 'apiKey', in: 'header', name: API_KEY_HEADER, description: 'One of API_KEYS' }, API_KEY_SCHEME)
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

/** The dispatcher app, configured but not listening yet. */
export async function createDispatcherApp(config: AppConfig): Promise<INestApplication> {
  // Nest's own lines are buffered until setupApp hands the logger over to pino (level and
  // format from LOG_LEVEL and LOG_FORMAT).
  const app = await NestFactory.create(AppModule.forRoot(config), { bodyParser: false, bufferLogs: true });
  setupApp(app);
  return app;
}
