import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import {
  CacheUnavailableError,
  DomainError,
  type FieldViolation,
  IdempotencyKeyReusedError,
  IllegalTransitionError,
  InvalidCursorError,
  MessageNotFoundError,
  MessageNotSentError,
  NotInDoubtError,
  PreviewChangedError,
  ReplayRefusedError,
  ValidationError,
} from '@app/domain';
import type { ErrorBody } from './error-body.js';

/** A domain error class (some have private constructors: only the prototype matters here). */
export type DomainErrorClass = { readonly prototype: DomainError; readonly name: string };

/**
 * The HTTP status of each domain error, by its exact class: a new DomainError (or a subclass of
 * one) needs its own entry. all-exceptions.filter.spec.ts fails for any class libs/domain exports
 * without one; at run time such an error is a 500, logged as a bug, never a guessed status.
 */
export const STATUS_BY_ERROR_CLASS: ReadonlyMap<DomainErrorClass, HttpStatus> = new Map<DomainErrorClass, HttpStatus>([
  [ValidationError, HttpStatus.BAD_REQUEST],
  [InvalidCursorError, HttpStatus.BAD_REQUEST],
  [MessageNotFoundError, HttpStatus.NOT_FOUND],
  [MessageNotSentError, HttpStatus.NOT_FOUND],
  [IllegalTransitionError, HttpStatus.CONFLICT],
  [ReplayRefusedError, HttpStatus.CONFLICT],
  [NotInDoubtError, HttpStatus.CONFLICT],
  [PreviewChangedError, HttpStatus.CONFLICT],
  [IdempotencyKeyReusedError, HttpStatus.UNPROCESSABLE_ENTITY],
  [CacheUnavailableError, HttpStatus.SERVICE_UNAVAILABLE],
]);

/** The status of `error`'s class, or undefined when the class has no entry (a bug). */
export function statusOfDomainError(error: DomainError): HttpStatus | undefined {
  return STATUS_BY_ERROR_CLASS.get(error.constructor as DomainErrorClass);
}

const INTERNAL_ERROR: ErrorBody = { statusCode: HttpStatus.INTERNAL_SERVER_ERROR, code: 'INTERNAL_ERROR', message: 'internal error' };

const CODE_BY_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_ENTITY',
  429: 'TOO_MANY_REQUESTS',
  503: 'SERVICE_UNAVAILABLE',
};

/**
 * Turns any error into { statusCode, code, message, details? }; a stack trace never leaves the
 * process. `details` is only ever the field violations of a validation failure (ErrorBody).
 */
export function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof DomainError) {
    const statusCode = statusOfDomainError(error);
    if (statusCode === undefined) return INTERNAL_ERROR;
    return {
      statusCode,
      code: error.code,
      message: error.message,
      ...(error instanceof ValidationError ? { details: error.details } : {}),
    };
  }
  if (error instanceof HttpException) {
    const statusCode = error.getStatus();
    const response = error.getResponse();
    const body = typeof response === 'object' && response !== null ? (response as Record<string, unknown>) : {};
    const message = typeof body.message === 'string' ? body.message : Array.isArray(body.message) ? body.message.join('; ') : error.message;
    return {
      statusCode,
      code: typeof body.code === 'string' ? body.code : (CODE_BY_STATUS[statusCode] ?? `HTTP_${statusCode}`),
      message,
      ...(Array.isArray(body.details) ? { details: body.details as FieldViolation[] } : {}),
    };
  }
  return INTERNAL_ERROR;
}

@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = toErrorBody(error);
    if (error instanceof DomainError && statusOfDomainError(error) === undefined) {
      this.logger.error(`${error.name} (${error.code}) has no HTTP status in STATUS_BY_ERROR_CLASS: answered 500; add it there`);
    }
    if (error instanceof DomainError && body.statusCode === 503) {
      // A dependency is down (the cache): expected, told to the client, and logged by its adapter.
      this.logger.warn(`${error.code}: ${error.message}`);
    } else if (body.statusCode >= 500) {
      this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
    if (response.headersSent) return;
    response.status(body.statusCode).json(body);
  }
}
