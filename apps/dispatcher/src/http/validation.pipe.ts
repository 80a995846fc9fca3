import { type ArgumentMetadata, BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';
import type { FieldViolation } from '@app/domain';

function violations(errors: ValidationError[], prefix = ''): FieldViolation[] {
  return errors.flatMap((e) => {
    const field = `${prefix}${e.property}`;
    const own = e.constraints ? [{ field, messages: Object.values(e.constraints) }] : [];
    return [...own, ...violations(e.children ?? [], `${field}.`)];
  });
}

function validationFailed(details: FieldViolation[]): BadRequestException {
  return new BadRequestException({
    code: 'VALIDATION_FAILED',
    message: details.map((d) => `${d.field}: ${d.messages.join('; ')}`).join(', ') || 'request is not valid',
    details,
  });
}

/** Names an object has through its prototype: class-transformer drops such keys before validation sees them. */
const PROTOTYPE_NAMES = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

/**
 * Own keys of a parsed body or query named like Object's built-ins (`__proto__`, `constructor`,
 * `toString` ...), at any depth, as field paths. JSON.parse makes them ordinary keys, but
 * class-transformer skips them, so the whitelist would never see them: they are refused here like
 * any other unknown field. Iterative: the body parser bounds the depth and the number of keys.
 */
function prototypeKeys(value: unknown): FieldViolation[] {
  const found: FieldViolation[] = [];
  const stack: { value: unknown; path: string }[] = [{ value, path: '' }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop() as { value: unknown; path: string };
    if (typeof current !== 'object' || current === null) continue;
    for (const key of Object.keys(current)) {
      const field = path ? `${path}.${key}` : key;
      if (PROTOTYPE_NAMES.has(key)) found.push({ field, messages: [`property ${key} should not exist`] });
      else stack.push({ value: (current as Record<string, unknown>)[key], path: field });
    }
  }
  return found;
}

/** Strict DTO validation: unknown fields and wrong types are a 400 naming each field. */
class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') {
      const odd = prototypeKeys(value);
      if (odd.length > 0) throw validationFailed(odd);
    }
    return super.transform(value, metadata);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    exceptionFactory: (errors) => validationFailed(violations(errors)),
  });
}
