import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { ArgumentsHost } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import * as domain from '@app/domain';
import {
  CacheUnavailableError,
  DomainError,
  IdempotencyKeyReusedError,
  IllegalTransitionError,
  InvalidCursorError,
  MessageNotFoundError,
  MessageNotSentError,
  NotInDoubtError,
  PreviewChangedError,
  REPLAYABLE_STATUSES,
  ReplayRefusedError,
  ValidationError,
} from '@app/domain';
import { ERROR_KINDS } from './api-docs.js';
import { AllExceptionsFilter, type DomainErrorClass, STATUS_BY_ERROR_CLASS, toErrorBody } from './all-exceptions.filter.js';

const ID = '0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11';

/** Every DomainError class libs/domain exports: what the HTTP layer must know a status for. */
const exportedErrorClasses = Object.entries(domain)
  .filter(([, value]) => typeof value === 'function' && value.prototype instanceof DomainError)
  .map(([name, value]) => [name, value as DomainErrorClass] as const);

/** One error of each class, as the use cases raise them. */
const SAMPLES: DomainError[] = [
  ValidationError.forField('phoneNumber', 'phoneNumber must be in E.164 format'),
  new InvalidCursorError(),
  new MessageNotFoundError(ID),
  new MessageNotSentError(ID, 'pending'),
  new IllegalTransitionError(ID, 'pending', 'start a second request in one claim'),
  ReplayRefusedError.forMessage(ID, 'sent'),
  ReplayRefusedError.forStatuses(['sent'], REPLAYABLE_STATUSES),
  new IdempotencyKeyReusedError('2b1f7c1e-checkout-42'),
  new CacheUnavailableError(),
  new NotInDoubtError(ID, 'sent'),
  new PreviewChangedError(),
];

class NewError extends DomainError {
  readonly code = 'NEW_ERROR';

  constructor() {
    super('a rule nobody mapped');
  }
}

class NarrowerNotFound extends MessageNotFoundError {}

function fakeHost() {
  const sent: { status?: number; body?: unknown } = {};
  const response = {
    headersSent: false,
    status(code: number) {
      sent.status = code;
      return this;
    },
    json(body: unknown) {
      sent.body = body;
      return this;
    },
  };
  const host = { switchToHttp: () => ({ getResponse: () => response }) } as unknown as ArgumentsHost;
  return { host, sent };
}

describe(AllExceptionsFilter.name, () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('finds the DomainError classes libs/domain exports', () => {
    expect(exportedErrorClasses.map(([name]) => name)).toEqual(expect.arrayContaining(['ValidationError', 'ReplayRefusedError', 'IllegalTransitionError']));
  });

  it.each(exportedErrorClasses)('knows the HTTP status of %s', (name, errorClass) => {
    expect({ name, status: STATUS_BY_ERROR_CLASS.get(errorClass) }).toEqual({ name, status: expect.any(Number) });
  });

  it('has a sample of every class, and maps no class libs/domain does not export', () => {
    const exported = new Set(exportedErrorClasses.map(([, c]) => c));
    expect(new Set(SAMPLES.map((e) => e.constructor))).toEqual(exported);
    expect([...STATUS_BY_ERROR_CLASS.keys()].filter((c) => !exported.has(c)).map((c) => c.name)).toEqual([]);
  });

  it.each(SAMPLES.map((e) => [e.code, e.constructor.name, e] as const))(
    'answers %s (%s) with the status and body the OpenAPI document gives that code',
    (code, _name, error) => {
      const documented = ERROR_KINDS[code as keyof typeof ERROR_KINDS];
      expect(documented).toBeDefined();

      expect(toErrorBody(error)).toEqual({
        statusCode: documented.statusCode,
        code,
        message: error.message,
        ...(error instanceof ValidationError ? { details: error.details } : {}),
      });
    },
  );

  it("refuses a replay with one error class, each route's code and the documented message, as a 409", () => {
    const single = toErrorBody(ReplayRefusedError.forMessage(ID, 'sent'));
    const bulk = toErrorBody(ReplayRefusedError.forStatuses(['sent'], REPLAYABLE_STATUSES));

    expect(single).toEqual({ statusCode: 409, code: 'ILLEGAL_TRANSITION', message: ERROR_KINDS.ILLEGAL_TRANSITION.message });
    expect(bulk).toEqual({ statusCode: 409, code: 'REPLAY_REFUSED', message: ERROR_KINDS.REPLAY_REFUSED.message });
  });

  it('refuses a settlement of a message not in doubt and a replay whose preview changed as 409s, with the documented messages', () => {
    expect(toErrorBody(new NotInDoubtError(ID, 'sent'))).toEqual({ statusCode: 409, code: 'NOT_IN_DOUBT', message: ERROR_KINDS.NOT_IN_DOUBT.message });
    expect(toErrorBody(new PreviewChangedError())).toEqual({ statusCode: 409, code: 'PREVIEW_CHANGED', message: ERROR_KINDS.PREVIEW_CHANGED.message });
  });

  it('answers a DomainError without a status with a 500 and logs it as a bug, never a guessed status', () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const { host, sent } = fakeHost();

    new AllExceptionsFilter().catch(new NewError(), host);

    expect(sent).toEqual({ status: 500, body: { statusCode: 500, code: 'INTERNAL_ERROR', message: 'internal error' } });
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('NewError (NEW_ERROR) has no HTTP status'));
  });

  it('maps by exact class: a subclass of a mapped error needs its own entry', () => {
    expect(toErrorBody(new NarrowerNotFound(ID))).toMatchObject({ statusCode: 500, code: 'INTERNAL_ERROR' });
  });
});
