import { describe, expect, it } from '@jest/globals';
import { DashboardPageError } from './dashboard-errors.js';
import {
  dateTimeInputValue,
  many,
  MAX_CURSOR_LENGTH,
  parseActions,
  parseCount,
  parseCursor,
  parseReplayForm,
  parseStatus,
  parseTimeRange,
  parseUtcDateTime,
  single,
} from './query-params.js';

describe('single and many', () => {
  it('take the first of a repeated parameter, or all of them', () => {
    expect(single(['a', 'b'])).toBe('a');
    expect(single('a')).toBe('a');
    expect(single(undefined)).toBeUndefined();
    expect(single({ a: 1 })).toBeUndefined();
    expect(many(['failed', 'unknown', 3])).toEqual(['failed', 'unknown']);
    expect(many('failed')).toEqual(['failed']);
    expect(many(undefined)).toEqual([]);
  });
});

describe('parseUtcDateTime', () => {
  it('reads what a datetime-local input sends as UTC, whatever the browser’s zone', () => {
    expect(parseUtcDateTime('2026-11-22T10:05')).toEqual(new Date('2026-11-22T10:05:00.000Z'));
    expect(parseUtcDateTime('2026-11-22T10:05:30')).toEqual(new Date('2026-11-22T10:05:30.000Z'));
    expect(parseUtcDateTime('2026-11-22T10:05:30.5')).toEqual(new Date('2026-11-22T10:05:30.500Z'));
    expect(parseUtcDateTime('2026-11-22 10:05')).toEqual(new Date('2026-11-22T10:05:00.000Z'));
    expect(parseUtcDateTime(' 2026-11-22 ')).toEqual(new Date('2026-11-22T00:00:00.000Z'));
  });

  it('reads a time with its offset as that instant', () => {
    expect(parseUtcDateTime('2026-11-22T13:05+03:00')).toEqual(new Date('2026-11-22T10:05:00.000Z'));
    expect(parseUtcDateTime('2026-11-22T10:05:00.123Z')).toEqual(new Date('2026-11-22T10:05:00.123Z'));
    expect(parseUtcDateTime('2026-11-22t10:05z')).toEqual(new Date('2026-11-22T10:05:00.000Z'));
  });

  it('answers null for nothing, and refuses what is not a time or a day that does not exist', () => {
    expect(parseUtcDateTime(undefined)).toBeNull();
    expect(parseUtcDateTime('  ')).toBeNull();
    for (const bad of ['yesterday', '2026-02-30', '2026-13-01', '2026-11-22T24:00', '2026-11-22T10:60', '2026-11-22T10:05+25:00', '22/11/2026', '1e12']) {
      expect(parseUtcDateTime(bad)).toBe('invalid');
    }
    expect(parseUtcDateTime('2028-02-29')).toEqual(new Date('2028-02-29T00:00:00.000Z'));
  });

  it('writes a time back as the input shows it, and round-trips', () => {
    expect(dateTimeInputValue(new Date('2026-11-22T10:05:00.000Z'))).toBe('2026-11-22T10:05');
    expect(dateTimeInputValue(new Date('2026-11-22T10:05:07.000Z'))).toBe('2026-11-22T10:05:07');
    expect(dateTimeInputValue(null)).toBe('');
    for (const at of ['2026-11-22T10:05:00.000Z', '2026-11-22T10:05:07.000Z']) expect(parseUtcDateTime(dateTimeInputValue(new Date(at)))).toEqual(new Date(at));
  });
});

describe('parseTimeRange', () => {
  it('reads both ends and names each one that is not a time', () => {
    expect(parseTimeRange({ from: '2026-11-22T10:00', to: '' })).toEqual({ from: new Date('2026-11-22T10:00:00.000Z'), to: null, problems: [] });
    const bad = parseTimeRange({ from: 'soon', to: '2026-02-30' });
    expect(bad.problems).toEqual([
      expect.stringContaining('“soon” is not a time for “from”'),
      expect.stringContaining('“2026-02-30” is not a time for “until”'),
    ]);
  });
});

describe('parseStatus, parseCursor, parseCount', () => {
  it('take a state, a cursor of a sane length and a count, and refuse the rest with a 400 page', () => {
    expect(parseStatus('failed')).toBe('failed');
    expect(parseStatus('')).toBeUndefined();
    expect(() => parseStatus('bogus')).toThrow(DashboardPageError);
    expect(parseCursor('abc')).toBe('abc');
    expect(parseCursor('')).toBeUndefined();
    expect(() => parseCursor('x'.repeat(MAX_CURSOR_LENGTH + 1))).toThrow(DashboardPageError);
    expect(parseCount('12')).toBe(12);
    expect(parseCount('-1')).toBeUndefined();
    expect(parseCount('1e3')).toBeUndefined();
  });
});

describe('parseReplayForm', () => {
  it('takes the replayable states in their order, once each, and the time range', () => {
    expect(parseReplayForm({ status: ['expired', 'failed', 'failed'], from: '2026-11-22T10:00' })).toEqual({
      form: { statuses: ['failed', 'expired'], from: new Date('2026-11-22T10:00:00.000Z'), to: null },
      problems: [],
      rawTimes: { from: '2026-11-22T10:00', to: undefined },
    });
  });

  it('says why a state cannot be replayed and a time cannot be read', () => {
    const { form, problems } = parseReplayForm({ status: ['sent', 'unknown'], to: 'later' });
    expect(form.statuses).toEqual(['unknown']);
    expect(problems).toEqual([expect.stringContaining('“sent” cannot be replayed'), expect.stringContaining('“later” is not a time')]);
  });
});

describe('parseActions', () => {
  it('takes the operator log’s actions in its order, and refuses an unknown one with a 400 page', () => {
    expect(parseActions(['stop', 'start', ''])).toEqual(['start', 'stop']);
    expect(parseActions(undefined)).toEqual([]);
    expect(() => parseActions('delete')).toThrow(DashboardPageError);
  });
});
