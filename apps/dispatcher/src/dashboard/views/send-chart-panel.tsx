import { formatCount } from '../format.js';
import { CHART_RANGES, type ChartRange, EVENT_WORDS, type SendChart } from '../send-chart.js';
import { Time } from './parts.js';

const RANGES = Object.keys(CHART_RANGES) as ChartRange[];

/** "10:40" of a UTC time (the chart's minutes). */
function hhmm(at: Date): string {
  return at.toISOString().slice(11, 16);
}

/**
 * Sent per minute as a uPlot chart (dashboard.mjs draws it from data-chart into #sent-chart, with
 * the events as vertical lines), a toggle between the ranges (links: the view is a URL), a legend
 * that says which line is which without relying on colour, and the text alternative: a summary
 * and the same data as a small table.
 */
export function SendChartPanel({ chart }: { chart: SendChart }) {
  const range = chart.data.range;
  const { label, bucketMinutes } = CHART_RANGES[range];
  const rangeWords = range === '1h' ? 'the last hour' : 'the last 24 hours';
  return (
    <section class="panel chart-panel" aria-labelledby="chart-title">
      <h2 id="chart-title">Sent per minute</h2>
      <nav class="range-toggle" aria-label="Chart range">
        {RANGES.map((r) => (
          <a
            key={r}
            id={`range-${r}`}
            href={`/dashboard?range=${r}`}
            class={r === range ? 'selected' : undefined}
            aria-current={r === range ? 'true' : undefined}
          >
            {CHART_RANGES[r].label}
          </a>
        ))}
      </nav>
      <figure class="chart">
        <div id="sent-chart" class="chart-canvas" data-range={range} data-chart={JSON.stringify(chart.data)} aria-hidden="true"></div>
        <figcaption id="chart-summary" data-total={chart.total}>
          {chart.total === 0 ? (
            <>No message was sent in {rangeWords}.</>
          ) : (
            <>
              {formatCount(chart.total)} message{chart.total === 1 ? '' : 's'} sent in {rangeWords}
              {chart.peak && (
                <>
                  ; the busiest minute was {hhmm(chart.peak.minute)} UTC with {formatCount(chart.peak.sent)}
                </>
              )}
              .
            </>
          )}{' '}
          {chart.events.length === 0
            ? 'No start, stop or breaker opening in that time.'
            : `${chart.events.length} event${chart.events.length === 1 ? '' : 's'} marked (listed in the table below).`}
        </figcaption>
      </figure>
      <ul class="chart-legend" aria-label="Legend">
        <li>
          <span class="legend-mark legend-sent" aria-hidden="true"></span> messages sent per minute (minutes in UTC)
        </li>
        <li>
          <span class="legend-mark legend-start" aria-hidden="true"></span> sending started (solid line)
        </li>
        <li>
          <span class="legend-mark legend-stop" aria-hidden="true"></span> sending stopped (dashed line)
        </li>
        <li>
          <span class="legend-mark legend-breaker-opened" aria-hidden="true"></span> circuit breaker opened (dotted line)
        </li>
      </ul>
      <details id="chart-table">
        <summary>The chart as a table</summary>
        <table class="list chart-buckets">
          <caption>
            {label}: messages sent per {bucketMinutes === 60 ? 'hour' : `${bucketMinutes} minutes`} (UTC)
          </caption>
          <thead>
            <tr>
              <th scope="col">From</th>
              <th scope="col">Until</th>
              <th scope="col">Sent</th>
            </tr>
          </thead>
          <tbody>
            {chart.buckets.map((b) => (
              <tr key={b.from.getTime()}>
                <td data-label="From">{hhmm(b.from)}</td>
                <td data-label="Until">{hhmm(b.to)}</td>
                <td data-label="Sent">{formatCount(b.sent)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {chart.events.length > 0 && (
          <table class="list chart-events" id="chart-events">
            <caption>Events marked on the chart</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">What</th>
                <th scope="col">Who</th>
              </tr>
            </thead>
            <tbody>
              {chart.events.map((e, i) => (
                <tr key={i} data-kind={e.kind}>
                  <td data-label="When">
                    <Time at={e.at} />
                  </td>
                  <td data-label="What">{EVENT_WORDS[e.kind]}</td>
                  <td data-label="Who">{e.who ?? <span class="muted">the dispatcher itself</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </details>
    </section>
  );
}
