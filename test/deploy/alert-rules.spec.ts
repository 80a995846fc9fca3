import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { metricFamilies } from '@test/support/prometheus.js';
import { type Stack, startStack } from '@test/support/stack.js';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const rules: Rule[] = (
  parse(readFileSync(new URL('../../deploy/prometheus/alerts.yml', import.meta.url), 'utf8')) as { groups: { rules: Rule[] }[] }
).groups.flatMap((g) => g.rules);

/** Metric names in a PromQL expression that belong to the dispatcher (histogram suffixes stripped). */
function dispatcherMetrics(expr: string): string[] {
  return [...new Set([...expr.matchAll(/\b(dispatcher_[a-z_]+)\b/g)].map((m) => m[1].replace(/_(bucket|sum|count)$/, '')))];
}

describe('deploy/prometheus/alerts.yml', () => {
  let stack: Stack;
  let exported: Map<string, string>;

  beforeAll(async () => {
    stack = await startStack();
    exported = metricFamilies((await stack.api('get', '/metrics', false).expect(200)).text);
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('has the rules operators need: queue behind, breaker open, no leader, sends failing', () => {
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining(['DispatcherQueueBehind', 'DispatcherBreakerOpen', 'DispatcherNoLeader', 'DispatcherSendsFailing']),
    );
    expect(rules.find((r) => r.alert === 'DispatcherQueueBehind')?.expr).toMatch(
      /dispatcher_oldest_pending_age_seconds.*>\s*\d+\s*\*\s*max\(dispatcher_dispatch_interval_seconds\)/,
    );
    expect(rules.find((r) => r.alert === 'DispatcherBreakerOpen')?.expr).toContain('dispatcher_breaker_state');
    expect(rules.find((r) => r.alert === 'DispatcherNoLeader')?.expr).toContain('dispatcher_scheduler_leader');
    expect(rules.find((r) => r.alert === 'DispatcherSendsFailing')?.expr).toContain('dispatcher_sends_total');
  });

  it.each(rules.map((r) => [r.alert, r] as const))('%s names only metrics that GET /metrics exports', (_name, rule) => {
    const names = dispatcherMetrics(rule.expr);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect([name, exported.has(name)]).toEqual([name, true]);
  });

  it.each(rules.map((r) => [r.alert, r] as const))('%s has a severity, a summary, a description and a runbook link', (_name, rule) => {
    expect(rule.labels?.severity).toMatch(/^(critical|warning|info)$/);
    expect(rule.for).toMatch(/^\d+[smh]$/);
    expect(rule.annotations?.summary).toBeTruthy();
    expect(rule.annotations?.description).toBeTruthy();
    expect(rule.annotations?.runbook).toBe('README.md#alerts');
  });

  it('every alert is explained in the README', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const alertsSection = readme.slice(readme.indexOf('\n### Alerts'));
    expect(alertsSection.length).toBeGreaterThan(0);
    for (const rule of rules) expect([rule.alert, alertsSection.includes(rule.alert)]).toEqual([rule.alert, true]);
  });
});
