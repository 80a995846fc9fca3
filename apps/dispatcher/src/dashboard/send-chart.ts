import type { DispatchTimelineEvent, SentPerMinute } from '@app/application';

/**
 * The overview's chart of messages sent per minute, with starts, stops and breaker openings marked:
 * the data dashboard.mjs hands to uPlot (in a data attribute, JSON escaped by the renderer: no
 * inline script), and the text alternative the page writes (total, busiest minute, a small table).
 * Pure: from GetSendHistory's minutes and ListDispatchEvents' events.
 */

export const CHART_RANGES = {
  '1h': { minutes: 60, label: 'Last hour', bucketMinutes: 10 },
  '24h': { minutes: 1440, label: 'Last 24 hours', bucketMinutes: 60 },
} as const;
export type ChartRange = keyof typeof CHART_RANGES;

/** The range a query string asks for (?range=1h|24h); the last hour when absent or unknown. */
export function parseChartRange(value: string | undefined): ChartRange {
  return value === '24h' ? '24h' : '1h';
}

export type ChartEventKind = DispatchTimelineEvent['kind'];

/** One marked event: its time in epoch seconds (uPlot's x values), what, and who (null for the breaker). */
export interface ChartEvent {
  t: number;
  kind: ChartEventKind;
  who: string | null;
}

/** What dashboard.mjs reads from data-chart: minute starts are start + i * step (epoch seconds, UTC). */
export interface ChartData {
  range: ChartRange;
  start: number;
  step: number;
  sent: number[];
  events: ChartEvent[];
}

export interface ChartBucket {
  from: Date;
  to: Date;
  sent: number;
}

export interface SendChart {
  data: ChartData;
  total: number;
  /** The busiest minute, or null when nothing was sent. */
  peak: { minute: Date; sent: number } | null;
  /** The range in a few buckets (10 minutes for the hour, an hour for the day), for the text table. */
  buckets: ChartBucket[];
  /** The events, oldest first, with their times as Dates. */
  events: (ChartEvent & { at: Date })[];
}

export const EVENT_WORDS: Record<ChartEventKind, string> = {
  start: 'sending started',
  stop: 'sending stopped',
  'breaker-opened': 'circuit breaker opened',
};

/** The chart of `range` from its minutes (oldest first, one per minute) and the events since the first minute. */
export function sendChart(range: ChartRange, minutes: readonly SentPerMinute[], events: readonly DispatchTimelineEvent[]): SendChart {
  const startMs = minutes.length > 0 ? minutes[0].minute.getTime() : 0;
  const sent = minutes.map((m) => m.sent);
  const total = sent.reduce((sum, n) => sum + n, 0);
  let peak: SendChart['peak'] = null;
  for (const m of minutes) if (m.sent > 0 && (peak === null || m.sent > peak.sent)) peak = { minute: m.minute, sent: m.sent };

  const size = CHART_RANGES[range].bucketMinutes;
  const buckets: ChartBucket[] = [];
  for (let i = 0; i < minutes.length; i += size) {
    const part = minutes.slice(i, i + size);
    buckets.push({
      from: part[0].minute,
      to: new Date(part[part.length - 1].minute.getTime() + 60_000),
      sent: part.reduce((sum, m) => sum + m.sent, 0),
    });
  }

  const marked = events
    .filter((e) => e.at.getTime() >= startMs)
    .map((e) => ({ at: e.at, t: Math.floor(e.at.getTime() / 1000), kind: e.kind, who: e.actor ? `${e.actor.id} (${e.actor.source})` : null }));
  return {
    data: { range, start: Math.floor(startMs / 1000), step: 60, sent, events: marked.map(({ t, kind, who }) => ({ t, kind, who })) },
    total,
    peak,
    buckets,
    events: marked,
  };
}
