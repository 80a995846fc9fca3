import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { freePort } from '../../apps/dispatcher/src/local/free-port.js';
import type { SandboxMode } from '../../apps/gateway-sandbox/src/sandbox-behaviour.js';
import { sleep, type Stack, startStack, waitFor } from '@test/support/stack.js';

const MAX_ATTEMPTS = 3;

interface Attempt {
  attempt_no: number;
  status_code: number | null;
  outcome: string;
  error: string | null;
}

describe('gateway answers (e2e)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      env: {
        DISPATCH_INTERVAL_MS: '100',
        MAX_ATTEMPTS: String(MAX_ATTEMPTS),
        RETRY_BASE_MS: '50',
        RETRY_MAX_MS: '120000',
        WEBHOOK_TIMEOUT_MS: '500',
        BREAKER_FAILURES: '1000',
      },
    });
    await stack.api('post', '/api/v1/scheduler/start').expect(200);
  });

  afterAll(async () => {
    await stack.close();
  });

  beforeEach(() => {
    stack.sandbox.reset();
  });

  /** Sends one message while the sandbox answers `mode`, and waits until it leaves `sending`/`pending` as expected. */
  async function deliver(mode: SandboxMode, until: (row: Record<string, unknown>) => boolean, retryAfterSeconds = 1) {
    stack.sandbox.configure({ mode, retryAfterSeconds });
    const [id] = await stack.insert([{ phone: '+905551111111', content: `answer ${mode}` }]);
    const row = await waitFor(`the message after ${mode}`, async () => {
      const current = await stack.row(id);
      return until(current) ? current : null;
    });
    const { rows: attempts } = await stack.db.sql.query<Attempt>(
      'SELECT attempt_no, status_code, outcome, error FROM message_attempts WHERE message_id = $1 ORDER BY id',
      [id],
    );
    const requests = stack.sandbox.received.filter((r) => r.headers['idempotency-key'] === id);
    return { id, row, attempts, requests };
  }

  const terminal = (row: Record<string, unknown>) => ['sent', 'failed', 'unknown'].includes(row.status as string);

  it('202 with a messageId: sent after one attempt', async () => {
    const { row, attempts, requests } = await deliver('accept', terminal);
    expect(row).toMatchObject({ status: 'sent', attempt_count: 1, gateway_message_id: requests[0].messageId });
    expect(attempts).toEqual([{ attempt_no: 1, status_code: 202, outcome: 'accepted', error: null }]);
  });

  it.each([['500'], ['503']] as const)('%s: retried with backoff, failed after MAX_ATTEMPTS', async (mode) => {
    const { row, attempts, requests } = await deliver(mode, terminal, 0);
    expect(row).toMatchObject({ status: 'failed', attempt_count: MAX_ATTEMPTS, next_attempt_at: null });
    expect(row.failure_reason).toMatch(new RegExp(`^gave up after ${MAX_ATTEMPTS} attempts: gateway answered ${mode}`));
    expect(requests).toHaveLength(MAX_ATTEMPTS);
    expect(attempts.map((a) => [a.attempt_no, a.status_code, a.outcome])).toEqual(
      Array.from({ length: MAX_ATTEMPTS }, (_, i) => [i + 1, Number(mode), 'retryable']),
    );
  });

  it('429: back to pending with attempts + 1 and a next attempt that honours Retry-After', async () => {
    const before = Date.now();
    const { row, attempts, requests } = await deliver('429', (r) => r.status === 'pending' && r.attempt_count === 1, 30);
    expect(requests).toHaveLength(1);
    expect(attempts).toEqual([{ attempt_no: 1, status_code: 429, outcome: 'retryable', error: expect.stringContaining('gateway answered 429') }]);
    const nextAt = (row.next_attempt_at as Date).getTime();
    expect(nextAt).toBeGreaterThanOrEqual(before + 29_000);
    expect(nextAt).toBeLessThanOrEqual(Date.now() + 30_000);
  });

  it.each([
    ['400', 400, 'gateway answered 400: '],
    ['200', 200, 'gateway answered 200 instead of 202: '],
    ['no-message-id', 202, 'gateway answered 202 without a messageId: '],
    ['garbage', 202, 'gateway answered 202 without a messageId: <html>'],
  ] as const)('%s: failed at once with the reason stored', async (mode, statusCode, reason) => {
    const { row, attempts, requests } = await deliver(mode, terminal);
    expect(row).toMatchObject({ status: 'failed', attempt_count: 1 });
    expect(row.failure_reason).toContain(reason);
    expect(requests).toHaveLength(1);
    expect(attempts).toEqual([{ attempt_no: 1, status_code: statusCode, outcome: 'rejected', error: expect.stringContaining(reason) }]);
  });

  it.each([['hang'], ['reset']] as const)('%s after the request was sent: unknown ("outcome unknown"), never re-sent', async (mode) => {
    const { id, row, attempts, requests } = await deliver(mode, terminal);
    expect(row).toMatchObject({ status: 'unknown', attempt_count: 1 });
    expect(row.failure_reason).toMatch(/^outcome unknown: /);
    expect(attempts).toEqual([{ attempt_no: 1, status_code: null, outcome: 'unknown', error: expect.any(String) }]);
    stack.sandbox.configure({ mode: 'accept' });
    await sleep(400);
    expect(stack.sandbox.received.filter((r) => r.headers['idempotency-key'] === id)).toHaveLength(requests.length);
    expect(requests).toHaveLength(1);
  });
});

describe('gateway unreachable (e2e)', () => {
  let stack: Stack;

  afterAll(async () => {
    await stack?.close();
  });

  it('connection refused: pending with attempts + 1 and a next attempt, failed after MAX_ATTEMPTS', async () => {
    const closedPort = await freePort();
    stack = await startStack({
      env: {
        WEBHOOK_URL: `http://127.0.0.1:${closedPort}/webhook`,
        DISPATCH_INTERVAL_MS: '100',
        MAX_ATTEMPTS: '3',
        RETRY_BASE_MS: '300',
        RETRY_MAX_MS: '300',
        BREAKER_FAILURES: '1000',
      },
    });
    const [id] = await stack.insert([{ phone: '+905551111111', content: 'nobody listens' }]);
    await stack.api('post', '/api/v1/scheduler/start').expect(200);

    const retrying = await waitFor('the first refused attempt', async () => {
      const row = await stack.row(id);
      return row.attempt_count === 1 ? row : null;
    });
    expect(retrying.status).toBe('pending');
    expect(retrying.failure_reason).toBe('gateway unreachable (ECONNREFUSED)');
    expect((retrying.next_attempt_at as Date).getTime()).toBeGreaterThan(Date.now() - 300);

    const failed = await waitFor('the message failed', async () => {
      const row = await stack.row(id);
      return row.status === 'failed' ? row : null;
    });
    expect(failed).toMatchObject({ attempt_count: 3, failure_reason: 'gave up after 3 attempts: gateway unreachable (ECONNREFUSED)' });
    const { rows } = await stack.db.sql.query('SELECT outcome, status_code FROM message_attempts WHERE message_id = $1', [id]);
    expect(rows).toEqual(Array.from({ length: 3 }, () => ({ outcome: 'retryable', status_code: null })));
  });
});
