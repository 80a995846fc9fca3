import { describe, expect, it } from '@jest/globals';
import { MAX_SEARCH_LENGTH, parseMessageSearch, searchProblem } from './message-search.js';

describe(parseMessageSearch.name, () => {
  it.each([
    ['0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11', { kind: 'id', id: '0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11' }],
    [' 0B9D9C54-5F1E-4A8A-9A8E-6A1F3F1C2D11 ', { kind: 'id', id: '0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11' }],
    ['+905551111111', { kind: 'phone', phoneNumber: '+905551111111' }],
    ['+90 555 111 11 11', { kind: 'phone', phoneNumber: '+905551111111' }],
    ['+90 (555) 111-11.11', { kind: 'phone', phoneNumber: '+905551111111' }],
    ['+1234567', { kind: 'phone', phoneNumber: '+1234567' }],
    ['905551111111', { kind: 'reason', text: '905551111111' }],
    ['+0555111111', { kind: 'reason', text: '+0555111111' }],
    ['+1234567890123456', { kind: 'reason', text: '+1234567890123456' }],
    ['gateway answered 503', { kind: 'reason', text: 'gateway answered 503' }],
    ['  Timeout  ', { kind: 'reason', text: 'Timeout' }],
    ['0b9d9c54-5f1e-4a8a-9a8e', { kind: 'reason', text: '0b9d9c54-5f1e-4a8a-9a8e' }],
    ['100%', { kind: 'reason', text: '100%' }],
  ])('reads %j as %j', (q, expected) => {
    expect(parseMessageSearch(q)).toEqual(expected);
  });

  it.each([undefined, null, '', '   ', '\t\n'])('reads %j as no search', (q) => {
    expect(parseMessageSearch(q)).toBeNull();
  });
});

describe(searchProblem.name, () => {
  it('takes any text up to the limit, and refuses a longer one and one holding NUL', () => {
    expect(searchProblem('x'.repeat(MAX_SEARCH_LENGTH))).toBeNull();
    expect(searchProblem('')).toBeNull();
    expect(searchProblem('x'.repeat(MAX_SEARCH_LENGTH + 1))).toBe(`q must be at most ${MAX_SEARCH_LENGTH} characters`);
    expect(searchProblem('abc\u0000')).toBe('q must not contain NUL');
  });

  it('takes a reason search with 3 letters or digits in a row (what a trigram index needs), an id, a phone number or blank', () => {
    for (const q of ['503', 'bad number', 'ğüş', '100%', '0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11', '+90 555 111 11 11', '  '])
      expect(searchProblem(q)).toBeNull();
    for (const q of ['ok', 'a b c', '%_%', '5%3', '😀😀😀']) {
      expect(searchProblem(q)).toBe(
        'q must hold 3 letters or digits in a row to search failure reasons (or be a message id, a gateway messageId or a phone number)',
      );
    }
  });
});
