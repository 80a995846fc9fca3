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

/** The message exists but has no receipt: it was not sent (yet, or ever). */
export class MessageNotSentError extends DomainError {
  readonly code = 'MESSAGE_NOT_SENT';

  constructor(id: string, status: string) {
    super(`message ${id} has not been sent (it is ${status})`);
  }
}

/** Redis is configured but does not answer, for a read that only Redis can answer. */
export class CacheUnavailableError extends DomainError {
  readonly code = 'CACHE_UNAVAILABLE';

  constructor() {
    super('the receipt cache (Redis) is configured but does not answer; sending goes on, receipts are in PostgreSQL');
  }
}

export class IllegalTransitionError extends DomainError {
  readonly code = 'ILLEGAL_TRANSITION';

  constructor(id: string, from: string, action: string) {
    super(`message ${id} cannot ${action} while ${from}`);
  }
}

/**
 * The replay rule said no: only failed, unknown and expired messages can be replayed; replaying
 * a sent or in-flight one could send it twice. One error for both replay routes (an HTTP 409);
 * each keeps the code its clients have always seen: ILLEGAL_TRANSITION when one message is
 * refused, REPLAY_REFUSED when a bulk replay names statuses that cannot be replayed.
 */
export class ReplayRefusedError extends DomainError {
  private constructor(
    readonly code: 'ILLEGAL_TRANSITION' | 'REPLAY_REFUSED',
    message: string,
  ) {
    super(message);
  }

  /** One message, refused in `status`. */
  static forMessage(id: string, status: string): ReplayRefusedError {
    return new ReplayRefusedError('ILLEGAL_TRANSITION', `message ${id} cannot be replayed while ${status}`);
  }

  /** A bulk replay naming `refused` statuses; only `replayable` ones can be. */
  static forStatuses(refused: readonly string[], replayable: readonly string[]): ReplayRefusedError {
    return new ReplayRefusedError(
      'REPLAY_REFUSED',
      `only ${replayable.join(', ')} messages can be replayed; replaying ${refused.join(', ')} messages could send them twice`,
    );
  }
}

export class IdempotencyKeyReusedError extends DomainError {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';

  constructor(key: string) {
    super(`Idempotency-Key ${key} was already used for a different request`);
  }
}

/**
 * Only a message in doubt (`unknown`) may be settled by hand: any other state was decided by the
 * gateway's answer (or is still being decided), and overriding it could hide a send or invent one.
 */
export class NotInDoubtError extends DomainError {
  readonly code = 'NOT_IN_DOUBT';

  constructor(id: string, status: string) {
    super(`message ${id} is ${status}, not in doubt (unknown): only a message in doubt can be settled by hand`);
  }
}

/**
 * A replay asked for exactly the set of messages a preview showed, and the set has changed since
 * (messages came in, went out or moved): nothing was replayed. Preview again.
 */
export class PreviewChangedError extends DomainError {
  readonly code = 'PREVIEW_CHANGED';

  constructor() {
    super('the messages matching this replay are no longer the ones the preview showed; nothing was replayed: preview again');
  }
}
