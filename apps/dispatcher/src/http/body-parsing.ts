import type { NextFunction, Request, RequestHandler, Response } from 'express';
import express from 'express';
import { MAX_BATCH_MESSAGES } from '@app/application';

export const MAX_BODY_BYTES = 64 * 1024;

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  /** The parser's limit in bytes (set on 'entity.too.large'). */
  limit?: number;
}

const REASONS: Record<string, string> = {
  'entity.parse.failed': 'request body is not valid JSON',
  'entity.too.large': `request body is larger than ${MAX_BODY_BYTES / 1024} KB`,
  'encoding.unsupported': 'request body encoding is not supported',
  'charset.unsupported': 'request body charset is not supported (use utf-8)',
  'request.aborted': 'request body was not received in full',
};

/** JSON bodies up to 64 KB; other content types are left unparsed (and then fail validation). */
export const jsonBody = express.json({ limit: MAX_BODY_BYTES, strict: true, type: ['application/json', 'application/*+json'] });

/** The batch create, the one route whose body may be larger than MAX_BODY_BYTES. */
export const BATCH_CREATE_PATH = '/api/v1/messages/batch';

/**
 * The batch create's limit: MAX_BATCH_MESSAGES items of 256 bytes (phone number, dates, names
 * and punctuation) plus 6 bytes per character of content, enough for any character in UTF-8 and
 * for BMP characters written as \uXXXX escapes (Turkish text from a client that escapes
 * non-ASCII). Rounded up to whole KB: 1188 KB with the default MESSAGE_MAX_LENGTH of 160.
 */
export function batchBodyLimit(maxContentLength: number): number {
  return Math.ceil((MAX_BATCH_MESSAGES * (256 + 6 * maxContentLength)) / 1024) * 1024;
}

/**
 * Parses the body of POST BATCH_CREATE_PATH with its own limit; mounted before jsonBody, which
 * then finds the body read and leaves it, so every other route keeps MAX_BODY_BYTES.
 */
export function batchJsonBody(limitBytes: number): RequestHandler {
  const parse = express.json({ limit: limitBytes, strict: true, type: ['application/json', 'application/*+json'] });
  return (req, res, next) => (req.method === 'POST' ? parse(req, res, next) : next());
}

/**
 * Answers body-parser failures (bad JSON, too large, bad charset) with the same error body as
 * everything else; they happen before Nest's filters can see them.
 */
export function bodyErrorHandler(error: BodyParserError, _req: Request, res: Response, next: NextFunction): void {
  if (!error.type || !(error.type in REASONS)) {
    next(error);
    return;
  }
  const statusCode = error.status ?? 400;
  const message = error.type === 'entity.too.large' && error.limit ? `request body is larger than ${Math.floor(error.limit / 1024)} KB` : REASONS[error.type];
  const code = statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : statusCode === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'INVALID_JSON';
  res.status(statusCode).json({ statusCode, code, message });
}
