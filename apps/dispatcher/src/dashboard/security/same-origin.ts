/**
 * The same-origin check of every state-changing dashboard request (beside the CSRF token): the
 * browser says where the request came from, and it must be this service's own origin.
 *
 * - Origin present: it must equal the request's own origin (scheme://host[:port]); `null`
 *   (sandboxed frames, some redirects) never does.
 * - No Origin (older browsers on same-origin POSTs): Sec-Fetch-Site must say `same-origin`, or,
 *   when the browser sends no Sec-Fetch-Site either, the Referer must be of the same origin.
 * - None of them: refused. A browser always sends one of them on a form POST; a client that
 *   sends none is not a browser and has no business posting forms here.
 */
export interface RequestOrigin {
  /** The Origin header, if any. */
  origin: string | undefined;
  /** The Sec-Fetch-Site header, if any. */
  secFetchSite: string | undefined;
  /** The Referer header, if any. */
  referer: string | undefined;
  /** This request's own origin, e.g. http://localhost:3000 (scheme as Express sees it, Host header). */
  self: string;
}

/** Null when the request comes from this origin; otherwise why it is refused. */
export function sameOriginRefusal(request: RequestOrigin): string | null {
  const self = normalizeOrigin(request.self);
  if (self === null) return 'the request has no usable Host header';
  if (request.origin !== undefined) {
    return normalizeOrigin(request.origin) === self ? null : 'the request comes from another origin';
  }
  if (request.secFetchSite !== undefined) {
    return request.secFetchSite === 'same-origin' ? null : 'the request comes from another site';
  }
  if (request.referer !== undefined) {
    return originOfUrl(request.referer) === self ? null : 'the request was sent from another origin';
  }
  return 'the request does not say where it comes from';
}

/** scheme://host[:port] in lower case, default ports left out; null for anything else ('null' included). */
export function normalizeOrigin(value: string): string | null {
  if (!/^https?:\/\/[^/?#\s]+$/i.test(value)) return null;
  return originOfUrl(value);
}

function originOfUrl(value: string): string | null {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (url.username || url.password) return null;
    return url.origin;
  } catch {
    return null;
  }
}
