import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@test/support/database.js';
import { cleanUpFaults, DispatcherProcess, type ExitInfo, phones, type Sandbox, sleep, startSandbox, waitFor } from '@test/fault/support/dispatcher-process.js';

const INTERVAL = 300;
const ENV = {
  DISPATCH_INTERVAL_MS: String(INTERVAL),
  DISPATCH_BATCH_SIZE: '1',
  CLAIM_LEASE_MS: '5000',
  WEBHOOK_TIMEOUT_MS: '3000',
  SHUTDOWN_GRACE_MS: '10000',
};
const GATEWAY_LATENCY_MS = 1_000;

/**
 * SIGTERM to the leader while its send takes a second at the gateway: it stops being ready,
 * lets that send finish and record, exits 0, and the other replica takes over. The scenario runs
 * once; each test checks one promise about it.
 */
describe('SIGTERM during a slow send (fault)', () => {
  let db: TestDatabase;
  let sandbox: Sandbox;
  let leader: DispatcherProcess;
  let other: DispatcherProcess;
  let inFlightId: string;
  let readinessWhileDraining: number[] = [];
  let exit: ExitInfo;
  let takeoverMs: number | null = null;
  let exitMs = 0;
  let otherFirstSendMs: number | null = null;
  let scenarioFailed = true;

  beforeAll(async () => {
    db = await createTestDatabase();
    sandbox = await startSandbox({ latencyMs: GATEWAY_LATENCY_MS });
    for (const [i, phone] of phones(6).entries()) {
      await db.sql.query('INSERT INTO messages (phone_number, content) VALUES ($1, $2)', [phone, `sigterm ${i}`]);
    }
    const replicas = await Promise.all(
      ['a', 'b'].map((name) => DispatcherProcess.start({ databaseUrl: db.url, webhookUrl: sandbox.webhookUrl, instanceId: `fault-term-${name}`, env: ENV })),
    );
    const leaderId = await waitFor('a leader', async () => (await Promise.all(replicas.map((r) => r.status()))).find((s) => s.isLeader)?.instanceId, 5_000, 20);
    leader = replicas.find((r) => r.instanceId === leaderId) as DispatcherProcess;
    other = replicas.find((r) => r !== leader) as DispatcherProcess;

    // A request is at the gateway and will be answered in a second: SIGTERM now.
    const before = sandbox.received().length;
    await waitFor('a send in flight', () => sandbox.received().length > before, 5_000, 5);
    inFlightId = sandbox.received()[sandbox.received().length - 1].headers['idempotency-key'] as string;
    await sleep(100);
    leader.child.kill('SIGTERM');
    const termAt = Date.now();

    // Readiness while it drains (until it no longer answers).
    const readiness: number[] = [];
    while (leader.isRunning && Date.now() - termAt < 2 * GATEWAY_LATENCY_MS) {
      const status = await leader.ready(500).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 0) break;
      readiness.push(status);
      await sleep(20);
    }
    readinessWhileDraining = readiness;
    exit = await leader.kill('SIGTERM', 15_000);
    const exitedAt = Date.now();
    exitMs = exitedAt - termAt;
    await waitFor('the other replica to lead', async () => (await other.status()).isLeader, 5_000, 20).then(
      () => (takeoverMs = Date.now() - exitedAt),
      () => undefined,
    );
    const { rows } = await db.sql.query<{ at: Date }>(
      `SELECT min(at) AS at FROM message_attempts a JOIN messages m ON m.id = a.message_id WHERE m.claimed_by = $1`,
      [other.instanceId],
    );
    otherFirstSendMs = rows[0]?.at ? rows[0].at.getTime() - termAt : null;
    scenarioFailed = false;
  }, 45_000);

  afterAll(async () => {
    if (scenarioFailed) console.log('the scenario did not complete');
    await cleanUpFaults();
    await db?.close();
  }, 20_000);

  it('turns readiness to 503 while draining, exits with code 0, and another replica leads within two intervals', () => {
    console.log(
      `graceful shutdown test: readiness while draining ${JSON.stringify(readinessWhileDraining)}, ` +
        `exit ${JSON.stringify(exit)} ${exitMs} ms after SIGTERM, takeover ${takeoverMs} ms after exit ` +
        `(first attempt recorded by ${other?.instanceId} ${otherFirstSendMs} ms after SIGTERM)\n` +
        `----- output of ${leader.instanceId} -----\n${leader
          .output()
          .split('\n')
          .filter((l) => !/^\[stderr\] +at |HttpError/.test(l))
          .slice(-15)
          .join('\n')}`,
    );
    expect(readinessWhileDraining).toContain(503);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(takeoverMs).not.toBeNull();
    expect(takeoverMs as number).toBeLessThanOrEqual(2 * INTERVAL);
  });

  // Nest runs onModuleDestroy hooks before beforeApplicationShutdown: the adapters close their
  // sockets only in onApplicationShutdown, after the scheduler's drain.
  it('lets the send in flight finish: its row is sent, with exactly one request at the gateway', async () => {
    const requests = sandbox.byKey().get(inFlightId) ?? [];
    const { rows } = await db.sql.query('SELECT status, gateway_message_id, failure_reason FROM messages WHERE id = $1', [inFlightId]);
    console.log(`graceful shutdown test: the message in flight is ${JSON.stringify(rows[0])}, ${requests.length} request(s) at the gateway`);
    expect(requests).toHaveLength(1);
    expect(rows[0]).toEqual({ status: 'sent', gateway_message_id: requests[0].messageId, failure_reason: null });
  });

  it('sends nothing twice across the hand-over', async () => {
    await waitFor('the other replica to send', () => sandbox.received().length >= 3, 10_000, 50);
    expect([...sandbox.byKey().values()].filter((r) => r.length > 1)).toEqual([]);
  });
});
