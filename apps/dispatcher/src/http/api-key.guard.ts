import { createHash, timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { AppConfig } from '@app/infrastructure';

export const API_KEY_HEADER = 'x-ins-auth-key';
export const API_KEY_SCHEME = 'x-ins-auth-key';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Whether an x-ins-auth-key header holds one of API_KEYS. Several keys are accepted at once so a
 * key can be rotated without downtime. Keys are compared as SHA-256 digests in constant time, and
 * every key is compared, so timing tells nothing about a key. Used twice, with the same answers:
 * by requireApiKey, ahead of body parsing, and by ApiKeyGuard on the controllers.
 */
export class ApiKeyCheck {
  private readonly keyDigests: Buffer[];

  constructor(keys: readonly string[]) {
    this.keyDigests = keys.map(digest);
  }

  /** null when the header holds one of the keys; otherwise why the request is refused. */
  refusal(header: string | string[] | undefined): string | null {
    if (typeof header !== 'string' || header.length === 0) return `missing ${API_KEY_HEADER} header`;
    const candidate = digest(header);
    let match = false;
    for (const key of this.keyDigests) match = timingSafeEqual(candidate, key) || match;
    return match ? null : `invalid ${API_KEY_HEADER} header`;
  }
}

/**
 * Lets a request through when its x-ins-auth-key is one of API_KEYS (ApiKeyCheck). The
 * requireApiKey middleware has already refused every other /api/v1 request before its body was
 * read; the guard stays on the controllers as a second line, and for Swagger's security metadata.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: ApiKeyCheck;

  constructor(config: AppConfig) {
    this.keys = new ApiKeyCheck(config.apiKeys);
  }

  canActivate(context: ExecutionContext): boolean {
    const refusal = this.keys.refusal(context.switchToHttp().getRequest<Request>().headers[API_KEY_HEADER]);
    if (refusal !== null) throw new UnauthorizedException(refusal);
    return true;
  }
}
