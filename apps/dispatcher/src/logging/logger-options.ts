import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { type DestinationStream, type Level, type LoggerOptions } from 'pino';
import { type HttpLogger, pinoHttp } from 'pino-http';
import pretty from 'pino-pretty';
import type { AppConfig } from '@app/infrastructure';

export const SERVICE_NAME = 'message-dispatcher';
export const REQUEST_ID_HEADER = 'x-request-id';
export const REDACTED = '[redacted]';

/**
 * What never reaches a log line, whichever object carries it: the API key (x-ins-auth-key) and
 * other credentials in request headers, the webhook key, and message content. Requests are
 * logged without headers or bodies at all (requestSerializer); these paths catch objects logged
 * by hand (`logger.warn({ headers })`, `logger.log({ message })`, `logger.log({ config })`...).
 * Redaction only applies to fields: a message text (`msg`) is written as is, so no log call may
 * interpolate content or keys into it.
 */
export const REDACT_PATHS = [
  'req.headers["x-ins-auth-key"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.body',
  'res.headers["set-cookie"]',
  'headers["x-ins-auth-key"]',
  'headers.authorization',
  'headers.cookie',
  '*.headers["x-ins-auth-key"]',
  '*.headers.authorization',
  '*.headers.cookie',
  'content',
  '*.content',
  '*.*.content',
  'authKey',
  '*.authKey',
  '*.*.authKey',
  'apiKeys',
  '*.apiKeys',
];

/** A caller's correlation id is kept when it is 1-128 of these characters; anything else is replaced. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's correlation id: the caller's x-request-id when it is sane, else a fresh UUID. */
export function requestIdFor(header: string | string[] | undefined): string {
  return typeof header === 'string' && SANE_REQUEST_ID.test(header) ? header : randomUUID();
}

/** Health probes and the metrics scrape come every few seconds (see requestLogLevel). */
export function isProbe(url: string): boolean {
  const path = url.split('?', 1)[0];
  return path === '/metrics' || path === '/health' || path.startsWith('/health/');
}

type Request = IncomingMessage & { originalUrl?: string };

function urlOf(req: Request): string {
  return req.originalUrl ?? req.url ?? '';
}

/**
 * 5xx (or a failed response) at error, 4xx at warn, the rest at info. Probes are the exception:
 * debug while they succeed, warn when they fail (a replica that drains or loses its database
 * answers 503 to every probe, which is expected and must not flood the errors).
 */
export function requestLogLevel(req: Request, res: ServerResponse, error?: Error): Level {
  const failed = error !== undefined || res.statusCode >= 400;
  if (isProbe(urlOf(req))) return failed ? 'warn' : 'debug';
  if (error || res.statusCode >= 500) return 'error';
  return failed ? 'warn' : 'info';
}

/**
 * Errors are logged as type, message, stack and code only. Other fields of an error object can
 * hold what must not be logged: an AxiosError carries the request config (headers with the
 * webhook key, the body with the content), a TypeORM QueryFailedError its query parameters,
 * and a PostgreSQL error's `detail` can quote the failing row. pino-http hands this serializer
 * the output of pino's standard one (a plain object), pino itself the Error.
 */
export function errorSerializer(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const source = (error instanceof Error ? pino.stdSerializers.err(error) : error) as Record<string, unknown>;
  const code = source.code;
  return {
    type: source.type,
    message: source.message,
    stack: source.stack,
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
  };
}

/** A request is logged as its method and URL only: no headers, no body, no address. */
export function requestSerializer(req: unknown): unknown {
  if (typeof req !== 'object' || req === null) return req;
  const { method, url, originalUrl } = req as { method?: unknown; url?: unknown; originalUrl?: unknown };
  return { method, url: originalUrl ?? url };
}

/** A response is logged as its status code only. */
export function responseSerializer(res: unknown): unknown {
  if (typeof res !== 'object' || res === null) return res;
  return { statusCode: (res as { statusCode?: unknown }).statusCode };
}

/** For every pino logger of the app (pino-http wraps them around its standard ones). */
export const SERIALIZERS = { err: errorSerializer, req: requestSerializer, res: responseSerializer };

/** pino's own options: level, base fields, ISO timestamps, level labels, redaction. */
export function pinoOptions(config: AppConfig): LoggerOptions {
  return {
    level: config.log.level,
    base: { service: SERVICE_NAME, instanceId: config.instanceId },
    timestamp: pino.stdTimeFunctions.isoTime,
    messageKey: 'msg',
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    serializers: SERIALIZERS,
  };
}

/** Where the lines go: JSON on stdout, or pino-pretty (synchronous, in this thread) for a terminal. */
export function destinationFor(format: AppConfig['log']['format']): DestinationStream {
  const usePretty = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  if (usePretty) {
    return pretty({
      sync: true,
      destination: 1,
      colorize: process.stdout.isTTY === true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'service,instanceId,context',
      messageFormat: '{if context}[{context}] {end}{msg}',
    });
  }
  return pino.destination({ dest: 1, sync: true });
}

/**
 * The pino-http middleware, which also creates the application's root pino logger
 * (`.logger`). Every request gets a correlation id (`reqId`): the caller's x-request-id when it
 * is sane, otherwise a UUID; it is sent back in the x-request-id response header, and is bound
 * to every line logged while the request is handled. One line per request, when it ends.
 */
export function createHttpLogger(config: AppConfig, destination: DestinationStream = destinationFor(config.log.format)): HttpLogger {
  return pinoHttp<Request, ServerResponse>(
    {
      ...pinoOptions(config),
      genReqId: (req, res) => {
        const id = requestIdFor(req.headers[REQUEST_ID_HEADER]);
        res.setHeader(REQUEST_ID_HEADER, id);
        return id;
      },
      customAttributeKeys: { reqId: 'reqId' },
      // Lines logged during a request carry reqId only, not the whole request.
      quietReqLogger: true,
      quietResLogger: true,
      customLogLevel: requestLogLevel,
      // { req: { method, url }, res: { statusCode }, responseTime } (see the serializers).
      customSuccessObject: (req, res, value: { responseTime: number }) => ({ req, res, responseTime: value.responseTime }),
      customErrorObject: (req, res, error, value: { responseTime: number }) => {
        // pino-http makes up "failed with status code 500" for a 5xx: the cause, if any, was
        // logged where it was caught (HttpError). A failed response stream is worth its error.
        const real = error.message !== `failed with status code ${res.statusCode}`;
        return { req, res, responseTime: value.responseTime, ...(real ? { err: error } : {}) };
      },
    },
    destination,
  ) as unknown as HttpLogger;
}
