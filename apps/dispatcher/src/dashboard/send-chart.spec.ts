import { describe, expect, it } from '@jest/globals';
import type { DispatchTimelineEvent } from '@app/application';
import { parseChartRange, sendChart } from './send-chart.js';

const END = Date.parse('2026-11-22T10:00:00.000Z');
const minutes = (n: number, sent: (i: number) => number) => Array.from({ length: n }, (_, i) => ({ minute: new Date(END - (n - i) * 60_000), sent: sent(i) }));

describe('sendChart', () => {
  it('hands uPlot the minutes as a start and a step, and counts the total and the busiest minute', () => {
    const chart = sendChart(
      '1h',
      minutes(60, (i) => (i === 42 ? 9 : 1)),
      [],
    );
    expect(chart.data).toMatchObject({ range: '1h', start: (END - 3_600_000) / 1000, step: 60, events: [] });
    expect(chart.data.sent).toHaveLength(60);
    expect(chart.total).toBe(59 + 9);
    expect(chart.peak).toEqual({ minute: new Date(END - 18 * 60_000), sent: 9 });
  });

  it('sums the hour in 10-minute buckets and the day in hours, for the text table', () => {
    const hour = sendChart(
      '1h',
      minutes(60, () => 2),
      [],
    );
    expect(hour.buckets).toHaveLength(6);
    expect(hour.buckets[0]).toEqual({ from: new Date(END - 3_600_000), to: new Date(END - 3_000_000), sent: 20 });
    const day = sendChart(
      '24h',
      minutes(1440, (i) => (i < 60 ? 1 : 0)),
      [],
    );
    expect(day.buckets).toHaveLength(24);
    expect(day.buckets[0].sent).toBe(60);
    expect(day.buckets.slice(1).every((b) => b.sent === 0)).toBe(true);
  });

  it('marks the events of the range with who did them, and leaves out older ones', () => {
    const events: DispatchTimelineEvent[] = [
      { at: new Date(END - 7_200_000), kind: 'start', actor: { source: 'api', id: 'key:abc' }, detail: {} },
      { at: new Date(END - 600_500), kind: 'stop', actor: { source: 'dashboard', id: 'session:s' }, detail: {} },
      { at: new Date(END - 60_000), kind: 'breaker-opened', actor: null, detail: {} },
    ];
    const chart = sendChart(
      '1h',
      minutes(60, () => 0),
      events,
    );
    expect(chart.data.events).toEqual([
      { t: Math.floor((END - 600_500) / 1000), kind: 'stop', who: 'session:s (dashboard)' },
      { t: (END - 60_000) / 1000, kind: 'breaker-opened', who: null },
    ]);
    expect(chart.events.map((e) => e.at)).toEqual([events[1].at, events[2].at]);
    expect(chart.total).toBe(0);
    expect(chart.peak).toBeNull();
  });
});

describe('parseChartRange', () => {
  it('takes 24h, and the last hour otherwise', () => {
    expect(parseChartRange('24h')).toBe('24h');
    expect(parseChartRange('1h')).toBe('1h');
    expect(parseChartRange(undefined)).toBe('1h');
    expect(parseChartRange('7d')).toBe('1h');
  });
});
