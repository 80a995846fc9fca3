import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { plainToInstance } from 'class-transformer';
import { IsOptional, validateSync } from 'class-validator';
import { dateTimeMessage, IsRfc3339DateTime, parseRfc3339DateTime } from './rfc3339.js';

class Dated {
  @IsOptional()
  @IsRfc3339DateTime()
  at?: string;
}

describe(parseRfc3339DateTime.name, () => {
  it.each([
    ['2026-11-22T18:00:00Z', '2026-11-22T18:00:00.000Z'],
    ['2026-11-22T18:00:00.000Z', '2026-11-22T18:00:00.000Z'],
    ['2026-11-22T21:00:00+03:00', '2026-11-22T18:00:00.000Z'],
    ['2026-11-22T13:30:00-04:30', '2026-11-22T18:00:00.000Z'],
    ['2026-11-22T18:00:00-00:00', '2026-11-22T18:00:00.000Z'],
    ['2026-11-22t18:00:00z', '2026-11-22T18:00:00.000Z'],
    ['2026-11-22T18:00:00.5Z', '2026-11-22T18:00:00.500Z'],
    ['2026-11-22T18:00:00.12Z', '2026-11-22T18:00:00.120Z'],
    ['2026-11-22T18:00:00.123456789Z', '2026-11-22T18:00:00.123Z'],
    ['2026-11-22T18:00:00.999999999Z', '2026-11-22T18:00:00.999Z'],
    ['2028-02-29T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z'],
    ['2026-12-31T23:59:59Z', '2026-12-31T23:59:59.000Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
    ['0099-06-15T12:00:00Z', '0099-06-15T12:00:00.000Z'],
    ['9999-12-31T23:59:59.999999999Z', '9999-12-31T23:59:59.999Z'],
    ['2026-11-22T00:00:00+23:59', '2026-11-21T00:01:00.000Z'],
    ['2026-11-22T00:00:00-23:59', '2026-11-22T23:59:00.000Z'],
  ])('reads %s as %s, as new Date() does', (value, iso) => {
    const parsed = parseRfc3339DateTime(value);

    expect(parsed?.toISOString()).toBe(iso);
    // The controller of a single create reads the DTO's (canonical) string with new Date().
    expect(new Date(value).getTime()).toBe(parsed?.getTime());
  });

  it.each([
    ['an ISO-8601 week date', '2026-W47-1'],
    ['an ISO-8601 week date with a time', '2026-W47-1T10:00:00Z'],
    ['an ISO-8601 ordinal date', '2026-326'],
    ['an ISO-8601 ordinal date with a time', '2026-326T10:00:00Z'],
    ['the basic format', '20261122T100000Z'],
    ['a basic-format offset', '2026-11-22T10:00:00+0300'],
    ['an hour-only offset', '2026-11-22T10:00:00+03'],
    ['a date alone', '2026-11-22'],
    ['a year and month', '2026-11'],
    ['a year', '2026'],
    ['no time zone', '2026-11-22T10:00:00'],
    ['no seconds', '2026-11-22T10:00Z'],
    ['an hour alone', '2026-11-22T10Z'],
    ['a space instead of T', '2026-11-22 10:00:00Z'],
    ['a comma before the fraction', '2026-11-22T10:00:00,5Z'],
    ['an empty fraction', '2026-11-22T10:00:00.Z'],
    ['a fraction of 10 digits', '2026-11-22T10:00:00.1234567891Z'],
    ['30 February', '2026-02-30T00:00:00Z'],
    ['29 February of a common year', '2026-02-29T00:00:00Z'],
    ['29 February 1900 (not a leap year)', '1900-02-29T00:00:00Z'],
    ['31 April', '2026-04-31T00:00:00Z'],
    ['month 13', '2026-13-01T00:00:00Z'],
    ['month 00', '2026-00-10T00:00:00Z'],
    ['day 00', '2026-11-00T00:00:00Z'],
    ['hour 24', '2026-11-22T24:00:00Z'],
    ['minute 60', '2026-11-22T10:60:00Z'],
    ['a leap second', '2016-12-31T23:59:60Z'],
    ['an offset of 24 hours', '2026-11-22T10:00:00+24:00'],
    ['offset minutes 60', '2026-11-22T10:00:00+05:60'],
    ['year 0000', '0000-01-01T00:00:00Z'],
    ['a year before 0001 once the offset is applied', '0001-01-01T00:30:00+01:00'],
    ['a year after 9999 once the offset is applied', '9999-12-31T23:00:00-02:00'],
    ['an expanded year', '+002026-11-22T10:00:00Z'],
    ['a five-digit year', '20260-11-22T10:00:00Z'],
    ['a negative year', '-2026-11-22T10:00:00Z'],
    ['full-width digits', '２０２６-11-22T10:00:00Z'],
    ['Arabic-Indic digits', '٢٠٢٦-11-22T10:00:00Z'],
    ['leading space', ' 2026-11-22T10:00:00Z'],
    ['trailing newline', '2026-11-22T10:00:00Z\n'],
    ['a time zone name', '2026-11-22T10:00:00 UTC'],
    ['an RFC 2822 date', 'Sun, 22 Nov 2026 10:00:00 GMT'],
    ['a word', 'tomorrow'],
    ['an empty string', ''],
  ])('refuses %s (%j)', (_what, value) => {
    expect(parseRfc3339DateTime(value)).toBeNull();
  });

  it.each([[1_795_341_600_000], [null], [undefined], [true], [{}], [['2026-11-22T10:00:00Z']], [new Date('2026-11-22T10:00:00Z')]])(
    'refuses %j, which is not a string',
    (value) => {
      expect(parseRfc3339DateTime(value)).toBeNull();
    },
  );
});

describe(IsRfc3339DateTime.name, () => {
  const check = (at: unknown) => {
    const dto = plainToInstance(Dated, { at });
    return { dto, errors: validateSync(dto).map((e) => e.constraints) };
  };

  it('passes a valid date-time on in its canonical form, the one new Date() is specified to read', () => {
    expect(check('2026-11-22t21:00:00.123456+03:00')).toEqual({ dto: { at: '2026-11-22T18:00:00.123Z' }, errors: [] });
  });

  it.each(['2026-W47-1', '20261122T100000Z', '2026-11-22', 42])('refuses %j with one message naming the field, the value left as sent', (at) => {
    expect(check(at)).toEqual({ dto: { at }, errors: [{ isRfc3339DateTime: dateTimeMessage('at') }] });
  });

  it('names the field in its message', () => {
    expect(dateTimeMessage('sendAfter')).toBe('sendAfter must be an RFC 3339 date-time with a time zone, e.g. 2026-11-22T18:00:00Z');
  });
});
