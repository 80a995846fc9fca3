import type { NextFunction, Request, Response } from 'express';
import express from 'express';

export const MAX_BODY_BYTES = 64 * 1024;

interface BodyParserError extends Error {
  type?: string;
  status?: number;
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
  const code = statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : statusCode === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'INVALID_JSON';
  res.status(statusCode).json({ statusCode, code, message: REASONS[error.type] });
}
