import { maxHeaderSize, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type INestApplication, Logger } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AppConfig } from '@app/infrastructure';
import { DASHBOARD_PREFIX, dashboardEdge } from '../dashboard/dashboard-edge.js';
import { API_KEY_HEADER, ApiKeyCheck } from './api-key.guard.js';
import { bodyErrorHandler, bodyParsing, bodyRoutes } from './body-parsing.js';
import { rawErrorResponse, sendErrorBody } from './error-response.js';

/** Every route under it needs the API key. */
export const API_PREFIX = '/api/v1';

/**
 * What happens to a request before Nest's pipeline, in this order (the request logging and its
 * x-request-id come first, see useLogging):
 * 1. /api/v1 without a valid x-ins-auth-key: 401, before anything reads the body;
 * 2. a path that does not percent-decode: 400 INVALID_PATH;
 * 3. /dashboard: its security headers, and a small urlencoded form body on POST (dashboard-edge.ts);
 * 4. POST to a body route: 415 unless JSON, then parsed within its bounds (see body-parsing.ts);
 *    every other route leaves a body unread.
 * Requests Node's HTTP parser refuses never get that far: answerClientErrors answers them.
 * A client sending Expect: 100-continue is invited to send its body at steps 3 and 4 only.
 */
export function useRequestEdge(app: INestApplication): void {
  const config = app.get(AppConfig);
  app.use(API_PREFIX, requireApiKey(new ApiKeyCheck(config.apiKeys)));
  app.use(refuseMalformedPath);
  app.use(DASHBOARD_PREFIX, dashboardEdge());
  app.use(bodyParsing(bodyRoutes(config.messageMaxLength)));
  app.use(bodyErrorHandler);
  inviteBodyOnlyWhenRead(app.getHttpServer());
  answerClientErrors(app.getHttpServer());
}

/**
 * Node answers Expect: 100-continue at once by default, inviting any client to send its body
 * before anything has looked at the request. Here the request goes through the middleware as it
 * is, and only the body parser invites the body (bodyParsing); an answer given without it (401,
 * 415, a route that takes none) makes Node close that connection instead of waiting for a body.
 */
export function inviteBodyOnlyWhenRead(server: Server): void {
  server.on('checkContinue', (req, res) => server.emit('request', req, res));
}

/** 401 with the guard's messages; mounted on API_PREFIX (matched as Nest's routes are). */
export function requireApiKey(keys: ApiKeyCheck): RequestHandler {
  return (req, res, next) => {
    const refusal = keys.refusal(req.headers[API_KEY_HEADER]);
    if (refusal === null) next();
    else sendErrorBody(res, 401, 'UNAUTHORIZED', refusal);
  };
}

/**
 * 400 for a path with a `%` not followed by two hex digits, or escapes that are not UTF-8 (`%zz`,
 * `%FF`): Express would refuse it only where a route parameter holds it, in its own words.
 */
export function refuseMalformedPath(req: Request, res: Response, next: NextFunction): void {
  const path = req.path;
  if (path.includes('%')) {
    try {
      decodeURIComponent(path);
    } catch {
      sendErrorBody(res, 400, 'INVALID_PATH', 'request path has a malformed percent-encoding');
      return;
    }
  }
  next();
}

const CLIENT_ERRORS: Record<string, { statusCode: number; code: string; message: (server: Server) => string }> = {
  HPE_HEADER_OVERFLOW: {
    statusCode: 431,
    code: 'HEADERS_TOO_LARGE',
    message: (server) =>
      `request line and headers are larger than ${Math.floor(((server as Server & { maxHeaderSize?: number }).maxHeaderSize ?? maxHeaderSize) / 1024)} KB`,
  },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: () => 'request chunk extensions are too large' },
  ERR_HTTP_REQUEST_TIMEOUT: { statusCode: 408, code: 'REQUEST_TIMEOUT', message: () => 'request was not received in time' },
};
const MALFORMED = { statusCode: 400, code: 'BAD_REQUEST', message: () => 'request is not valid HTTP/1.1' };

type ClientSocket = Duplex & { _httpMessage?: { headersSent?: boolean } | null };

/** How long a refused connection may stay open for the client to read the answer. */
const LINGER_MS = 5_000;

/**
 * Requests Node's HTTP parser refuses (head over 16 KB, bad request line, bad header...) get the
 * error body too, as a raw response that closes the connection, instead of Node's empty one.
 * Where the socket is unusable (reset, not writable, or a response already on its way on it:
 * writing would corrupt it), it is just destroyed, as Node does.
 */
export function answerClientErrors(server: Server): void {
  const logger = new Logger('HttpServer');
  const answered = new WeakSet<Duplex>();
  server.on('clientError', (error: NodeJS.ErrnoException, socket: ClientSocket) => {
    // The parser stays failed: more bytes from the same client report the same error again.
    if (answered.has(socket)) return;
    answered.add(socket);
    if (error.code === 'ECONNRESET' || !socket.writable || socket._httpMessage?.headersSent) {
      socket.destroy();
      return;
    }
    const refusal = (error.code && CLIENT_ERRORS[error.code]) || MALFORMED;
    logger.warn({ msg: 'refused a request the HTTP parser could not read', code: error.code, statusCode: refusal.statusCode });
    // end() rather than destroy(): the client's remaining bytes are still read, so closing does
    // not reset the connection under the answer; a client that never closes is cut off later.
    socket.end(rawErrorResponse(refusal.statusCode, refusal.code, refusal.message(server)));
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  });
}
