import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import express from 'express';
import { MAX_BATCH_MESSAGES } from '@app/application';
import { sendErrorBody } from './error-response.js';
import { findJsonBoundViolation, type JsonBounds } from './json-bounds.js';

/**
 * Request bodies: only the routes that take one read one (bodyParsing), as JSON only (415
 * otherwise), in UTF-8, up to a size, a nesting depth and a number of keys. Every other route
 * leaves a body unread; Node discards it once the answer is sent, keeping the connection.
 */

export const MAX_BODY_BYTES = 64 * 1024;
/** Valid bodies are 3 levels deep at most: { messages: [ { ... } ] }. */
export const MAX_BODY_DEPTH = 32;
/** A single create or a replay has at most 4 keys. */
export const MAX_BODY_KEYS = 1000;
/** A valid batch has at most 1 + 4 keys per item (4,001); 20 per item leaves room for per-item errors. */
export const MAX_BATCH_BODY_KEYS = 20 * MAX_BATCH_MESSAGES;

const JSON_TYPES = ['application/json', 'application/*+json'];

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  /** The bound that was exceeded: bytes for 'entity.too.large', levels or keys for ours. */
  limit?: number;
}

const REFUSALS: Record<string, { code: string; message: (limit: number) => string }> = {
  'entity.parse.failed': { code: 'INVALID_JSON', message: () => 'request body is not valid JSON' },
  'entity.too.large': { code: 'PAYLOAD_TOO_LARGE', message: (limit) => `request body is larger than ${Math.floor(limit / 1024)} KB` },
  'encoding.unsupported': { code: 'UNSUPPORTED_MEDIA_TYPE', message: () => 'request body encoding is not supported (use gzip, deflate, br or none)' },
  'charset.unsupported': { code: 'UNSUPPORTED_MEDIA_TYPE', message: () => 'request body charset is not supported (use utf-8)' },
  'request.aborted': { code: 'INVALID_JSON', message: () => 'request body was not received in full' },
  'request.size.invalid': { code: 'INVALID_JSON', message: () => 'request body size does not match its Content-Length' },
  'body.too.deep': { code: 'BODY_TOO_DEEP', message: (limit) => `request body is nested more than ${limit} levels deep` },
  'body.too.many.keys': { code: 'TOO_MANY_KEYS', message: (limit) => `request body has more than ${limit} keys` },
};

function refusal(status: number, type: string, limit?: number): BodyParserError {
  return Object.assign(new Error(type), { status, type, limit });
}

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

/** A route that takes a JSON body (POST), with its bounds. */
export interface BodyRoute {
  /** As the OpenAPI document writes it: a path parameter is `{name}`. */
  path: string;
  limitBytes: number;
  maxKeys: number;
}

/** The routes with a request body; every other route ignores one. */
export function bodyRoutes(messageMaxLength: number): BodyRoute[] {
  return [
    { path: '/api/v1/messages', limitBytes: MAX_BODY_BYTES, maxKeys: MAX_BODY_KEYS },
    { path: BATCH_CREATE_PATH, limitBytes: batchBodyLimit(messageMaxLength), maxKeys: MAX_BATCH_BODY_KEYS },
    { path: '/api/v1/messages/replay', limitBytes: MAX_BODY_BYTES, maxKeys: MAX_BODY_KEYS },
    { path: '/api/v1/messages/replay/preview', limitBytes: MAX_BODY_BYTES, maxKeys: MAX_BODY_KEYS },
    { path: '/api/v1/messages/{id}/settle', limitBytes: MAX_BODY_BYTES, maxKeys: MAX_BODY_KEYS },
  ];
}

/** A BodyRoute's path as Express matches it (`{id}` -> `:id`). */
function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

/**
 * Runs on the raw (decompressed) bytes before they are decoded and parsed. UTF-8 only (RFC 8259
 * section 8.1), which also makes the byte scan of findJsonBoundViolation exact.
 */
function checkBeforeParsing(bounds: JsonBounds) {
  return (_req: IncomingMessage, _res: unknown, bytes: Buffer, charset: string): void => {
    if (charset !== 'utf-8') throw refusal(415, 'charset.unsupported');
    const violation = findJsonBoundViolation(bytes, bounds);
    if (violation === 'depth') throw refusal(400, 'body.too.deep', bounds.maxDepth);
    if (violation === 'keys') throw refusal(400, 'body.too.many.keys', bounds.maxKeys);
  };
}

/** JSON bodies up to limitBytes (after decompression), checked by checkBeforeParsing. */
export function jsonBody(limitBytes: number, maxKeys: number): RequestHandler {
  return express.json({ limit: limitBytes, strict: true, type: JSON_TYPES, verify: checkBeforeParsing({ maxDepth: MAX_BODY_DEPTH, maxKeys }) });
}

/** A request with no body at all: no Transfer-Encoding, and no or a zero Content-Length. */
function hasNoBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] === undefined && (length === undefined || Number(length) === 0);
}

/**
 * 415 for a body that is not declared JSON, before it is read. A request with no body goes on
 * unparsed (or, declared JSON, as {}), and fails validation as it always did.
 */
export function requireJsonBody(req: Request, res: Response, next: NextFunction): void {
  if (hasNoBody(req) || req.is(JSON_TYPES)) {
    next();
    return;
  }
  sendErrorBody(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'request body must be JSON (Content-Type: application/json)');
}

const EXPECTS_CONTINUE = /(?:^|\W)100-continue(?:$|\W)/i;

/**
 * A client that waits for leave to send its body (Expect: 100-continue; curl does for bodies over
 * 1 MB) gets it here, once the body is about to be read, and nowhere else (see inviteBodyOnlyWhenRead).
 */
function inviteBody(req: Request, res: Response, next: NextFunction): void {
  if (EXPECTS_CONTINUE.test(req.headers.expect ?? '')) res.writeContinue();
  next();
}

/**
 * The body parsers, on POST to the body routes only: an Express router, so a path matches
 * exactly as it matches Nest's routes (case-insensitive, optional trailing slash).
 */
export function bodyParsing(routes: BodyRoute[]): Router {
  const router = express.Router();
  for (const route of routes) router.post(expressPath(route.path), requireJsonBody, inviteBody, jsonBody(route.limitBytes, route.maxKeys));
  return router;
}

/**
 * Answers body-parser failures (bad JSON, too large, too deep, too many keys, bad charset or
 * encoding) with the same error body as everything else; they happen before Nest's filters can
 * see them. Only the body parsers come before it, so any other 4xx here is theirs too: data
 * that does not decompress (zlib's errors carry no type).
 */
export function bodyErrorHandler(error: BodyParserError, _req: Request, res: Response, next: NextFunction): void {
  const status = error.status;
  if (typeof status !== 'number' || status < 400 || status >= 500) {
    next(error);
    return;
  }
  const known = error.type === undefined ? undefined : REFUSALS[error.type];
  if (known) {
    sendErrorBody(res, status, known.code, known.message(error.limit ?? 0));
    return;
  }
  if (status === 400) sendErrorBody(res, 400, 'INVALID_JSON', 'request body could not be decoded (Content-Encoding does not match the data)');
  else next(error);
}
