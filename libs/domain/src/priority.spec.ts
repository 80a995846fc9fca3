import { describe, expect, it } from '@jest/globals';
import { DEFAULT_PRIORITY, MAX_PRIORITY, MIN_PRIORITY, priorityProblem } from './priority.js';

describe('priorityProblem', () => {
  it.each([MIN_PRIORITY, -1, DEFAULT_PRIORITY, 1, MAX_PRIORITY])('accepts %s', (value) => {
    expect(priorityProblem(value)).toBeNull();
  });

  it.each([MIN_PRIORITY - 1, MAX_PRIORITY + 1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, '5', null, true])('refuses %p with the range', (value) => {
    expect(priorityProblem(value)).toBe('priority must be a whole number from -100 to 100');
  });

  it('keeps 0 as the default, inside a range that fits a smallint column', () => {
    expect(DEFAULT_PRIORITY).toBe(0);
    expect([MIN_PRIORITY, MAX_PRIORITY]).toEqual([-100, 100]);
  });
});
