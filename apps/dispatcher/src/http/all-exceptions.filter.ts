import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError, type FieldViolation, ValidationError } from '@app/domain';
import type { ErrorBody } from './error-body.js';

const STATUS_BY_DOMAIN_CODE: Record<string, number> = {
  VALIDATION_FAILED: HttpStatus.BAD_REQUEST,
  INVALID_CURSOR: HttpStatus.BAD_REQUEST,
  MESSAGE_NOT_FOUND: HttpStatus.NOT_FOUND,
  ILLEGAL_TRANSITION: HttpStatus.CONFLICT,
  IDEMPOTENCY_KEY_REUSED: HttpStatus.UNPROCESSABLE_ENTITY,
};

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
    return {
      statusCode: STATUS_BY_DOMAIN_CODE[error.code] ?? HttpStatus.UNPROCESSABLE_ENTITY,
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
  return { statusCode: HttpStatus.INTERNAL_SERVER_ERROR, code: 'INTERNAL_ERROR', message: 'internal error' };
}

@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = toErrorBody(error);
    if (body.statusCode >= 500) {
      this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
    if (response.headersSent) return;
    response.status(body.statusCode).json(body);
  }
}
