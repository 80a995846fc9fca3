import { describe, expect, it } from '@jest/globals';
import { ValidationError } from './errors.js';
import { countCharacters, MessageContent } from './message-content.js';

describe(MessageContent.name, () => {
  it('counts "ğ" and "😀" as one character each, precomposed or not', () => {
    expect(countCharacters('ğ')).toBe(1);
    expect(countCharacters('g\u0306')).toBe(1);
    expect(countCharacters('😀')).toBe(1);
    expect(countCharacters('👨‍👩‍👧')).toBe(1);
    expect(countCharacters('Günaydın 😀')).toBe(10);
  });

  it('accepts exactly the maximum and refuses one more, counted in characters not UTF-16 units', () => {
    expect(MessageContent.create('😀'.repeat(160)).value).toHaveLength(320);
    expect(() => MessageContent.create('ğ'.repeat(161))).toThrow(ValidationError);
    expect(MessageContent.problem('a'.repeat(161))).toBe('content must be at most 160 characters (got 161)');
  });

  it('accepts surrogate pairs, which are whole characters', () => {
    expect(MessageContent.problem('😀 \ud83d\ude00')).toBeNull();
  });

  it('honours a configured maximum', () => {
    expect(MessageContent.problem('abcd', 3)).toMatch(/at most 3 characters/);
    expect(MessageContent.problem('abc', 3)).toBeNull();
  });

  it.each([
    ['', 'content must not be empty'],
    ['   ', 'content must not be empty'],
    ['a\u0000b', 'content must not contain NUL characters'],
    ['a\ud800b', 'content must be valid Unicode text (it holds a lone surrogate)'],
    ['\udc00 at the start', 'content must be valid Unicode text (it holds a lone surrogate)'],
    ['at the end \ud83d', 'content must be valid Unicode text (it holds a lone surrogate)'],
    [42, 'content must be a string'],
  ])('refuses %j', (value, reason) => {
    expect(MessageContent.problem(value)).toBe(reason);
  });

  it('names the field in the error it throws', () => {
    try {
      MessageContent.create('');
      throw new Error('expected a ValidationError');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).details).toEqual([{ field: 'content', messages: ['content must not be empty'] }]);
    }
  });
});
