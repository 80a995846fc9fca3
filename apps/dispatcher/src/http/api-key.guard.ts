import { createHash, timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { AppConfig } from '@app/infrastructure';

export const API_KEY_HEADER = 'x-ins-auth-key';
export const API_KEY_SCHEME = 'x-ins-auth-key';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Lets a request through when its x-ins-auth-key equals one of API_KEYS. Several keys are
 * accepted at once so a key can be rotated without downtime. Keys are compared as SHA-256
 * digests in constant time, and every key is compared, so timing tells nothing about a key.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keyDigests: Buffer[];

  constructor(config: AppConfig) {
    this.keyDigests = config.apiKeys.map(digest);
  }

  canActivate(context: ExecutionContext): boolean {
    const provided = context.switchToHttp().getRequest<Request>().headers[API_KEY_HEADER];
    if (typeof provided !== 'string' || provided.length === 0) {
      throw new UnauthorizedException(`missing ${API_KEY_HEADER} header`);
    }
    const candidate = digest(provided);
    let match = false;
    for (const key of this.keyDigests) match = timingSafeEqual(candidate, key) || match;
    if (!match) throw new UnauthorizedException(`invalid ${API_KEY_HEADER} header`);
    return true;
  }
}
