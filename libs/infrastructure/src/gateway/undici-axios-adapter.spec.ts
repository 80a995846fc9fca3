import { describe, expect, it } from '@jest/globals';
import { AxiosError } from 'axios';
import { errors } from 'undici';
import { classifyTransportError } from './classify-response.js';
import { toAxiosError } from './undici-axios-adapter.js';

function systemError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code });
}

describe(toAxiosError.name, () => {
  // What undici (or the socket under it) fails with -> the AxiosError code -> the GatewayResult kind.
  it.each<[string, unknown, string | undefined, 'retryable' | 'unknown']>([
    ['connection refused', systemError('ECONNREFUSED'), 'ECONNREFUSED', 'retryable'],
    ['unknown host', systemError('ENOTFOUND'), 'ENOTFOUND', 'retryable'],
    ['DNS not answering', systemError('EAI_AGAIN'), 'EAI_AGAIN', 'retryable'],
    ['host unreachable', systemError('EHOSTUNREACH'), 'EHOSTUNREACH', 'retryable'],
    ['every address refused (IPv6 and IPv4)', new AggregateError([systemError('ECONNREFUSED'), systemError('ECONNREFUSED')]), 'ECONNREFUSED', 'retryable'],
    ['connect timeout', new errors.ConnectTimeoutError(), 'UND_ERR_CONNECT_TIMEOUT', 'retryable'],
    ['a send after shutdown', new errors.ClientClosedError(), 'UND_ERR_CLOSED', 'retryable'],
    ['the gateway closing the connection', new errors.SocketError('other side closed'), 'ECONNRESET', 'unknown'],
    ['a reset', systemError('ECONNRESET'), 'ECONNRESET', 'unknown'],
    ['a broken pipe', systemError('EPIPE'), 'EPIPE', 'unknown'],
    ['no headers in time', new errors.HeadersTimeoutError(), 'ECONNABORTED', 'unknown'],
    ['a body stalling', new errors.BodyTimeoutError(), 'ECONNABORTED', 'unknown'],
    ['an abort from elsewhere', new errors.RequestAbortedError(), 'UND_ERR_ABORTED', 'unknown'],
    ['a body shorter than its Content-Length', new errors.ResponseContentLengthMismatchError(), 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'unknown'],
    ['a destroyed pool', new errors.ClientDestroyedError(), 'UND_ERR_DESTROYED', 'unknown'],
    ['an error without a code', new Error('socket hang up'), undefined, 'unknown'],
  ])('maps %s', (_, error, code, kind) => {
    const mapped = toAxiosError(error);

    expect(mapped).toBeInstanceOf(AxiosError);
    expect(mapped.code).toBe(code);
    expect(mapped.cause).toBe(error);
    expect(classifyTransportError(mapped.code, mapped.message, 1).kind).toBe(kind);
  });

  it('passes an AxiosError through: the request deadline is thrown as axios throws it', () => {
    const timeout = new AxiosError('timeout of 300ms exceeded', AxiosError.ECONNABORTED);

    expect(toAxiosError(timeout)).toBe(timeout);
    expect(classifyTransportError(timeout.code, timeout.message, 300)).toMatchObject({ kind: 'unknown', error: 'no answer from the gateway in time (timeout of 300ms exceeded)' });
  });
});
