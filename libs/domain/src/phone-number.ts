import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { ValidationError } from './errors.js';

const E164 = /^\+[1-9]\d{6,14}$/;

/** A phone number in E.164 form (+ and 7 to 15 digits) that libphonenumber-js accepts as valid. */
export class PhoneNumber {
  private constructor(readonly value: string) {}

  static parse(input: unknown): PhoneNumber {
    const reason = PhoneNumber.problem(input);
    if (reason) throw ValidationError.forField('phoneNumber', reason);
    return new PhoneNumber(input as string);
  }

  /** Why `input` is not an E.164 phone number, or null when it is. */
  static problem(input: unknown): string | null {
    if (typeof input !== 'string') return 'phoneNumber must be a string';
    if (!E164.test(input)) {
      return 'phoneNumber must be in E.164 format: + then country code and number, digits only (e.g. +905551111111)';
    }
    const parsed = parsePhoneNumberFromString(input);
    if (!parsed || !parsed.isValid()) {
      return `phoneNumber ${input} is not a valid number for any country`;
    }
    return null;
  }
}
