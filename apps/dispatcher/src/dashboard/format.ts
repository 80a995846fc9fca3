/**
 * How the dashboard writes values for people: masked phone numbers, times, durations and rates.
 * Pure functions, shared by the views and their tests.
 */

/** Characters kept at the start and the end of a masked phone number. */
const KEEP_START = 6;
const KEEP_END = 2;

/**
 * A phone number for lists: the first 6 and the last 2 characters, the rest as `*`
 * (+905551111111 -> +90555*****11). Too short to hide anything that way: all but the last 2.
 */
export function maskPhone(phone: string): string {
  const chars = [...phone];
  if (chars.length <= KEEP_START + KEEP_END) return '*'.repeat(Math.max(0, chars.length - KEEP_END)) + chars.slice(-KEEP_END).join('');
  return chars.slice(0, KEEP_START).join('') + '*'.repeat(chars.length - KEEP_START - KEEP_END) + chars.slice(-KEEP_END).join('');
}

/** A phone number written inside free text: + and 8 to 15 digits, as E.164 allows. */
const PHONE_IN_TEXT = /\+\d{8,15}(?!\d)/g;

/**
 * Free text shown in lists (a failure reason may quote the gateway's answer, which can echo the
 * request's `to`) with every phone number in it masked as maskPhone does.
 */
export function maskPhonesIn(text: string): string {
  return text.replace(PHONE_IN_TEXT, maskPhone);
}

/** A time as people read it, in UTC: 2026-11-22 10:02:00 UTC. */
export function formatTime(at: Date): string {
  return `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A duration in the largest units that matter: 850 ms, 12 s, 3 min 5 s, 2 h 4 min, 3 d 2 h. */
export function formatDuration(ms: number): string {
  const abs = Math.max(0, Math.round(ms));
  if (abs < 1_000) return `${abs} ms`;
  const s = Math.floor(abs / 1_000);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return s % 60 === 0 ? `${min} min` : `${min} min ${s % 60} s`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}

/** Messages per minute with a precision that suits the size: 400, 12.5, 1, 0.25. */
export function formatRate(perMinute: number): string {
  if (!Number.isFinite(perMinute) || perMinute <= 0) return '0';
  if (perMinute >= 100) return String(Math.round(perMinute));
  if (perMinute >= 10) return String(Math.round(perMinute * 10) / 10);
  return String(Math.round(perMinute * 100) / 100);
}

/** The configured rate: batchSize messages every intervalMs, per minute. */
export function ratePerMinute(messages: number, intervalMs: number): number {
  return intervalMs > 0 ? (messages * 60_000) / intervalMs : 0;
}

/** A whole number with thousands separators: 1,000,000. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Text cut to `max` characters (code points) with an ellipsis, for list cells. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is written as a UUID (message ids are). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
