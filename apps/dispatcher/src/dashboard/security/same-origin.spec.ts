import { describe, expect, it } from '@jest/globals';
import { normalizeOrigin, type RequestOrigin, sameOriginRefusal } from './same-origin.js';

const SELF = 'http://localhost:3000';
const request = (headers: Partial<RequestOrigin>): RequestOrigin => ({
  origin: undefined,
  secFetchSite: undefined,
  referer: undefined,
  self: SELF,
  ...headers,
});

describe('sameOriginRefusal', () => {
  it('accepts an Origin equal to the request’s own origin', () => {
    expect(sameOriginRefusal(request({ origin: 'http://localhost:3000' }))).toBeNull();
    expect(sameOriginRefusal(request({ origin: 'HTTP://LOCALHOST:3000' }))).toBeNull();
    expect(sameOriginRefusal({ ...request({ origin: 'https://ops.example.com' }), self: 'https://ops.example.com:443' })).toBeNull();
  });

  it('refuses any other Origin, whatever the other headers say', () => {
    for (const origin of ['http://evil.example', 'http://localhost:3001', 'https://localhost:3000', 'null', 'http://localhost:3000.evil.example', '']) {
      expect(sameOriginRefusal(request({ origin, secFetchSite: 'same-origin', referer: `${SELF}/dashboard` }))).not.toBeNull();
    }
  });

  it('without Origin, accepts Sec-Fetch-Site: same-origin and refuses the other values', () => {
    expect(sameOriginRefusal(request({ secFetchSite: 'same-origin' }))).toBeNull();
    for (const site of ['same-site', 'cross-site', 'none']) {
      expect(sameOriginRefusal(request({ secFetchSite: site, referer: `${SELF}/dashboard` }))).not.toBeNull();
    }
  });

  it('without Origin or Sec-Fetch-Site, goes by a same-origin Referer', () => {
    expect(sameOriginRefusal(request({ referer: `${SELF}/dashboard/scheduler/stop` }))).toBeNull();
    expect(sameOriginRefusal(request({ referer: 'http://evil.example/dashboard' }))).not.toBeNull();
    expect(sameOriginRefusal(request({ referer: 'not a url' }))).not.toBeNull();
  });

  it('refuses a request that says nothing about where it comes from', () => {
    expect(sameOriginRefusal(request({}))).toBe('the request does not say where it comes from');
  });

  it('refuses when the request’s own origin cannot be told (no Host)', () => {
    expect(sameOriginRefusal({ ...request({ origin: 'http://undefined' }), self: 'http://' })).not.toBeNull();
  });
});

describe('normalizeOrigin', () => {
  it('keeps scheme, host and a non-default port, and nothing else', () => {
    expect(normalizeOrigin('http://localhost:3000')).toBe('http://localhost:3000');
    expect(normalizeOrigin('https://Example.com:443')).toBe('https://example.com');
    expect(normalizeOrigin('http://example.com/path')).toBeNull();
    expect(normalizeOrigin('null')).toBeNull();
    expect(normalizeOrigin('ftp://example.com')).toBeNull();
    expect(normalizeOrigin('http://user:pw@example.com')).toBeNull();
  });
});
