import { describe, expect, it } from '@jest/globals';
import { findJsonBoundViolation, type JsonBounds } from './json-bounds.js';

const BOUNDS: JsonBounds = { maxDepth: 4, maxKeys: 3 };
const check = (text: string, bounds = BOUNDS) => findJsonBoundViolation(Buffer.from(text, 'utf8'), bounds);

describe(findJsonBoundViolation.name, () => {
  it('accepts bodies within both bounds', () => {
    expect(check('{}')).toBeNull();
    expect(check('[[[[]]]]')).toBeNull();
    expect(check('{"a":{"b":[{"c":1}]}}')).toBeNull();
    expect(check('[1,2,3,4,5,6,7,8,9]')).toBeNull();
  });

  it('refuses one level or one key too many', () => {
    expect(check('[[[[[]]]]]')).toBe('depth');
    expect(check('{"a":{"b":{"c":{"d":{}}}}}', { maxDepth: 4, maxKeys: 10 })).toBe('depth');
    expect(check('{"a":1,"b":2,"c":3,"d":4}')).toBe('keys');
    expect(check('[{"a":1},{"b":2},{"c":3},{"d":4}]')).toBe('keys');
  });

  it('measures depth, not the number of brackets', () => {
    expect(check(`[${'[],'.repeat(10_000)}[]]`)).toBeNull();
  });

  it('ignores brackets, colons and escaped quotes inside strings', () => {
    expect(check('{"a":"[[[[[[:::::{{{{{"}')).toBeNull();
    expect(check('{"a\\":[[[[[":"\\\\"}')).toBeNull();
    expect(check('["\\"[[[[[[[["]')).toBeNull();
    expect(check('{"x":"\\u005b\\u005b\\u005b\\u005b\\u005b"}')).toBeNull();
  });

  it('reads multi-byte UTF-8 characters as string content', () => {
    expect(check('{"a":"ğ😀[[[[[[[["}')).toBeNull();
    expect(check(`{"a":"${'ğ'.repeat(100)}","b":[[[[]]]]}`)).toBe('depth');
  });

  it('refuses the issue example: a 20 KB array nested 5,000 deep', () => {
    const body = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    expect(check(body, { maxDepth: 32, maxKeys: 1000 })).toBe('depth');
  });

  it('stops at the first bound broken, whatever follows (even text that is not JSON)', () => {
    expect(check('[[[[[ not json')).toBe('depth');
    expect(check('{"a":1,"b":2,"c":3,"d" : oops')).toBe('keys');
  });
});
