import { BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';
import type { FieldViolation } from '@app/domain';

function violations(errors: ValidationError[], prefix = ''): FieldViolation[] {
  return errors.flatMap((e) => {
    const field = `${prefix}${e.property}`;
    const own = e.constraints ? [{ field, messages: Object.values(e.constraints) }] : [];
    return [...own, ...violations(e.children ?? [], `${field}.`)];
  });
}

/** Strict DTO validation: unknown fields and wrong types are a 400 naming each field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    exceptionFactory: (errors) => {
      const details = violations(errors);
      return new BadRequestException({
        code: 'VALIDATION_FAILED',
        message: details.map((d) => `${d.field}: ${d.messages.join('; ')}`).join(', ') || 'request is not valid',
        details,
      });
    },
  });
}
