/**
 * Domain errors carry a stable `code`; the HTTP layer maps codes to status codes in one place,
 * so no use case or domain rule ever knows about HTTP.
 */
export interface FieldViolation {
  field: string;
  messages: string[];
}

export abstract class DomainError extends Error {
  abstract readonly code: string;
  readonly details?: unknown;

  protected constructor(message: string, details?: unknown) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

export class ValidationError extends DomainError {
  readonly code = 'VALIDATION_FAILED';
  declare readonly details: FieldViolation[];

  constructor(violations: FieldViolation[]) {
    super(violations.map((v) => `${v.field}: ${v.messages.join('; ')}`).join(', '), violations);
  }

  static forField(field: string, message: string): ValidationError {
    return new ValidationError([{ field, messages: [message] }]);
  }
}

export class MessageNotFoundError extends DomainError {
  readonly code = 'MESSAGE_NOT_FOUND';

  constructor(id: string) {
    super(`message ${id} does not exist`);
  }
}

export class InvalidCursorError extends DomainError {
  readonly code = 'INVALID_CURSOR';

  constructor() {
    super('cursor is not a value returned as nextCursor by this endpoint');
  }
}

export class IllegalTransitionError extends DomainError {
  readonly code = 'ILLEGAL_TRANSITION';

  constructor(id: string, from: string, action: string) {
    super(`message ${id} cannot ${action} while ${from}`);
  }
}

export class IdempotencyKeyReusedError extends DomainError {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';

  constructor(key: string) {
    super(`Idempotency-Key ${key} was already used for a different request`);
  }
}
