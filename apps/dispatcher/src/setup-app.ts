import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppConfig } from '@app/infrastructure';
import { AppModule } from './app.module.js';
import { AllExceptionsFilter } from './http/all-exceptions.filter.js';
import { globalErrorResponses } from './http/api-docs.js';
import { API_KEY_HEADER, API_KEY_SCHEME } from './http/api-key.guard.js';
import { useRequestEdge } from './http/request-edge.js';
import { createValidationPipe } from './http/validation.pipe.js';
import { useLogging } from './logging/logging.module.js';
import { APP_VERSION } from './version/app-version.js';

/**
 * Everything an app instance needs besides its module: logging (pino, with a request line and
 * an x-request-id per request), the request edge (API key, paths, body parsing, requests Node's
 * parser refuses), validation, error mapping and Swagger (main.ts adds
 * the signal handling). Shared by main.ts and the e2e tests, so tests run exactly what production
 * runs. The app must be created with `bodyParser: false` (and `bufferLogs: true`).
 */
export function setupApp(app: INestApplication): void {
  // Before anything reads req.protocol, req.host or req.ip: behind TRUST_PROXY proxies they come from X-Forwarded-*.
  app.getHttpAdapter().getInstance().set('trust proxy', app.get(AppConfig).trustProxy);
  useLogging(app);
  useRequestEdge(app);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());

  SwaggerModule.setup('docs', app, SwaggerModule.createDocument(app, documentHead()), { jsonDocumentUrl: 'docs-json' });
}

/**
 * Everything in the OpenAPI document but its paths (those come from the controllers'
 * decorators, see http/api-docs.ts). Served at /docs-json; `npm test` lints it with Redocly's
 * recommended rules and checks the service's answers against it.
 */
function documentHead() {
  return new DocumentBuilder()
    .setTitle('Message dispatcher')
    .setDescription(
      [
        'Sends queued SMS messages to the gateway at a steady cadence, the highest priority first and the oldest first within a priority, never twice. ' +
          `Every /api/v1 route needs the ${API_KEY_HEADER} header with one of API_KEYS, checked before the request body is read.`,
        'Every error answer has the body `ErrorBody` ({ statusCode, code, message, details? }), but the 503 of GET /health, ' +
          'which is its health report; each operation lists every status it can answer, ' +
          'with an example per error `code` (branch on the code, not on the message).',
        'Some requests reach no operation and get the same error body: a path with a malformed percent-encoding (400 `INVALID_PATH`), ' +
          'an unknown route (404, after the key check under /api/v1), and, with the connection closed after the answer, a request the HTTP ' +
          'server cannot read: a request line and headers over 16 KB (431 `HEADERS_TOO_LARGE`, listed on every operation), chunk extensions ' +
          'too large (413 `PAYLOAD_TOO_LARGE`), one that is not HTTP/1.1 (400 `BAD_REQUEST`), or one not received in time (408 `REQUEST_TIMEOUT`).',
      ].join('\n\n'),
    )
    .setVersion(APP_VERSION)
    .setLicense('UNLICENSED (private; all rights reserved)', 'https://docs.npmjs.com/cli/v11/configuring-npm/package-json#license')
    .addServer('/', 'This service (the host that serves this document)')
    .addTag('messages', 'Queue messages, read them and their delivery state, replay failed ones')
    .addTag('scheduler', 'Start and stop sending for the whole cluster; its state')
    .addTag('health', 'The health report, and the liveness and readiness probes (no API key)')
    .addTag('operations', 'Version and Prometheus metrics (no API key)')
    .addApiKey({ type: 'apiKey', in: 'header', name: API_KEY_HEADER, description: 'One of API_KEYS' }, API_KEY_SCHEME)
    .addGlobalResponse(...globalErrorResponses())
    .build();
}

/** The dispatcher app, configured but not listening yet. */
export async function createDispatcherApp(config: AppConfig): Promise<INestApplication> {
  // Nest's own lines are buffered until setupApp hands the logger over to pino (level and
  // format from LOG_LEVEL and LOG_FORMAT).
  const app = await NestFactory.create(AppModule.forRoot(config), { bodyParser: false, bufferLogs: true });
  setupApp(app);
  return app;
}
