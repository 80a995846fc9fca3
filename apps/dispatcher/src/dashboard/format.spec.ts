import { describe, expect, it } from '@jest/globals';
import { formatDuration, formatRate, isUuid, maskPhone, maskPhonesIn, ratePerMinute, truncate } from './format.js';

describe('maskPhone', () => {
  it('keeps the first 6 and the last 2 characters of a phone number', () => {
    expect(maskPhone('+905551111111')).toBe('+90555*****11');
    expect(maskPhone('+14155550123')).toBe('+14155****23');
  });

  it('hides all but the last 2 characters of a number too short for that', () => {
    expect(maskPhone('+9055511')).toBe('******11');
    expect(maskPhone('12')).toBe('12');
    expect(maskPhone('')).toBe('');
  });

  it('never shows the middle digits', () => {
    const masked = maskPhone('+905559876543');
    expect(masked).not.toContain('9876');
    expect(masked).toHaveLength('+905559876543'.length);
  });
});

describe('maskPhonesIn', () => {
  it('masks every phone number quoted in a failure reason, and nothing else', () => {
    const reason = 'gateway answered 400: {"error":"Invalid Recipient","to":"+905551110000"} (also +14155550123); code 4001234';
    expect(maskPhonesIn(reason)).toBe('gateway answered 400: {"error":"Invalid Recipient","to":"+90555*****00"} (also +14155****23); code 4001234');
    expect(maskPhonesIn('gave up after 3 attempts: gateway answered 503')).toBe('gave up after 3 attempts: gateway answered 503');
  });
});

describe('formatDuration', () => {
  it('writes a duration in the units that matter', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_400)).toBe('12 s');
    expect(formatDuration(120_000)).toBe('2 min');
    expect(formatDuration(185_000)).toBe('3 min 5 s');
    expect(formatDuration(2 * 3_600_000 + 4 * 60_000)).toBe('2 h 4 min');
    expect(formatDuration(3 * 86_400_000 + 2 * 3_600_000)).toBe('3 d 2 h');
    expect(formatDuration(-5)).toBe('0 ms');
  });
});

describe('rates', () => {
  it('turns a batch per interval into messages per minute', () => {
    expect(ratePerMinute(2, 120_000)).toBe(1);
    expect(ratePerMinute(2, 300)).toBe(400);
    expect(ratePerMinute(5, 0)).toBe(0);
  });

  it('writes a rate with a precision that suits its size', () => {
    expect(formatRate(400)).toBe('400');
    expect(formatRate(12.53)).toBe('12.5');
    expect(formatRate(0.25)).toBe('0.25');
    expect(formatRate(0)).toBe('0');
    expect(formatRate(Number.NaN)).toBe('0');
  });
});

describe('truncate and isUuid', () => {
  it('cuts long text with an ellipsis, counting characters, not UTF-16 units', () => {
    expect(truncate('hello', 10)).toBe('hello');
    expect(truncate('abcdefghij', 5)).toBe('abcd…');
    expect(truncate('😀😀😀😀', 3)).toBe('😀😀…');
  });

  it('recognises UUIDs only', () => {
    expect(isUuid('0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11')).toBe(true);
    expect(isUuid('0B9D9C54-5F1E-4A8A-9A8E-6A1F3F1C2D11')).toBe(true);
    expect(isUuid('0b9d9c54')).toBe(false);
    expect(isUuid("0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11' OR 1=1")).toBe(false);
  });
});
