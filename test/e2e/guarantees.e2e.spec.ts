import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { sleep, type Stack, startStack, waitFor } from '@test/support/stack.js';

const rowStatus = async (stack: Stack, id: string) => (await stack.row(id)).status as string;

describe('replay (e2e)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ env: { DISPATCH_INTERVAL_MS: '100', WEBHOOK_TIMEOUT_MS: '300', BREAKER_FAILURES: '1000' } });
    await stack.api('post', '/api/v1/scheduler/start').expect(200);
  });

  afterAll(async () => {
    await stack.close();
  });

  it('replays a failed message with a fresh attempt budget, and shows its attempts and replays', async () => {
    stack.sandbox.configure({ mode: '400' });
    const [id] = await stack.insert([{ phone: '+905551111111', content: 'replay me' }]);
    await waitFor('the message failed', async () => (await rowStatus(stack, id)) === 'failed');

    stack.sandbox.configure({ mode: 'accept' });
    const replayed = (await stack.api('post', `/api/v1/messages/${id}/replay`).expect(200)).body;
    expect(replayed).toMatchObject({ id, status: 'pending', attemptCount: 0, failureReason: null, replayCount: 1 });
    await waitFor('the replayed message sent', async () => (await rowStatus(stack, id)) === 'sent');

    const detail = (await stack.api('get', `/api/v1/messages/${id}`).expect(200)).body;
    expect(detail.attempts.map((a: { outcome: string; statusCode: number }) => [a.outcome, a.statusCode])).toEqual([
      ['rejected', 400],
      ['accepted', 202],
    ]);
    expect(detail.attempts[0]).toEqual({
      at: expect.any(String),
      statusCode: 400,
      outcome: 'rejected',
      error: expect.stringContaining('gateway answered 400'),
      latencyMs: expect.any(Number),
    });
    expect(detail.replays).toEqual([{ at: expect.any(String), previousStatus: 'failed', previousReason: expect.stringContaining('gateway answered 400') }]);
    expect(stack.sandbox.received.filter((r) => r.headers['idempotency-key'] === id)).toHaveLength(2);
  });

  it('refuses to replay a sent message with 409, and answers 404 for an unknown one', async () => {
    const [id] = await stack.insert([{ phone: '+905551111111', content: 'sent once' }]);
    await waitFor('the message sent', async () => (await rowStatus(stack, id)) === 'sent');
    const res = await stack.api('post', `/api/v1/messages/${id}/replay`).expect(409);
    expect(res.body).toMatchObject({ statusCode: 409, code: 'ILLEGAL_TRANSITION' });
    await stack.api('post', '/api/v1/messages/0b9d9c54-5f1e-4a8a-9a8e-6a1f3f1c2d11/replay').expect(404);
    expect(await rowStatus(stack, id)).toBe('sent');
  });

  it('replays failed and unknown messages in bulk; a dry run only counts', async () => {
    stack.sandbox.configure({ mode: '400' });
    const [failed] = await stack.insert([{ phone: '+905551111111', content: 'bulk failed' }]);
    await waitFor('failed', async () => (await rowStatus(stack, failed)) === 'failed');
    stack.sandbox.configure({ mode: 'hang' });
    const [unknown] = await stack.insert([{ phone: '+905551111111', content: 'bulk unknown' }]);
    await waitFor('unknown', async () => (await rowStatus(stack, unknown)) === 'unknown');
    await stack.api('post', '/api/v1/scheduler/stop').expect(200);
    stack.sandbox.configure({ mode: 'accept' });
    const from = new Date(Date.now() - 60_000).toISOString();

    const dry = (
      await stack
        .api('post', '/api/v1/messages/replay')
        .send({ status: ['failed', 'unknown'], from, dryRun: true })
        .expect(200)
    ).body;
    expect(dry.count).toBeGreaterThanOrEqual(2);
    expect(await rowStatus(stack, failed)).toBe('failed');
    expect(await rowStatus(stack, unknown)).toBe('unknown');

    const done = (
      await stack
        .api('post', '/api/v1/messages/replay')
        .send({ status: ['failed', 'unknown'], from })
        .expect(200)
    ).body;
    expect(done.count).toBe(dry.count);
    expect(await rowStatus(stack, failed)).toBe('pending');
    expect(await rowStatus(stack, unknown)).toBe('pending');
    expect(
      (
        await stack
          .api('post', '/api/v1/messages/replay')
          .send({ status: ['failed', 'unknown'], from })
          .expect(200)
      ).body.count,
    ).toBe(0);

    await stack.api('post', '/api/v1/scheduler/start').expect(200);
    await waitFor('both sent', async () => (await rowStatus(stack, failed)) === 'sent' && (await rowStatus(stack, unknown)) === 'sent');
  });

  it.each([
    [{ status: ['sent'] }, 409],
    [{ status: ['failed', 'pending'] }, 409],
    [{ status: [] }, 400],
    [{ status: ['bogus'] }, 400],
    [{ status: ['failed'], from: 'yesterday' }, 400],
    [{ status: ['failed'], from: '2026-11-22T10:00:00Z', to: '2026-11-22T09:00:00Z' }, 400],
    [{ status: ['failed'], extra: true }, 400],
  ])('answers a bulk replay of %j with %i', async (body, status) => {
    const res = await stack.api('post', '/api/v1/messages/replay').send(body).expect(status);
    expect(res.body.statusCode).toBe(status);
  });
});

describe('idempotent creation, scheduled and expiring messages (e2e)', () => {
  let stack: Stack;

  afterEach(async () => {
    await stack?.close();
  });

  it('returns the first message for a repeated Idempotency-Key, and 422 for the same key with another body', async () => {
    stack = await startStack();
    const body = { phoneNumber: '+905551111111', content: 'only once' };
    const first = await stack.api('post', '/api/v1/messages').set('Idempotency-Key', 'order-42').send(body).expect(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await stack.api('post', '/api/v1/messages').set('Idempotency-Key', 'order-42').send(body).expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    const other = await stack
      .api('post', '/api/v1/messages')
      .set('Idempotency-Key', 'order-42')
      .send({ ...body, content: 'changed' })
      .expect(422);
    expect(other.body).toMatchObject({ statusCode: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
    expect((await stack.db.sql.query('SELECT count(*)::int AS n FROM messages')).rows[0].n).toBe(1);
    await stack.api('post', '/api/v1/messages').set('Idempotency-Key', 'x'.repeat(300)).send(body).expect(400);
  });

  it('does not send before sendAfter', async () => {
    stack = await startStack({ env: { DISPATCH_INTERVAL_MS: '100' } });
    const sendAfter = new Date(Date.now() + 1_500);
    const created = (
      await stack.api('post', '/api/v1/messages').send({ phoneNumber: '+905551111111', content: 'later', sendAfter: sendAfter.toISOString() }).expect(201)
    ).body;
    expect(created.sendAfter).toBe(sendAfter.toISOString());
    await stack.api('post', '/api/v1/scheduler/start').expect(200);
    await sleep(800);
    expect(stack.sandbox.received).toHaveLength(0);
    await waitFor('sent after sendAfter', async () => (await rowStatus(stack, created.id)) === 'sent');
    expect(new Date(stack.sandbox.received[0].at).getTime()).toBeGreaterThanOrEqual(sendAfter.getTime());
  });

  it('expires a message whose expiresAt passes before it can be sent, and never sends it', async () => {
    stack = await startStack({ env: { DISPATCH_INTERVAL_MS: '100' } });
    const expiresAt = new Date(Date.now() + 400).toISOString();
    const created = (await stack.api('post', '/api/v1/messages').send({ phoneNumber: '+905551111111', content: 'too late', expiresAt }).expect(201)).body;
    await sleep(600);
    await stack.api('post', '/api/v1/scheduler/start').expect(200);
    await waitFor('expired', async () => (await rowStatus(stack, created.id)) === 'expired');
    await sleep(300);
    expect(stack.sandbox.received).toHaveLength(0);
    expect((await stack.row(created.id)).failure_reason).toBe('expired before it could be sent');
  });

  it('refuses an expiresAt in the past or not after sendAfter, with the field named', async () => {
    stack = await startStack();
    const past = await stack
      .api('post', '/api/v1/messages')
      .send({ phoneNumber: '+905551111111', content: 'x', expiresAt: '2020-01-01T00:00:00Z' })
      .expect(400);
    expect(past.body.details).toEqual([{ field: 'expiresAt', messages: ['expiresAt must be in the future'] }]);
    const order = await stack
      .api('post', '/api/v1/messages')
      .send({ phoneNumber: '+905551111111', content: 'x', sendAfter: '2099-01-02T00:00:00Z', expiresAt: '2099-01-01T00:00:00Z' })
      .expect(400);
    expect(order.body.details).toEqual([{ field: 'expiresAt', messages: ['expiresAt must be later than sendAfter'] }]);
    await stack.api('post', '/api/v1/messages').send({ phoneNumber: '+905551111111', content: 'x', sendAfter: 'tomorrow' }).expect(400);
  });
});

describe('circuit breaker and alerts (e2e)', () => {
  let stack: Stack;
  let alertServer: http.Server;
  const alerts: { kind: string; message: string }[] = [];

  beforeAll(async () => {
    alertServer = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        alerts.push(JSON.parse(body));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => alertServer.listen(0, '127.0.0.1', resolve));
    const port = (alertServer.address() as AddressInfo).port;
    stack = await startStack({
      env: {
        DISPATCH_INTERVAL_MS: '100',
        BREAKER_FAILURES: '3',
        BREAKER_COOLDOWN_MS: '800',
        ALERT_WEBHOOK_URL: `http://127.0.0.1:${port}/alerts`,
        ALERT_AFTER_FAILED_TICKS: '2',
        MAX_ATTEMPTS: '50',
        RETRY_BASE_MS: '10',
        RETRY_MAX_MS: '20',
      },
      sandbox: { mode: '500' },
    });
  });

  afterAll(async () => {
    await stack.close();
    await new Promise((resolve) => alertServer.close(resolve));
  });

  it('opens after consecutive failures, stops calling the gateway, alerts, then probes and closes', async () => {
    const [id] = await stack.insert([{ phone: '+905551111111', content: 'through the breaker' }]);
    await stack.api('post', '/api/v1/scheduler/start').expect(200);

    const open = await waitFor('the breaker open', async () => {
      const status = (await stack.api('get', '/api/v1/scheduler/status').expect(200)).body;
      return status.breaker.state === 'open' ? status : null;
    });
    expect(open.breaker.consecutiveFailures).toBe(3);
    await waitFor('the breaker alert', () => alerts.some((a) => a.kind === 'breaker-opened'));
    await waitFor('the failed-ticks alert', () => alerts.some((a) => a.kind === 'ticks-without-sending'));

    const callsWhileOpen = stack.sandbox.received.length;
    expect(callsWhileOpen).toBe(3);
    await sleep(400);
    expect(stack.sandbox.received).toHaveLength(callsWhileOpen);

    stack.sandbox.configure({ mode: 'accept' });
    await waitFor('the probe sent the message', async () => (await rowStatus(stack, id)) === 'sent', 5_000);
    expect((await stack.api('get', '/api/v1/scheduler/status').expect(200)).body.breaker).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
    expect(alerts.filter((a) => a.kind === 'breaker-opened')).toHaveLength(1);
  });

  it('shows which replica leads', async () => {
    const status = (await stack.api('get', '/api/v1/scheduler/status').expect(200)).body;
    expect(status.isLeader).toBe(true);
    expect(status.leaderId).toBe(status.instanceId);
    expect(status.instanceId).toEqual(expect.any(String));
  });
});
