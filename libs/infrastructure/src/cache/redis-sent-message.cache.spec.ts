import { describe, expect, it } from '@jest/globals';
import { parseStoredReceipt } from './redis-sent-message.cache.js';

const SENT_AT = '2030-01-01T12:34:56.789Z';
const CACHED_AT = '2030-01-01T12:34:56.800Z';

describe(parseStoredReceipt.name, () => {
  it('reads what this version writes, with cachedAt', () => {
    expect(parseStoredReceipt(JSON.stringify({ messageId: 'gw-1', sentAt: SENT_AT, cachedAt: CACHED_AT }))).toEqual({
      messageId: 'gw-1',
      sentAt: new Date(SENT_AT),
      cachedAt: new Date(CACHED_AT),
    });
  });

  it('reads what earlier versions wrote, without cachedAt (null)', () => {
    expect(parseStoredReceipt(`{"messageId":"gw-1","sentAt":"${SENT_AT}"}`)).toEqual({ messageId: 'gw-1', sentAt: new Date(SENT_AT), cachedAt: null });
  });

  it.each([
    ['no value', null],
    ['not JSON', 'gw-1'],
    ['truncated JSON', `{"messageId":"gw-1","sentAt":"${SENT_AT}"`],
    ['a JSON string', '"gw-1"'],
    ['a JSON array', `["gw-1","${SENT_AT}"]`],
    ['null', 'null'],
    ['no messageId', `{"sentAt":"${SENT_AT}"}`],
    ['an empty messageId', `{"messageId":"","sentAt":"${SENT_AT}"}`],
    ['a numeric messageId', `{"messageId":42,"sentAt":"${SENT_AT}"}`],
    ['no sentAt', '{"messageId":"gw-1"}'],
    ['a sentAt that is not a date', '{"messageId":"gw-1","sentAt":"yesterday"}'],
    ['a sentAt in another format', '{"messageId":"gw-1","sentAt":"2030-01-01 12:34:56"}'],
    ['a sentAt as a number', '{"messageId":"gw-1","sentAt":1893501296789}'],
    ['a cachedAt that is not a date', `{"messageId":"gw-1","sentAt":"${SENT_AT}","cachedAt":"soon"}`],
    ['a null cachedAt', `{"messageId":"gw-1","sentAt":"${SENT_AT}","cachedAt":null}`],
  ])('skips a value that is not a receipt: %s', (_what, raw) => {
    expect(parseStoredReceipt(raw)).toBeNull();
  });
});
