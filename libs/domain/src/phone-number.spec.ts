import { describe, expect, it } from '@jest/globals';
import { ValidationError } from './errors.js';
import { PhoneNumber } from './phone-number.js';

describe(PhoneNumber.name, () => {
  it.each(['+905551111111', '+905321234567', '+14155552671', '+447911123456'])('accepts the E.164 number %s', (value) => {
    expect(PhoneNumber.parse(value).value).toBe(value);
  });

  it.each([
    ['905551111111', /E\.164/],
    ['+90 555 111 11 11', /E\.164/],
    ['+90-555-1111111', /E\.164/],
    ['+0905551111111', /E\.164/],
    ['+905551111', /not a valid number/],
    ['+999123456789', /not a valid number/],
    ['', /E\.164/],
    [null, /must be a string/],
  ])('refuses %j', (value, reason) => {
    expect(PhoneNumber.problem(value)).toMatch(reason);
    expect(() => PhoneNumber.parse(value)).toThrow(ValidationError);
  });
});
