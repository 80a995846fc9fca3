import { applyDecorators } from '@nestjs/common';
import { ApiResponse, type ApiResponseOptions, ApiSecurity, DECORATORS } from '@nestjs/swagger';
import { API_KEY_HEADER, API_KEY_SCHEME } from './api-key.guard.js';
import { MAX_BODY_BYTES, MAX_BODY_DEPTH, MAX_BODY_KEYS } from './body-parsing.js';
import { ErrorBody } from './error-body.js';

/**
 * The OpenAPI document is the contract: every operation lists every status it can answer, each
 * error with the ErrorBody schema and one example per error code it can carry (the example is
 * named after the code). The e2e tests check each answer against this (test/support/openapi.ts),
 * and the fuzz test asks for nothing else.
 */

/** An error code the API answers with: its status, what it says, and when. */
interface ErrorKind {
  statusCode: number;
  message: string;
  when: string;
  details?: ErrorBody['details'];
}

const PHONE_PROBLEM = 'phoneNumber must be in E.164 format: + then country code and number, digits only (e.g. +905551111111)';

export const ERROR_KINDS = {
  VALIDATION_FAILED: {
    statusCode: 400,
    message: `phoneNumber: ${PHONE_PROBLEM}`,
    details: [{ field: 'phoneNumber', messages: [PHONE_PROBLEM] }],
    when: 'a field is missing, unknown, of the wrong type or breaks a rule; `details` names each field',
  },
  INVALID_JSON: { statusCode: 400, message: 'request body is not valid JSON', when: 'the body is not JSON, not whole, or does not match its Content-Encoding' },
  BODY_TOO_DEEP: {
    statusCode: 400,
    message: `request body is nested more than ${MAX_BODY_DEPTH} levels deep`,
    when: `the body is nested more than ${MAX_BODY_DEPTH} levels deep`,
  },
  TOO_MANY_KEYS: { statusCode: 400, message: `request body has more than ${MAX_BODY_KEYS} keys`, when: `the body has more than ${MAX_BODY_KEYS} keys in all` },
  BAD_REQUEST: {
    statusCode: 400,
    message: 'Idempotency-Key must be 1 to 255 visible ASCII characters',
    when: 'the Idempotency-Key header is not 1 to 255 visible ASCII characters',
  },
  INVALID_CURSOR: {
    statusCode: 400,
    message: 'cursor is not a value returned as nextCursor by this endpoint',
    when: 'the cursor is not a nextCursor of this list',
  },
  INVALID_PATH: {
    statusCode: 400,
    message: 'request path has a malformed percent-encoding',
    when: 'the path has a `%` not followed by two hex digits, or escapes that are not UTF-8',
  },
  UNAUTHORIZED: {
    statusCode: 401,
    message: `missing ${API_KEY_HEADER} header`,
    when: `${API_KEY_HEADER} is missing or not one of API_KEYS; checked before the body is read`,
  },
  MESSAGE_NOT_FOUND: { statusCode: 404, message: 'message 0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11 does not exist', when: 'no message has this id' },
  MESSAGE_NOT_SENT: {
    statusCode: 404,
    message: 'message 0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11 has not been sent (it is pending)',
    when: 'the message exists but was not sent (yet, or ever), so it has no receipt',
  },
  ILLEGAL_TRANSITION: {
    statusCode: 409,
    message: 'message 0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11 cannot be replayed while sent',
    when: 'the message is sent or being sent: replaying it could send it twice',
  },
  REPLAY_REFUSED: {
    statusCode: 409,
    message: 'only failed, unknown, expired messages can be replayed; replaying sent messages could send them twice',
    when: 'status names pending, sending or sent: replaying those could send them twice',
  },
  NOT_IN_DOUBT: {
    statusCode: 409,
    message: 'message 0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11 is sent, not in doubt (unknown): only a message in doubt can be settled by hand',
    when: 'the message is not unknown: its outcome was decided by the gateway (or is still being decided), so it cannot be settled by hand',
  },
  PREVIEW_CHANGED: {
    statusCode: 409,
    message: 'the messages matching this replay are no longer the ones the preview showed; nothing was replayed: preview again',
    when: 'previewToken was given and the messages matching the filter are no longer the set the preview showed; nothing was replayed',
  },
  PAYLOAD_TOO_LARGE: {
    statusCode: 413,
    message: `request body is larger than ${MAX_BODY_BYTES / 1024} KB`,
    when: `the body is larger than ${MAX_BODY_BYTES / 1024} KB (after decompression)`,
  },
  UNSUPPORTED_MEDIA_TYPE: {
    statusCode: 415,
    message: 'request body must be JSON (Content-Type: application/json)',
    when: 'the body is not declared JSON, not UTF-8, or in a Content-Encoding other than gzip, deflate or br',
  },
  IDEMPOTENCY_KEY_REUSED: {
    statusCode: 422,
    message: 'Idempotency-Key 2b1f7c1e-checkout-42 was already used for a different request',
    when: 'the Idempotency-Key was already used with another body',
  },
  HEADERS_TOO_LARGE: {
    statusCode: 431,
    message: 'request line and headers are larger than 16 KB',
    when: 'the request line and headers are larger than 16 KB; the connection is closed after the answer',
  },
  INTERNAL_ERROR: {
    statusCode: 500,
    message: 'internal error',
    when: 'an unexpected failure, e.g. the database cannot be reached; logged with the request id',
  },
  CACHE_UNAVAILABLE: {
    statusCode: 503,
    message: 'the receipt cache (Redis) is configured but does not answer; sending goes on, receipts are in PostgreSQL',
    when: 'REDIS_URL is set but Redis does not answer (the receipts are still in PostgreSQL: GET /api/v1/messages/{id}/receipt)',
  },
  SERVICE_UNAVAILABLE: {
    statusCode: 503,
    message: 'Service Unavailable Exception',
    when: 'this replica is shutting down, or the database cannot be reached or is not migrated',
  },
} satisfies Record<string, ErrorKind>;

export type ErrorCode = keyof typeof ERROR_KINDS;

/** A code, or a code with what it means for this operation (replacing the general `when`). */
export type ErrorUse = ErrorCode | [ErrorCode, string] | [ErrorCode, string, Partial<ErrorKind>];

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad request',
  401: 'No valid API key',
  404: 'Not found',
  409: 'Conflict',
  413: 'Body too large',
  415: 'Body not JSON',
  422: 'Idempotency-Key reused',
  431: 'Request head too large',
  500: 'Internal error',
  503: 'Unavailable',
};

/** The response objects of `uses`, one per status, each listing its codes and an example of each. */
export function errorResponses(uses: ErrorUse[]): ApiResponseOptions[] {
  const byStatus = new Map<number, { code: ErrorCode; kind: ErrorKind }[]>();
  for (const use of uses) {
    const [code, when, overrides] = typeof use === 'string' ? [use, undefined, undefined] : use;
    const kind: ErrorKind = { ...ERROR_KINDS[code], ...(when ? { when } : {}), ...overrides };
    byStatus.set(kind.statusCode, [...(byStatus.get(kind.statusCode) ?? []), { code, kind }]);
  }
  return [...byStatus].map(([status, entries]) => ({
    status,
    description: `${STATUS_TEXT[status]}. ${entries.map(({ code, kind }) => `\`${code}\`: ${kind.when}.`).join(' ')}`,
    type: ErrorBody,
    examples: Object.fromEntries(
      entries.map(({ code, kind }) => [
        code,
        { summary: kind.when, value: { statusCode: status, code, message: kind.message, ...(kind.details ? { details: kind.details } : {}) } },
      ]),
    ),
  }));
}

/** Documents the error answers of an operation (on a method) or of every operation (on a controller). */
export function ApiErrors(...uses: ErrorUse[]): MethodDecorator & ClassDecorator {
  return applyDecorators(...errorResponses(uses).map((options) => ApiResponse(options)));
}

/** What every /api/v1 operation can answer besides its own errors: no key, or an unexpected failure. */
export function ApiKeyRequired(): ClassDecorator {
  return applyDecorators(ApiSecurity(API_KEY_SCHEME), ApiErrors('UNAUTHORIZED', 'INTERNAL_ERROR'));
}

/**
 * A controller whose operations need no API key: `security: []`, stated rather than left out.
 * (@nestjs/swagger keeps an empty requirement list only when it is set on the class.)
 */
export function ApiPublic(): ClassDecorator {
  return (target) => {
    Reflect.defineMetadata(DECORATORS.API_SECURITY, [], target);
  };
}

/**
 * What any operation can answer, whatever its route: added to every operation of the document
 * (DocumentBuilder.addGlobalResponse), so a new route cannot miss it. Node's HTTP parser refuses
 * such a request before any route is known, and the server answers it with the error body.
 */
export function globalErrorResponses(): ApiResponseOptions[] {
  return errorResponses(['HEADERS_TOO_LARGE']);
}

const DATE_TIME_PATTERN = '^\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})$';
const DATE_TIME_RULES = 'An RFC 3339 date-time with a time zone (Z or ±HH:MM), years 0001 to 9999, a real calendar day, no leap second';

/**
 * The one form of date-time the API takes (see rfc3339.ts), for the @ApiProperty of a date
 * field: the schema's `pattern` is its shape; the calendar and the year range are in words.
 */
export function dateTimeProperty(description: string, example: string) {
  return {
    type: String,
    format: 'date-time',
    nullable: true,
    pattern: DATE_TIME_PATTERN,
    example,
    description: `${description}. ${DATE_TIME_RULES}; null is the same as leaving it out.`,
  } as const;
}

/** The same date-time as a query parameter (which cannot be null: leave it out instead; `+` in an offset is written %2B). */
export function dateTimeQueryProperty(description: string, example: string) {
  return {
    type: String,
    format: 'date-time',
    pattern: DATE_TIME_PATTERN,
    example,
    description: `${description}. ${DATE_TIME_RULES}; in a query string write the + of an offset as %2B.`,
  } as const;
}
