import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { classifyResponse, classifyTransportError, parseRetryAfter } from './classify-response.js';

const MESSAGE_ID = '67f2f8a8-ea58-4ed0-a6f9-ff217df4d849';

describe(classifyResponse.name, () => {
  it('accepts a 202 whose JSON body holds a messageId', () => {
    expect(classifyResponse(202, JSON.stringify({ message: 'Accepted', messageId: MESSAGE_ID }), undefined, 42)).toEqual({
      kind: 'accepted',
      statusCode: 202,
      gatewayMessageId: MESSAGE_ID,
      latencyMs: 42,
    });
  });

  it.each([
    ['no messageId', JSON.stringify({ message: 'Accepted' })],
    ['an empty messageId', JSON.stringify({ messageId: '' })],
    ['a blank messageId', JSON.stringify({ messageId: '   ' })],
    ['a numeric messageId', JSON.stringify({ messageId: 12345 })],
    ['a null messageId', JSON.stringify({ messageId: null })],
    ['a JSON array', JSON.stringify([MESSAGE_ID])],
    ['a body that is not JSON', `messageId=${MESSAGE_ID}`],
    ['an empty body', ''],
  ])('rejects a 202 with %s: the contract is broken, so nothing proves it was sent', (_, body) => {
    const result = classifyResponse(202, body, undefined, 5);

    expect(result).toMatchObject({ kind: 'rejected', statusCode: 202 });
    expect(result.kind !== 'accepted' && result.error).toMatch(/^gateway answered 202 without a messageId/);
  });

  it.each([200, 201, 204])('rejects a %i even with a messageId: only 202 is success', (status) => {
    const result = classifyResponse(status, JSON.stringify({ messageId: MESSAGE_ID }), undefined, 5);

    expect(result).toMatchObject({ kind: 'rejected', statusCode: status, error: expect.stringContaining(`${status} instead of 202`) });
  });

  it.each([400, 401, 403, 404, 409, 422])('rejects a %i as final', (status) => {
    expect(classifyResponse(status, '{"error":"bad request"}', '30', 5)).toEqual({
      kind: 'rejected',
      statusCode: status,
      error: `gateway answered ${status}: {"error":"bad request"}`,
      latencyMs: 5,
    });
  });

  it.each([429, 500, 502, 503, 504])('retries a %i', (status) => {
    const result = classifyResponse(status, '', undefined, 7);

    expect(result).toEqual({ kind: 'retryable', statusCode: status, error: `gateway answered ${status}: (empty body)`, latencyMs: 7 });
    expect(result).not.toHaveProperty('retryAfterMs');
  });

  it('keeps a Retry-After given in seconds', () => {
    expect(classifyResponse(429, 'slow down', '30', 3)).toMatchObject({ kind: 'retryable', statusCode: 429, retryAfterMs: 30_000 });
    expect(classifyResponse(503, '', ' 0 ', 3)).toMatchObject({ kind: 'retryable', retryAfterMs: 0 });
  });

  describe('with a Retry-After given as an HTTP date', () => {
    beforeEach(() => {
      jest.useFakeTimers({ now: new Date('2026-11-22T10:00:00.000Z') });
    });

    afterEach(() => {
      jest.useRealTimers();
    });

    it('waits until that date', () => {
      expect(classifyResponse(503, '', 'Sun, 22 Nov 2026 10:01:30 GMT', 3)).toMatchObject({ kind: 'retryable', retryAfterMs: 90_000 });
    });

    it('retries at once when the date has passed', () => {
      expect(classifyResponse(429, '', 'Sun, 22 Nov 2026 09:00:00 GMT', 3)).toMatchObject({ kind: 'retryable', retryAfterMs: 0 });
    });
  });

  it('ignores a Retry-After it cannot read', () => {
    expect(classifyResponse(503, '', 'soon', 3)).not.toHaveProperty('retryAfterMs');
    expect(classifyResponse(503, '', 'in a while', 3)).not.toHaveProperty('retryAfterMs');
  });

  it('quotes a long or multi-line body in short', () => {
    const result = classifyResponse(500, `line one\n\n  line two ${'x'.repeat(300)}`, undefined, 1);
    const error = result.kind === 'accepted' ? '' : result.error;

    expect(error.startsWith('gateway answered 500: line one line two xxx')).toBe(true);
    expect(error.endsWith('…')).toBe(true);
    expect(error.length).toBeLessThan(240);
  });
});

describe(classifyTransportError.name, () => {
  it.each(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CLOSED'])(
    'retries %s: no connection was made, so nothing can have been sent',
    (code) => {
      expect(classifyTransportError(code, `connect ${code}`, 4)).toEqual({
        kind: 'retryable',
        statusCode: null,
        error: `gateway unreachable (${code})`,
        latencyMs: 4,
      });
    },
  );

  it.each(['ECONNABORTED', 'ETIMEDOUT'])('calls %s unknown: the request went out and no answer came in time', (code) => {
    expect(classifyTransportError(code, 'timeout of 10000ms exceeded', 10_000)).toEqual({
      kind: 'unknown',
      statusCode: null,
      error: 'no answer from the gateway in time (timeout of 10000ms exceeded)',
      latencyMs: 10_000,
    });
  });

  it('calls a dropped connection unknown, naming the code', () => {
    expect(classifyTransportError('ECONNRESET', 'socket hang up', 9)).toEqual({
      kind: 'unknown',
      statusCode: null,
      error: 'connection failed after the request was sent (ECONNRESET)',
      latencyMs: 9,
    });
  });

  it('calls an error without a code unknown, quoting its message', () => {
    expect(classifyTransportError(undefined, 'socket hang up', 9)).toMatchObject({
      kind: 'unknown',
      error: 'connection failed after the request was sent (socket hang up)',
    });
  });
});

describe(parseRetryAfter.name, () => {
  const now = Date.parse('2026-11-22T10:00:00.000Z');

  it.each([
    [undefined, undefined],
    ['', undefined],
    ['120', 120_000],
    ['Sun, 22 Nov 2026 10:00:10 GMT', 10_000],
    ['Sun, 22 Nov 2026 09:59:00 GMT', 0],
    ['tomorrow', undefined],
    ['Sunday, 22-Nov-26 10:00:30 GMT', 30_000],
    ['1.5', undefined],
    ['-5', undefined],
    ['2099', 2_099_000],
  ])('reads %j as %j ms', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});
