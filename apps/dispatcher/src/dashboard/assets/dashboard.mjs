/* global document, window, location, htmx, uPlot, getComputedStyle */
/**
 * The dashboard's own script (served as /dashboard/assets/dashboard-<hash>.js; no inline script
 * anywhere, the Content-Security-Policy allows only files of this service):
 * - countdowns: every element with data-countdown counts down to its data-at, each second;
 * - the live panel (#live, polled by htmx): no request while the tab is hidden, one at once when
 *   it shows again, and the #stale banner when the last successful refresh is older than 3 polls;
 *   a 401 (the session ended) goes to the sign-in page;
 * - keyboard: `/` search, `j`/`k` move in lists and Enter opens, `?` the shortcuts dialog, Esc closes it;
 * - the overview's chart: uPlot draws #sent-chart from its data-chart (JSON written by the server,
 *   escaped as any attribute), the starts, stops and breaker openings as vertical lines (solid,
 *   dashed, dotted: the legend on the page says which is which), in the theme's colours, in UTC.
 */

const SECOND = 1000;

function formatDuration(ms) {
  const s = Math.floor(Math.max(0, ms) / SECOND);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return s % 60 === 0 ? `${min} min` : `${min} min ${s % 60} s`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}

/** The same words as the server's countdownText (views/parts.tsx). */
function countdownText(ms) {
  return ms <= 0 ? 'due now' : `in ${formatDuration(Math.ceil(ms / SECOND) * SECOND)}`;
}

function updateCountdowns() {
  const now = Date.now();
  for (const el of document.querySelectorAll('[data-countdown][data-at]')) {
    const at = Date.parse(el.getAttribute('data-at'));
    if (!Number.isNaN(at)) el.textContent = countdownText(at - now);
  }
}

// ---- live panel ---------------------------------------------------------------------------------

function setUpLivePanel() {
  const live = document.getElementById('live');
  if (!live) return;
  const pollMs = Number(live.getAttribute('data-poll-ms')) || 2 * SECOND;
  const staleAfterMs = 3 * pollMs + SECOND / 2;
  const banner = document.getElementById('stale');
  const since = document.getElementById('stale-since');
  let lastOk = Date.now();
  let visibleSince = Date.now();

  // htmx asks before each request; a hidden tab sends none.
  live.addEventListener('htmx:confirm', (event) => {
    if (document.visibilityState === 'hidden') event.preventDefault();
  });
  live.addEventListener('htmx:afterRequest', (event) => {
    if (event.detail && event.detail.successful) lastOk = Date.now();
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState !== 'visible') return;
    visibleSince = Date.now();
    if (typeof htmx !== 'undefined') htmx.trigger(live, 'refresh');
  });

  window.setInterval(() => {
    if (!banner || document.visibilityState !== 'visible') return;
    // After the tab shows again, the first refresh gets one poll's time before the banner shows.
    const stale = Date.now() - lastOk > staleAfterMs && Date.now() - visibleSince > pollMs;
    if (stale && since) since.textContent = new Date(lastOk).toLocaleTimeString();
    banner.hidden = !stale;
  }, SECOND);
}

/** A fragment answered 401: the session ended (signed out elsewhere, idle, 8 hours): sign in again. */
function signInWhenSignedOut() {
  document.body.addEventListener('htmx:responseError', (event) => {
    const xhr = event.detail && event.detail.xhr;
    if (xhr && xhr.status === 401) {
      location.assign(`/dashboard/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    }
  });
}

// ---- chart --------------------------------------------------------------------------------------

const CHART_HEIGHT = 220;
const EVENT_STYLES = {
  start: { color: '--sent', dash: [] },
  stop: { color: '--failed', dash: [6, 4] },
  'breaker-opened': { color: '--sending', dash: [2, 3] },
};

function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** A colour with some transparency, for the area under the line (#rrggbb only; anything else as it is). */
function translucent(color) {
  return /^#[0-9a-f]{6}$/i.test(color) ? `${color}33` : color;
}

const pad = (n) => String(n).padStart(2, '0');

/** 10:05 of an epoch second, in UTC (the page writes every time in UTC). */
function hhmm(ts) {
  const d = new Date(ts * 1000);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** 2026-11-22 10:05 UTC, for the value under the cursor. */
function minuteText(ts) {
  return `${new Date(ts * 1000).toISOString().slice(0, 10)} ${hhmm(ts)} UTC`;
}

function chartOptions(el, data) {
  const muted = cssVar('--muted');
  const border = cssVar('--border');
  const sent = cssVar('--sent');
  const ratio = typeof uPlot.pxRatio === 'number' ? uPlot.pxRatio : window.devicePixelRatio || 1;
  const drawEvents = (u) => {
    const ctx = u.ctx;
    const { left, top, width, height } = u.bbox;
    ctx.save();
    ctx.lineWidth = 2 * ratio;
    for (const event of data.events) {
      const x = Math.round(u.valToPos(event.t, 'x', true));
      if (x < left || x > left + width) continue;
      const style = EVENT_STYLES[event.kind] || EVENT_STYLES.start;
      ctx.strokeStyle = cssVar(style.color);
      ctx.setLineDash(style.dash.map((d) => d * ratio));
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
      ctx.stroke();
    }
    ctx.restore();
  };
  const axis = { stroke: muted, grid: { stroke: border, width: 1 }, ticks: { stroke: border, width: 1 } };
  const xAxis = { ...axis, values: (_u, splits) => splits.map(hhmm) };
  return {
    width: Math.max(240, el.clientWidth),
    height: CHART_HEIGHT,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
    axes: [xAxis, { ...axis, size: 50 }],
    series: [
      { label: 'Minute', value: (_u, ts) => (ts == null ? '—' : minuteText(ts)) },
      { label: 'Sent', stroke: sent, fill: translucent(sent), width: 2, value: (_u, v) => (v == null ? '—' : String(v)) },
    ],
    cursor: { drag: { x: false, y: false } },
    hooks: { draw: [drawEvents] },
  };
}

function setUpChart() {
  const el = document.getElementById('sent-chart');
  if (!el || typeof uPlot === 'undefined') return;
  let data;
  try {
    data = JSON.parse(el.getAttribute('data-chart') || '');
  } catch {
    return;
  }
  if (!data || !Array.isArray(data.sent) || !Array.isArray(data.events)) return;
  const xs = data.sent.map((_, i) => data.start + i * data.step);
  let plot = null;
  const draw = () => {
    if (plot) plot.destroy();
    el.textContent = '';
    plot = new uPlot(chartOptions(el, data), [xs, data.sent], el);
    el.setAttribute('data-drawn', 'true');
  };
  draw();
  let resizing = 0;
  window.addEventListener('resize', () => {
    window.clearTimeout(resizing);
    resizing = window.setTimeout(() => plot && plot.setSize({ width: Math.max(240, el.clientWidth), height: CHART_HEIGHT }), 150);
  });
  // The colours follow the system's theme: drawn again when it changes.
  if (window.matchMedia) window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', draw);
}

// ---- keyboard -----------------------------------------------------------------------------------

function isTyping(target) {
  if (!target || !target.tagName) return false;
  const tag = target.tagName.toLowerCase();
  return tag === 'input' || tag === 'textarea' || tag === 'select' || target.isContentEditable;
}

function rows() {
  return [...document.querySelectorAll('.row')];
}

function select(list, index) {
  for (const row of list) row.classList.remove('selected');
  const row = list[index];
  if (!row) return;
  row.classList.add('selected');
  const link = row.querySelector('a');
  if (link) link.focus();
  row.scrollIntoView({ block: 'nearest' });
}

function move(step) {
  const list = rows();
  if (list.length === 0) return;
  const current = list.findIndex((row) => row.classList.contains('selected') || row.contains(document.activeElement));
  const next = current < 0 ? (step > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, current + step));
  select(list, next);
}

function openSelected() {
  const row = document.querySelector('.row.selected');
  const link = row && row.querySelector('a');
  if (!link) return false;
  location.assign(link.href);
  return true;
}

function shortcuts() {
  return document.getElementById('shortcuts');
}

function onKey(event) {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
  const dialog = shortcuts();
  if (event.key === 'Escape' && dialog && dialog.open) {
    dialog.close();
    event.preventDefault();
    return;
  }
  if (isTyping(event.target)) return;
  if (event.key === '/') {
    const search = document.getElementById('search');
    if (search) {
      event.preventDefault();
      search.focus();
      search.select();
    }
  } else if (event.key === 'j') {
    move(1);
  } else if (event.key === 'k') {
    move(-1);
  } else if (event.key === 'Enter') {
    // A focused link opens by itself; Enter elsewhere opens the selected row.
    if (document.activeElement && document.activeElement.tagName === 'A') return;
    if (openSelected()) event.preventDefault();
  } else if (event.key === '?') {
    if (dialog && !dialog.open) {
      event.preventDefault();
      dialog.showModal();
    }
  }
}

function setUpDialog() {
  const dialog = shortcuts();
  if (!dialog) return;
  for (const button of dialog.querySelectorAll('[data-close-dialog]')) button.addEventListener('click', () => dialog.close());
}

function start() {
  updateCountdowns();
  window.setInterval(updateCountdowns, SECOND);
  // Fresh countdown text as soon as htmx swaps the live panel in.
  document.body.addEventListener('htmx:afterSwap', updateCountdowns);
  setUpLivePanel();
  setUpChart();
  signInWhenSignedOut();
  setUpDialog();
  document.addEventListener('keydown', onKey);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
