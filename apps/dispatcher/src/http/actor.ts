import { createHash } from 'node:crypto';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Actor } from '@app/domain';
import { API_KEY_HEADER } from './api-key.guard.js';

/**
 * An API caller as the operator log names it: `key:` and the first 12 hex digits of the SHA-256 of
 * its x-ins-auth-key. Enough to tell the keys of API_KEYS apart (and to find a key's entries by
 * hashing it), never the key itself.
 */
export function apiActor(key: string): Actor {
  return { source: 'api', id: `key:${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 12)}` };
}

/** The Actor of an /api/v1 request (its x-ins-auth-key, which the guard has already checked). */
export const RequestActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const header = context.switchToHttp().getRequest<Request>().headers[API_KEY_HEADER];
  return apiActor(typeof header === 'string' ? header : '');
});
