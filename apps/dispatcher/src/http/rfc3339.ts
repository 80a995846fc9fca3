import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * The one form of date the API takes: an RFC 3339 `date-time` (section 5.6) with a time zone,
 * `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`, every date of which PostgreSQL's
 * timestamptz can store and a JS Date can compare. `T` and `Z` may be lower case (RFC 3339 allows
 * it); no space instead of `T`, no date without a time or a time without a zone, no ISO-8601 week,
 * ordinal or basic (separator-less) forms. The fraction has 1 to 9 digits and is cut to the
 * millisecond, as a JS Date does. Years 0001 to 9999, also once the offset is applied (so the
 * date reads back as a 4-digit-year date-time), a real calendar day (proleptic Gregorian), hour
 * 00-23, minute and second 00-59: a leap second (:60) is refused, since neither Date nor
 * PostgreSQL keeps one. Offsets: hours 00-23, minutes 00-59; `-00:00` is UTC.
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

const FIRST_MS = utc(1, 1, 1);
const LAST_MS = utc(9999, 12, 31) + 86_400_000 - 1;

/** What a refused date is answered with, naming its field. */
export function dateTimeMessage(field: string): string {
  return `${field} must be an RFC 3339 date-time with a time zone, e.g. 2026-11-22T18:00:00Z`;
}

/** The instant `value` names, or null when it is not a date-time of the form above. */
export function parseRfc3339DateTime(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const m = DATE_TIME.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const millis = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  let offsetMinutes = 0;
  if (m[8]) {
    const [offsetHours, offsetMins] = [Number(m[9]), Number(m[10])];
    if (offsetHours > 23 || offsetMins > 59) return null;
    offsetMinutes = (m[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const ms = utc(year, month, day) + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + millis;
  if (ms < FIRST_MS || ms > LAST_MS) return null;
  return new Date(ms);
}

/**
 * Validates a date-time field (message: dateTimeMessage) and hands the controller its canonical
 * form (`toISOString()`, e.g. 2026-11-22T15:00:00.000Z for 2026-11-22t18:00:00+03:00), the one
 * format `new Date(string)` is specified to read; a refused value is left as sent.
 */
export function IsRfc3339DateTime(options?: ValidationOptions): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => parseRfc3339DateTime(value)?.toISOString() ?? value),
    ValidateBy(
      {
        name: 'isRfc3339DateTime',
        validator: {
          validate: (value) => parseRfc3339DateTime(value) !== null,
          defaultMessage: (args) => dateTimeMessage(args?.property ?? 'value'),
        },
      },
      options,
    ),
  );
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Milliseconds since the epoch of midnight UTC on that day; Date.UTC alone reads years 0-99 as 1900-1999. */
function utc(year: number, month: number, day: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime();
}
