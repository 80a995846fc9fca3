import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { LEASE_LOST, Message, RetryPolicy } from '@app/domain';
import { databaseOptions, TypeOrmMessageRepository } from '@app/infrastructure';
import { DispatchPipeline1795500000000 } from '../../migrations/1795500000000-dispatch-pipeline.js';
import { createTestDatabase, type TestDatabase } from '@test/support/database.js';

/**
 * The delivery guarantees that only the real database can show: creates racing for one
 * idempotency key, and rows an older version left behind meeting the new rules after the
 * migration. The rest of the guarantees (fencing, sweeps, replays) are in the contract suite,
 * test/contract/message-repository.contract.ts.
 */

const policy = new RetryPolicy({ baseMs: 1_000, maxMs: 60_000, maxAttempts: 3 }, () => 1);
const T0 = new Date('2030-01-01T12:00:00.000Z');

function at(offsetMs: number): Date {
  return new Date(T0.getTime() + offsetMs);
}

describe(TypeOrmMessageRepository.name, () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let sut: TypeOrmMessageRepository;

  async function row(id: string): Promise<Record<string, any>> {
    const { rows } = await db.sql.query('SELECT * FROM messages WHERE id = $1', [id]);
    return rows[0];
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = await new DataSource(databaseOptions(db.url)).initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.close();
  });

  beforeEach(async () => {
    await db.sql.query('TRUNCATE messages, message_attempts, message_replays, message_decisions');
    sut = new TypeOrmMessageRepository(dataSource);
  });

  describe('create with an idempotency key', () => {
    it('makes exactly one row of 20 concurrent creates with the same key, and answers all of them with it', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, () => sut.create({ phoneNumber: '+905551111111', content: 'once', idempotencyKey: 'order-42', requestHash: 'h1' })),
      );

      const { rows } = await db.sql.query<{ id: string }>(`SELECT id FROM messages WHERE idempotency_key = 'order-42'`);
      expect(rows).toHaveLength(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.message.id))).toEqual(new Set([rows[0].id]));
      expect(results.every((r) => r.requestHash === 'h1' && r.message.content === 'once')).toBe(true);
    });
  });

  describe(`migration ${DispatchPipeline1795500000000.name}`, () => {
    it('marks the rows an older version left in flight as started and the rows its sweep parked as lease lost, and they follow the new rules', async () => {
      const migration = new DispatchPipeline1795500000000();
      const runner = dataSource.createQueryRunner();
      const parkedToken = randomUUID();
      const ids: Record<string, string> = {};
      try {
        await migration.down(runner);
        // Rows as the version before the migration left them: the reason's text was all it had.
        const old = async (key: string, columns: string, values: unknown[]) => {
          const placeholders = values.map((_, i) => `$${i + 1}`).join(', ');
          const { rows } = await db.sql.query<{ id: string }>(
            `INSERT INTO messages (phone_number, content, ${columns}) VALUES ('+905551111111', '${key}', ${placeholders}) RETURNING id`,
            values,
          );
          ids[key] = rows[0].id;
        };
        await old('inFlight', 'status, claim_token, claimed_by, lease_until, updated_at', ['sending', randomUUID(), 'old-replica', at(5_000), at(-5_000)]);
        await old('parked', 'status, claim_token, failure_reason, updated_at', ['unknown', parkedToken, LEASE_LOST, at(-1_000)]);
        await old('timedOut', 'status, claim_token, failure_reason, attempt_count, updated_at', [
          'unknown',
          randomUUID(),
          'outcome unknown: no answer within 300 ms',
          1,
          at(-2_000),
        ]);
        await old('pending', 'status, updated_at', ['pending', at(-3_000)]);
        await migration.up(runner);
      } finally {
        await runner.release();
      }

      expect(await row(ids.inFlight)).toMatchObject({ status: 'sending', request_started_at: at(-5_000), lease_lost_at: null });
      expect(await row(ids.parked)).toMatchObject({ status: 'unknown', request_started_at: null, lease_lost_at: at(-1_000) });
      expect(await row(ids.timedOut)).toMatchObject({ request_started_at: null, lease_lost_at: null });
      expect(await row(ids.pending)).toMatchObject({ request_started_at: null, lease_lost_at: null });

      // The row in flight may have gone out: once its lease passes it is in doubt, not requeued.
      await expect(sut.releaseAbandonedClaims(at(5_001), 'hold')).resolves.toEqual({ requeued: 0, inDoubt: 1 });
      expect(await row(ids.inFlight)).toMatchObject({ status: 'unknown', failure_reason: LEASE_LOST, lease_lost_at: at(5_001) });
      // The parked row keeps its right to the late outcome of its sender; the timed-out one has none.
      const late = async (id: string, claimToken: string) => {
        const found = (await sut.findById(id)) as Message;
        const inFlight = Message.restore({ ...found.toProps(), status: 'sending', claimToken });
        return {
          message: inFlight,
          attempt: inFlight.applyDelivery({ kind: 'accepted', statusCode: 202, gatewayMessageId: 'gw-late', latencyMs: 5 }, policy, at(6_000)),
        };
      };
      const timedOutToken = (await row(ids.timedOut)).claim_token as string;
      await sut.recordOutcomes([await late(ids.parked, parkedToken), await late(ids.timedOut, timedOutToken)]);
      expect(await row(ids.parked)).toMatchObject({ status: 'sent', gateway_message_id: 'gw-late', lease_lost_at: null });
      expect(await row(ids.timedOut)).toMatchObject({ status: 'unknown', sent_at: null });
    });
  });
});
