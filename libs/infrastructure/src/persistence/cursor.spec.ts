import { describe, expect, it } from '@jest/globals';
import { InvalidCursorError } from '@app/domain';
import { decodeCursor, encodeCursor, MICROS_RANGE, SEQ_RANGE } from './cursor.js';

const forged = (...parts: unknown[]) => Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
const SENT = [MICROS_RANGE, SEQ_RANGE];
const ALL = [SEQ_RANGE];

describe(decodeCursor.name, () => {
  it.each([
    ['a sent cursor', 'sent', ['1795341600123456', '42'], SENT],
    ['a sent cursor at the bounds', 'sent', ['253402300799999999', '9223372036854775807'], SENT],
    ['a sent cursor at year 0001 and seq 1', 'sent', ['-62135596800000000', '1'], SENT],
    ['a sent cursor at the epoch', 'sent', ['0', '1'], SENT],
    ['a list cursor', 'all', ['7'], ALL],
    ['a list cursor at the largest bigint', 'all', ['9223372036854775807'], ALL],
  ])('reads back %s that encodeCursor made', (_what, list, key, ranges) => {
    expect(decodeCursor(list, encodeCursor(list, key), ranges)).toEqual(key);
  });

  it.each([
    ['seq beyond bigint', 'all', forged('all', '9223372036854775808'), ALL],
    ['seq far beyond bigint', 'all', forged('all', '9999999999999999999'), ALL],
    ['seq of 20 digits', 'all', forged('all', '99999999999999999999'), ALL],
    ['seq below bigint', 'all', forged('all', '-9223372036854775809'), ALL],
    ['seq 0', 'all', forged('all', '0'), ALL],
    ['a negative seq', 'all', forged('all', '-5'), ALL],
    ['a seq with leading zeros', 'all', forged('all', '00005'), ALL],
    ['a seq of -0', 'all', forged('all', '-0'), ALL],
    ['a fractional seq', 'all', forged('all', '1.5'), ALL],
    ['a seq in exponent form', 'all', forged('all', '1e3'), ALL],
    ['a seq with a plus sign', 'all', forged('all', '+5'), ALL],
    ['a seq with spaces', 'all', forged('all', ' 5'), ALL],
    ['a seq as a JSON number', 'all', forged('all', 5), ALL],
    ['a seq in full-width digits', 'all', forged('all', '５'), ALL],
    ['a sent time beyond bigint', 'sent', forged('sent', '9223372036854775807', '1'), SENT],
    ['a sent time below bigint', 'sent', forged('sent', '-9223372036854775808', '1'), SENT],
    ['a sent time after year 9999', 'sent', forged('sent', '253402300800000000', '1'), SENT],
    ['a sent time before year 0001', 'sent', forged('sent', '-62135596800000001', '1'), SENT],
    ['a fractional sent time', 'sent', forged('sent', '1795341600123456.5', '1'), SENT],
    ['a sent time as an ISO string', 'sent', forged('sent', '2026-11-22T10:00:00Z', '1'), SENT],
    ['a sent cursor with a seq beyond bigint', 'sent', forged('sent', '1000', '9999999999999999999'), SENT],
    ['a sent cursor with seq 0', 'sent', forged('sent', '1000', '0'), SENT],
    ['a sent cursor with a negative seq', 'sent', forged('sent', '1000', '-1'), SENT],
    ['a cursor of the other list', 'sent', encodeCursor('all', ['5']), SENT],
    ['a well-formed cursor of the other list', 'all', encodeCursor('sent', ['1795341600123456', '5']), ALL],
    ['a cursor with a part too many', 'all', forged('all', '5', '6'), ALL],
    ['a cursor with a part too few', 'sent', forged('sent', '5'), SENT],
    ['an object', 'all', Buffer.from('{"all":1}').toString('base64url'), ALL],
    ['JSON null', 'all', Buffer.from('null').toString('base64url'), ALL],
    ['a made-up string', 'all', 'not-a-cursor', ALL],
    ['an empty string', 'all', '', ALL],
  ])('refuses %s with InvalidCursorError', (_what, list, cursor, ranges) => {
    expect(() => decodeCursor(list, cursor, ranges)).toThrow(InvalidCursorError);
  });
});
