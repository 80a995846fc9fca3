import { afterEach, describe, expect, it } from '@jest/globals';
import { metricFamilies, parseExposition, type Sample, sampleValue } from '@test/support/prometheus.js';
import { phones, type Stack, startStack, waitFor } from '@test/support/stack.js';

const DISPATCHER_FAMILIES = {
  dispatcher_sends_total: 'counter',
  dispatcher_gateway_request_duration_seconds: 'histogram',
  dispatcher_tick_duration_seconds: 'histogram',
  dispatcher_ticks_total: 'counter',
  dispatcher_messages_not_sent_total: 'counter',
  dispatcher_scheduler_step_errors_total: 'counter',
  dispatcher_messages: 'gauge',
  dispatcher_oldest_pending_age_seconds: 'gauge',
  dispatcher_scheduler_running: 'gauge',
  dispatcher_scheduler_leader: 'gauge',
  dispatcher_scheduler_draining: 'gauge',
  dispatcher_breaker_state: 'gauge',
  dispatcher_breaker_consecutive_failures: 'gauge',
  dispatcher_dispatch_interval_seconds: 'gauge',
  dispatcher_dispatch_batch_size: 'gauge',
  dispatcher_info: 'gauge',
};

describe('GET /metrics (e2e)', () => {
  let stack: Stack;

  afterEach(async () => {
    await stack?.close();
  });

  async function scrape(): Promise<Sample[]> {
    const res = await stack.api('get', '/metrics', false).expect(200);
    return parseExposition(res.text);
  }

  const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) => {
    const found = sampleValue(samples, name, labels);
    if (found === undefined) throw new Error(`no sample ${name}${JSON.stringify(labels)}`);
    return found;
  };

  it('serves every dispatcher metric and the Node process metrics, without an API key', async () => {
    stack = await startStack({ env: { DISPATCH_INTERVAL_MS: '2500', DISPATCH_BATCH_SIZE: '3', INSTANCE_ID: 'metrics-e2e' } });

    const res = await stack.api('get', '/metrics', false).expect(200);

    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = metricFamilies(res.text);
    for (const [name, type] of Object.entries(DISPATCHER_FAMILIES)) expect([name, families.get(name)]).toEqual([name, type]);
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
      expect(families.has(name)).toBe(true);
    }
    const samples = parseExposition(res.text);
    expect(value(samples, 'dispatcher_dispatch_interval_seconds')).toBe(2.5);
    expect(value(samples, 'dispatcher_dispatch_batch_size')).toBe(3);
    expect(samples.find((s) => s.name === 'dispatcher_info')?.labels).toEqual({
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      commit: '',
      instance_id: 'metrics-e2e',
    });
  });

  it('moves on a send: sends, gateway latency, tick duration, messages per status, oldest pending age', async () => {
    stack = await startStack({ env: { DISPATCH_INTERVAL_MS: '200' } });
    const [id] = await stack.insert(phones(1).map((phone) => ({ phone, content: 'metrics' })));
    await stack.db.sql.query(`UPDATE messages SET created_at = now() - interval '90 seconds' WHERE id = $1`, [id]);

    const before = await scrape();
    expect(value(before, 'dispatcher_messages', { status: 'pending' })).toBe(1);
    expect(value(before, 'dispatcher_messages', { status: 'sent' })).toBe(0);
    expect(value(before, 'dispatcher_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(90);
    expect(value(before, 'dispatcher_oldest_pending_age_seconds')).toBeLessThan(120);
    expect(value(before, 'dispatcher_sends_total', { outcome: 'sent' })).toBe(0);
    expect(value(before, 'dispatcher_tick_duration_seconds_count')).toBe(0);
    expect(value(before, 'dispatcher_scheduler_running')).toBe(0);

    await stack.api('post', '/api/v1/scheduler/start').expect(200);
    await waitFor('the message sent', async () => (await stack.row(id)).status === 'sent');

    const after = await waitFor('a tick in the metrics', async () => {
      const samples = await scrape();
      return value(samples, 'dispatcher_tick_duration_seconds_count') >= 1 ? samples : null;
    });
    expect(value(after, 'dispatcher_sends_total', { outcome: 'sent' })).toBe(1);
    expect(value(after, 'dispatcher_sends_total', { outcome: 'retry' })).toBe(0);
    expect(value(after, 'dispatcher_gateway_request_duration_seconds_count', { answer: 'accepted' })).toBe(1);
    expect(value(after, 'dispatcher_gateway_request_duration_seconds_bucket', { answer: 'accepted', le: '+Inf' })).toBe(1);
    expect(value(after, 'dispatcher_ticks_total', { result: 'completed' })).toBeGreaterThanOrEqual(1);
    expect(value(after, 'dispatcher_messages', { status: 'pending' })).toBe(0);
    expect(value(after, 'dispatcher_messages', { status: 'sent' })).toBe(1);
    expect(value(after, 'dispatcher_oldest_pending_age_seconds')).toBe(0);
    expect(value(after, 'dispatcher_scheduler_running')).toBe(1);
    expect(value(after, 'dispatcher_scheduler_leader')).toBe(1);
  });

  it('moves on failures: retries, permanent failures, and the breaker opening', async () => {
    stack = await startStack({
      env: { DISPATCH_INTERVAL_MS: '150', MAX_ATTEMPTS: '5', BREAKER_FAILURES: '2', BREAKER_COOLDOWN_MS: '600000' },
      sandbox: { script: ['400'], mode: '500' },
    });
    await stack.insert(phones(2).map((phone) => ({ phone, content: 'fails' })));

    await stack.api('post', '/api/v1/scheduler/start').expect(200);
    // A skipped tick comes after the tick that opened the breaker has been reported in full.
    const samples = await waitFor('a tick skipped by the open breaker', async () => {
      const s = await scrape();
      return value(s, 'dispatcher_ticks_total', { result: 'skipped' }) >= 1 ? s : null;
    });

    expect(value(samples, 'dispatcher_breaker_state')).toBe(2);
    expect(value(samples, 'dispatcher_sends_total', { outcome: 'failed' })).toBe(1);
    expect(value(samples, 'dispatcher_gateway_request_duration_seconds_count', { answer: 'rejected' })).toBe(1);
    // Tick 1: a 400 (failed for good: it proves the gateway works, so the count restarts), then a
    // 500; tick 2: another 500, the second in a row, which opens the breaker: two retries in all.
    expect(value(samples, 'dispatcher_sends_total', { outcome: 'retry' })).toBe(2);
    expect(value(samples, 'dispatcher_gateway_request_duration_seconds_count', { answer: 'retryable' })).toBe(2);
    expect(value(samples, 'dispatcher_sends_total', { outcome: 'sent' })).toBe(0);
    expect(value(samples, 'dispatcher_breaker_consecutive_failures')).toBe(2);
    expect(value(samples, 'dispatcher_messages', { status: 'failed' })).toBe(1);
    expect(value(samples, 'dispatcher_messages', { status: 'pending' })).toBe(1);

    await stack.api('post', '/api/v1/scheduler/stop').expect(200);
    expect(value(await scrape(), 'dispatcher_scheduler_running')).toBe(0);
  });
});
