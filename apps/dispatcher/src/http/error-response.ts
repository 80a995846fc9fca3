import { STATUS_CODES } from 'node:http';
import type { Response } from 'express';
import type { ErrorBody } from './error-body.js';

/**
 * The error body, written by the middleware that answers before Nest's pipeline (and so before
 * AllExceptionsFilter) can: authentication, malformed paths, body parsing.
 */
export function sendErrorBody(res: Response, statusCode: number, code: string, message: string): void {
  const body: ErrorBody = { statusCode, code, message };
  res.status(statusCode).json(body);
}

/**
 * A whole HTTP/1.1 response carrying the error body, for a socket whose request Node could not
 * parse (there is no request or response object then). The connection is closed after it.
 */
export function rawErrorResponse(statusCode: number, code: string, message: string): string {
  const body = JSON.stringify({ statusCode, code, message } satisfies ErrorBody);
  return [
    `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode] ?? 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}
