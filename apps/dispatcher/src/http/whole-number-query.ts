import { Transform } from 'class-transformer';

/** A whole number as people write one in a query string: optional minus, then decimal digits only. */
const DECIMAL = /^-?\d{1,16}$/;

/**
 * Reads a query parameter as a whole number only when it is written as one (`20`, `-5`). Any other
 * text (`0x10`, `1e1`, ` 20`, `20.0`, `Infinity`) is left as text, so that the property's own
 * checks refuse it with their message (400) instead of Number() reading it as something else.
 */
export function WholeNumberQuery(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => (typeof value === 'string' && DECIMAL.test(value) ? Number(value) : value));
}
