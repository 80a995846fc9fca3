import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@test/support/database.js';
import { cleanUpFaults, DispatcherProcess, faultTest, onCleanUp, phones, sleep, startSandbox, waitFor } from '@test/fault/support/dispatcher-process.js';

const MESSAGES = 40;
const CUTS = 5;
const ENV = {
  DISPATCH_INTERVAL_MS: '200',
  DISPATCH_BATCH_SIZE: '2',
  CLAIM_LEASE_MS: '1500',
  WEBHOOK_TIMEOUT_MS: '500',
};

/**
 * Every connection of the dispatcher to its database cut (pg_terminate_backend) while it sends:
 * it reconnects by itself, sends the rest, loses nothing and sends nothing twice.
 */
describe('database connections cut mid-tick (fault)', () => {
  let db: TestDatabase;
  let admin: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    // From the maintenance database, so the cuts never hit the connection that makes them.
    admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
    await admin.connect();
  });
  afterEach(cleanUpFaults);
  afterAll(async () => {
    await cleanUpFaults();
    await admin?.end();
    await db?.close();
  });

  it(
    `recovers from ${CUTS} cuts with every message sent once (or in doubt with at most one request), and is ready again`,
    faultTest(async () => {
      const sandbox = await startSandbox({ latencyMs: 50 });
      for (const [i, phone] of phones(MESSAGES).entries()) {
        await db.sql.query('INSERT INTO messages (phone_number, content) VALUES ($1, $2)', [phone, `db cut ${i}`]);
      }
      const dbName = new URL(db.url).pathname.slice(1);
      const sut = await DispatcherProcess.start({ databaseUrl: db.url, webhookUrl: sandbox.webhookUrl, instanceId: 'fault-dbcut', env: ENV });

      // Readiness, sampled all along.
      const readiness: number[] = [];
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          readiness.push(
            await sut.ready().then(
              (r) => r.status,
              () => 0,
            ),
          );
          await sleep(30);
        }
      })();
      onCleanUp(async () => {
        sampling = false;
        await sampler;
      });

      await waitFor('the first request', () => sandbox.received().length > 0, 10_000, 5);
      let terminated = 0;
      for (let cut = 0; cut < CUTS; cut += 1) {
        await sleep(150 + Math.floor(Math.random() * 350));
        const { rows } = await admin.query<{ ok: boolean }>(
          'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [dbName],
        );
        terminated += rows.filter((r) => r.ok).length;
      }

      await waitFor(
        'no message pending or sending',
        async () => (await db.sql.query(`SELECT count(*)::int AS n FROM messages WHERE status IN ('pending', 'sending')`)).rows[0].n === 0,
        60_000,
        100,
      );
      await waitFor('readiness 200 again', async () => (await sut.ready()).status === 200, 15_000, 50);
      sampling = false;
      await sampler;
      expect(sut.isRunning).toBe(true);

      const { rows } = await db.sql.query<{ id: string; status: string; gateway_message_id: string | null; failure_reason: string | null }>(
        'SELECT id, status, gateway_message_id, failure_reason FROM messages ORDER BY seq',
      );
      const byKey = sandbox.byKey();
      const duplicates = [...byKey.values()].filter((requests) => requests.length > 1);
      const sent = rows.filter((r) => r.status === 'sent');
      const unknown = rows.filter((r) => r.status === 'unknown');
      const acceptedButUnknown = unknown.filter((r) => byKey.get(r.id)?.[0]?.messageId);
      console.log(
        `database cut test: messages ${rows.length}, cuts ${CUTS}, backends terminated ${terminated}, sent ${sent.length}, unknown ${unknown.length} ` +
          `(${acceptedButUnknown.length} of them accepted by the gateway), duplicates ${duplicates.length}, ` +
          `readiness samples ${readiness.length}: ${readiness.filter((s) => s === 200).length} x 200, ` +
          `${readiness.filter((s) => s === 503).length} x 503, ${readiness.filter((s) => s === 0).length} without answer`,
      );

      expect(terminated).toBeGreaterThanOrEqual(CUTS);
      expect(duplicates).toEqual([]);
      expect(rows.filter((r) => r.status !== 'sent' && r.status !== 'unknown')).toEqual([]);
      for (const row of sent) {
        const requests = byKey.get(row.id) ?? [];
        expect({ id: row.id, requests: requests.length, messageId: row.gateway_message_id }).toEqual({
          id: row.id,
          requests: 1,
          messageId: requests[0]?.messageId,
        });
      }
      for (const row of unknown) expect((byKey.get(row.id) ?? []).length).toBeLessThanOrEqual(1);
      expect(readiness.filter((s) => s === 200).length).toBeGreaterThan(0);
    }),
    120_000,
  );
});
