import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { InvalidCursorError } from '@app/domain';
import { decodeReceiptCursor, encodeReceiptCursor, MAX_CARRIED } from './receipt-cursor.js';

const ids = (n: number) => Array.from({ length: n }, () => randomUUID());

describe('receipt cursor', () => {
  it.each([
    ['17', []],
    ['18446744073709551615', ids(3)],
    [null, ids(1)],
    ['5', ids(MAX_CARRIED)],
  ] as const)('round-trips SCAN cursor %s with its carried ids, within 512 characters', (scanCursor, carried) => {
    const cursor = encodeReceiptCursor(scanCursor, carried) as string;

    expect(cursor.length).toBeLessThanOrEqual(512);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeReceiptCursor(cursor)).toEqual({ scanCursor, carried });
  });

  it('is null when the walk is over and nothing is carried', () => {
    expect(encodeReceiptCursor(null, [])).toBeNull();
    expect(encodeReceiptCursor('0', [])).toBeNull();
  });

  it('cannot carry more than MAX_CARRIED ids, or ids that are not message ids', () => {
    expect(() => encodeReceiptCursor('1', ids(MAX_CARRIED + 1))).toThrow(RangeError);
    expect(() => encodeReceiptCursor('1', ['not-an-id'])).toThrow(RangeError);
  });

  const valid = encodeReceiptCursor('42', ids(2)) as string;
  const bytes = Buffer.from(valid, 'base64url');
  const withTag = (tag: number) => Buffer.concat([Buffer.from([tag]), bytes.subarray(1)]).toString('base64url');
  const same = randomUUID().replaceAll('-', '');

  it.each([
    ['another list', Buffer.from(JSON.stringify(['sent', '1', '1'])).toString('base64url')],
    ['JSON', Buffer.from(JSON.stringify({ cursor: 1 })).toString('base64url')],
    ['not base64url', 'not a cursor!'],
    ['padded', `${valid}=`],
    ['re-encoded in base64, with padding', bytes.toString('base64')],
    ['empty', ''],
    ['too short', bytes.subarray(0, 8).toString('base64url')],
    ['a truncated id', bytes.subarray(0, bytes.length - 1).toString('base64url')],
    ['another tag', withTag(2)],
    ['the same id twice', Buffer.concat([bytes.subarray(0, 9), Buffer.from(same + same, 'hex')]).toString('base64url')],
    [
      'too many ids',
      Buffer.concat([bytes.subarray(0, 9), ...ids(MAX_CARRIED + 1).map((id) => Buffer.from(id.replaceAll('-', ''), 'hex'))]).toString('base64url'),
    ],
  ])('refuses %s', (_what, cursor) => {
    expect(() => decodeReceiptCursor(cursor)).toThrow(InvalidCursorError);
  });
});
