import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import {
  type GatewayResult,
  IllegalTransitionError,
  LEASE_LOST,
  type Message,
  type MessageStatus,
  type ReplayableStatus,
  RetryPolicy,
} from '@app/domain';
import { databaseOptions, TypeOrmMessageRepository } from '@app/infrastructure';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/**
 * The delivery guarantees of the repository on the real database: claim leases fenced by a
 * token, the lease and expiry sweeps, replays, idempotent creation and the message history.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const policy = new RetryPolicy({ baseMs: 1_000, maxMs: 60_000, maxAttempts: 3 }, () => 0);
const T0 = new Date('2030-01-01T12:00:00.000Z');
const LEASE_MS = 10_000;
const A = { owner: 'replica-a', leaseMs: LEASE_MS };
const B = { owner: 'replica-b', leaseMs: LEASE_MS };

function at(offsetMs: number): Date {
  return new Date(T0.getTime() + offsetMs);
}

const accepted: GatewayResult = { kind: 'accepted', statusCode: 202, gatewayMessageId: 'gw-1', latencyMs: 5 };
const rejected: GatewayResult = { kind: 'rejected', statusCode: 400, error: 'gateway answered 400: bad number', latencyMs: 4 };
const retryable: GatewayResult = { kind: 'retryable', statusCode: 503, error: 'gateway answered 503', latencyMs: 3 };
const timedOut: GatewayResult = { kind: 'unknown', statusCode: null, error: 'no answer within 300 ms', latencyMs: 300 };

interface Seed {
  status?: MessageStatus;
  sendAfter?: Date | null;
  expiresAt?: Date | null;
  failureReason?: string | null;
  attemptCount?: number;
  updatedAt?: Date;
}

describe(TypeOrmMessageRepository.name, () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let sut: TypeOrmMessageRepository;

  /** Rows written by plain SQL, as an operator or an older version would leave them; ids in order. */
  async function seed(...rows: Seed[]): Promise<string[]> {
    const ids: string[] = [];
    for (const [i, s] of rows.entries()) {
      const { rows: inserted } = await db.sql.query<{ id: string }>(
        `INSERT INTO messages (phone_number, content, status, send_after, expires_at, failure_reason, attempt_count, updated_at)
         VALUES ('+905551111111', $1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        [`msg ${i}`, s.status ?? 'pending', s.sendAfter ?? null, s.expiresAt ?? null, s.failureReason ?? null, s.attemptCount ?? 0, s.updatedAt ?? T0],
      );
      ids.push(inserted[0].id);
    }
    return ids;
  }

  async function row(id: string): Promise<Record<string, any>> {
    const { rows } = await db.sql.query('SELECT * FROM messages WHERE id = $1', [id]);
    return rows[0];
  }

  async function statusOf(...ids: string[]): Promise<string[]> {
    return Promise.all(ids.map(async (id) => (await row(id)).status as string));
  }

  async function attemptsOf(id: string): Promise<Record<string, any>[]> {
    const { rows } = await db.sql.query('SELECT attempt_no, outcome, status_code FROM message_attempts WHERE message_id = $1 ORDER BY id', [id]);
    return rows;
  }

  async function replaysOf(id: string): Promise<Record<string, any>[]> {
    const { rows } = await db.sql.query('SELECT at, previous_status, previous_reason FROM message_replays WHERE message_id = $1 ORDER BY id', [id]);
    return rows;
  }

  /** Claims exactly the one pending message there is. */
  async function claimOne(now: Date, claim = A): Promise<Message> {
    const claimed = await sut.claimBatch(10, now, claim);
    expect(claimed).toHaveLength(1);
    return claimed[0];
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
    await db.sql.query('TRUNCATE messages, message_attempts, message_replays');
    sut = new TypeOrmMessageRepository(dataSource);
  });

  describe('claimBatch', () => {
    it('puts each claimed row under a lease: the owner, a fresh fencing token and lease_until = now + leaseMs', async () => {
      const ids = await seed({}, {});

      const claimed = await sut.claimBatch(10, T0, A);

      expect(claimed.map((m) => m.id)).toEqual(ids);
      const tokens = claimed.map((m) => m.claimToken);
      expect(tokens[0]).toMatch(UUID);
      expect(tokens[1]).toMatch(UUID);
      expect(tokens[0]).not.toBe(tokens[1]);
      for (const [i, id] of ids.entries()) {
        expect(await row(id)).toMatchObject({
          status: 'sending',
          claimed_by: 'replica-a',
          claim_token: tokens[i],
          lease_until: at(LEASE_MS),
          updated_at: T0,
        });
      }
    });

    it('skips rows whose send_after is in the future or whose expires_at has passed, and takes a scheduled one once due', async () => {
      const [later, dueNow, expiring, expired, deadlineAhead] = await seed(
        { sendAfter: at(1_000) },
        { sendAfter: T0 },
        { expiresAt: T0 },
        { expiresAt: at(-1) },
        { expiresAt: at(60_000) },
      );

      const claimed = await sut.claimBatch(10, T0, A);

      expect(claimed.map((m) => m.id)).toEqual([dueNow, deadlineAhead]);
      expect(await statusOf(later, expiring, expired)).toEqual(['pending', 'pending', 'pending']);
      expect(await sut.claimBatch(10, at(999), A)).toEqual([]);
      expect((await sut.claimBatch(10, at(1_000), A)).map((m) => m.id)).toEqual([later]);
      expect(await statusOf(expiring, expired)).toEqual(['pending', 'pending']);
    });
  });

  describe('renewClaim', () => {
    it('extends the lease for the holder of the claim', async () => {
      await seed({});
      const message = await claimOne(T0);

      await expect(sut.renewClaim(message.id, message.claimToken as string, at(25_000))).resolves.toBe(true);

      expect((await row(message.id)).lease_until).toEqual(at(25_000));
    });

    it('answers false for a token that is not the claim, and leaves the lease alone', async () => {
      await seed({});
      const message = await claimOne(T0);

      await expect(sut.renewClaim(message.id, randomUUID(), at(25_000))).resolves.toBe(false);

      expect((await row(message.id)).lease_until).toEqual(at(LEASE_MS));
    });

    it('answers false to the first sender once the message was replayed and claimed again under a new token', async () => {
      await seed({});
      const first = await claimOne(T0, A);
      await sut.releaseAbandonedClaims(at(LEASE_MS + 1), 'hold');
      await sut.replay(first.id, at(LEASE_MS + 2));
      const second = await claimOne(at(LEASE_MS + 3), B);
      expect(second.claimToken).not.toBe(first.claimToken);

      await expect(sut.renewClaim(first.id, first.claimToken as string, at(60_000))).resolves.toBe(false);
      await expect(sut.renewClaim(second.id, second.claimToken as string, at(60_000))).resolves.toBe(true);

      expect(await row(first.id)).toMatchObject({ status: 'sending', claimed_by: 'replica-b', claim_token: second.claimToken, lease_until: at(60_000) });
    });

    it('answers false once the message is no longer sending (its outcome recorded, or swept to unknown)', async () => {
      const [sentId] = await seed({});
      const toSend = await claimOne(T0);
      const attempt = toSend.applyDelivery(accepted, policy, at(1));
      await sut.recordOutcomes([{ message: toSend, attempt }]);
      await seed({});
      const abandoned = await claimOne(T0);
      await sut.releaseAbandonedClaims(at(LEASE_MS + 1), 'hold');

      await expect(sut.renewClaim(sentId, toSend.claimToken as string, at(60_000))).resolves.toBe(false);
      await expect(sut.renewClaim(abandoned.id, abandoned.claimToken as string, at(60_000))).resolves.toBe(false);

      expect(await row(sentId)).toMatchObject({ status: 'sent', lease_until: null });
      expect(await row(abandoned.id)).toMatchObject({ status: 'unknown', lease_until: null });
    });
  });

  describe('recordOutcomes', () => {
    it('clears the lease of a message whose outcome it records', async () => {
      await seed({});
      const message = await claimOne(T0);
      const attempt = message.applyDelivery(accepted, policy, at(5));

      await sut.recordOutcomes([{ message, attempt }]);

      expect(await row(message.id)).toMatchObject({ status: 'sent', gateway_message_id: 'gw-1', sent_at: at(5), lease_until: null });
    });

    it('changes nothing for a sender whose token is stale, but still records the attempt it made', async () => {
      await seed({});
      const stale = await claimOne(T0, A);
      await sut.releaseAbandonedClaims(at(LEASE_MS + 1), 'resend');
      const current = await claimOne(at(LEASE_MS + 2), B);
      const staleAttempt = stale.applyDelivery(accepted, policy, at(LEASE_MS + 3));

      await sut.recordOutcomes([{ message: stale, attempt: staleAttempt }]);

      expect(await row(stale.id)).toMatchObject({
        status: 'sending',
        claimed_by: 'replica-b',
        claim_token: current.claimToken,
        gateway_message_id: null,
        sent_at: null,
        attempt_count: 0,
        lease_until: at(LEASE_MS + 2 + LEASE_MS),
      });
      expect(await attemptsOf(stale.id)).toEqual([{ attempt_no: 1, outcome: 'accepted', status_code: 202 }]);
    });

    it('settles with a late outcome under the original token a row that the lease sweep marked unknown', async () => {
      await seed({});
      const slow = await claimOne(T0, A);
      await expect(sut.releaseAbandonedClaims(at(LEASE_MS + 1), 'hold')).resolves.toBe(1);
      expect(await row(slow.id)).toMatchObject({ status: 'unknown', failure_reason: LEASE_LOST });
      const attempt = slow.applyDelivery(accepted, policy, at(LEASE_MS + 500));

      await sut.recordOutcomes([{ message: slow, attempt }]);

      expect(await row(slow.id)).toMatchObject({
        status: 'sent',
        gateway_message_id: 'gw-1',
        sent_at: at(LEASE_MS + 500),
        failure_reason: null,
        attempt_count: 1,
        lease_until: null,
      });
      expect(await attemptsOf(slow.id)).toEqual([{ attempt_no: 1, outcome: 'accepted', status_code: 202 }]);
    });

    it('does not settle a swept row once an operator replayed it (the token was cleared)', async () => {
      await seed({});
      const slow = await claimOne(T0, A);
      await sut.releaseAbandonedClaims(at(LEASE_MS + 1), 'hold');
      await sut.replay(slow.id, at(LEASE_MS + 2));
      const attempt = slow.applyDelivery(accepted, policy, at(LEASE_MS + 3));

      await sut.recordOutcomes([{ message: slow, attempt }]);

      expect(await row(slow.id)).toMatchObject({ status: 'pending', claim_token: null, gateway_message_id: null, sent_at: null, attempt_count: 0 });
      expect(await attemptsOf(slow.id)).toHaveLength(1);
    });

    it('does not settle a row that is unknown for another reason than a lost lease', async () => {
      await seed({});
      const message = await claimOne(T0, A);
      await db.sql.query(`UPDATE messages SET status = 'unknown', failure_reason = 'outcome unknown: set by hand' WHERE id = $1`, [message.id]);
      const attempt = message.applyDelivery(accepted, policy, at(5));

      await sut.recordOutcomes([{ message, attempt }]);

      expect(await row(message.id)).toMatchObject({ status: 'unknown', failure_reason: 'outcome unknown: set by hand', sent_at: null });
    });
  });

  describe('releaseAbandonedClaims', () => {
    it("under hold marks only rows whose lease has passed unknown, with the LEASE_LOST reason, keeping their token", async () => {
      await seed({}, {});
      const [early] = await sut.claimBatch(1, T0, A);
      const [late] = await sut.claimBatch(1, at(5_000), B);
      const [pending, sent] = await seed({}, { status: 'sent' });

      await expect(sut.releaseAbandonedClaims(at(LEASE_MS), 'hold')).resolves.toBe(0);
      await expect(sut.releaseAbandonedClaims(at(LEASE_MS + 1), 'hold')).resolves.toBe(1);

      expect(await row(early.id)).toMatchObject({
        status: 'unknown',
        failure_reason: LEASE_LOST,
        lease_until: null,
        claim_token: early.claimToken,
        updated_at: at(LEASE_MS + 1),
      });
      expect(await row(late.id)).toMatchObject({ status: 'sending', claim_token: late.claimToken, lease_until: at(5_000 + LEASE_MS) });
      expect(await statusOf(pending, sent)).toEqual(['pending', 'sent']);
      expect((await sut.claimBatch(10, at(LEASE_MS + 2), A)).map((m) => m.id)).toEqual([pending]);
    });

    it('under resend puts only rows whose lease has passed back to pending, with the claim token cleared', async () => {
      await seed({}, {});
      const [early] = await sut.claimBatch(1, T0, A);
      const [late] = await sut.claimBatch(1, at(5_000), B);

      await expect(sut.releaseAbandonedClaims(at(LEASE_MS + 1), 'resend')).resolves.toBe(1);

      expect(await row(early.id)).toMatchObject({
        status: 'pending',
        failure_reason: LEASE_LOST,
        claim_token: null,
        lease_until: null,
        next_attempt_at: null,
        updated_at: at(LEASE_MS + 1),
      });
      expect(await row(late.id)).toMatchObject({ status: 'sending', claim_token: late.claimToken });
      const again = await claimOne(at(LEASE_MS + 2), B);
      expect(again.id).toBe(early.id);
      expect(again.claimToken).toMatch(UUID);
      expect(again.claimToken).not.toBe(early.claimToken);
    });
  });

  describe('expireOverdue', () => {
    it('expires only pending rows whose expires_at has passed', async () => {
      const [overdue, dueNow, ahead, noDeadline, sending, failed] = await seed(
        { expiresAt: at(-1) },
        { expiresAt: T0 },
        { expiresAt: at(1) },
        {},
        { status: 'sending', expiresAt: at(-1) },
        { status: 'failed', expiresAt: at(-1), failureReason: 'rejected' },
      );

      await expect(sut.expireOverdue(T0)).resolves.toBe(2);

      for (const id of [overdue, dueNow]) {
        expect(await row(id)).toMatchObject({ status: 'expired', failure_reason: 'expired before it could be sent', next_attempt_at: null, updated_at: T0 });
      }
      expect(await statusOf(ahead, noDeadline, sending, failed)).toEqual(['pending', 'pending', 'sending', 'failed']);
      expect((await row(failed)).failure_reason).toBe('rejected');
      await expect(sut.expireOverdue(T0)).resolves.toBe(0);
    });
  });

  describe('replay', () => {
    it.each<ReplayableStatus>(['failed', 'unknown', 'expired'])(
      'puts a %s message back to pending with a fresh attempt budget and records the replay',
      async (status) => {
        const [id] = await seed({ status, failureReason: `it was ${status}`, attemptCount: 3 });
        await db.sql.query(`UPDATE messages SET claim_token = gen_random_uuid(), next_attempt_at = $2 WHERE id = $1`, [id, at(-5)]);
        const now = at(60_000);

        const result = await sut.replay(id, now);

        expect(result?.replayedFrom).toBe(status);
        expect(result?.message).toMatchObject({ id, status: 'pending', attemptCount: 0, failureReason: null, replayCount: 1, claimToken: null });
        expect(await row(id)).toMatchObject({
          status: 'pending',
          attempt_count: 0,
          next_attempt_at: null,
          failure_reason: null,
          claim_token: null,
          replay_count: 1,
          updated_at: now,
        });
        expect(await replaysOf(id)).toEqual([{ at: now, previous_status: status, previous_reason: `it was ${status}` }]);
        expect((await claimOne(now)).id).toBe(id);
      },
    );

    it('drops a deadline that has passed and keeps one that has not', async () => {
      const [passed, ahead] = await seed(
        { status: 'expired', expiresAt: at(-1), failureReason: 'expired before it could be sent' },
        { status: 'failed', expiresAt: at(3_600_000), failureReason: 'rejected' },
      );

      await sut.replay(passed, T0);
      await sut.replay(ahead, T0);

      expect((await row(passed)).expires_at).toBeNull();
      expect((await row(ahead)).expires_at).toEqual(at(3_600_000));
      expect((await sut.claimBatch(10, at(1), A)).map((m) => m.id)).toEqual([passed, ahead]);
    });

    it('counts every replay of the same message and keeps each one', async () => {
      const [id] = await seed({ status: 'failed', failureReason: 'first' });
      await sut.replay(id, at(1));
      await db.sql.query(`UPDATE messages SET status = 'unknown', failure_reason = 'second' WHERE id = $1`, [id]);

      const result = await sut.replay(id, at(2));

      expect(result?.message.replayCount).toBe(2);
      expect(await replaysOf(id)).toEqual([
        { at: at(1), previous_status: 'failed', previous_reason: 'first' },
        { at: at(2), previous_status: 'unknown', previous_reason: 'second' },
      ]);
    });

    it.each<MessageStatus>(['sent', 'sending'])('refuses a %s message with IllegalTransitionError and changes nothing', async (status) => {
      const [id] = await seed({ status, attemptCount: 1 });
      const before = await row(id);

      await expect(sut.replay(id, at(1))).rejects.toBeInstanceOf(IllegalTransitionError);

      expect(await row(id)).toEqual(before);
      expect(await replaysOf(id)).toEqual([]);
    });

    it('answers replayedFrom null for a message that is pending already, recording nothing', async () => {
      const [id] = await seed({ attemptCount: 1, failureReason: 'gateway answered 503' });
      const before = await row(id);

      const result = await sut.replay(id, at(1));

      expect(result?.replayedFrom).toBeNull();
      expect(result?.message).toMatchObject({ id, status: 'pending', attemptCount: 1 });
      expect(await row(id)).toEqual(before);
      expect(await replaysOf(id)).toEqual([]);
    });

    it.each([
      ['an unknown uuid', '6f1c2d11-0b9d-4a8a-9a8e-5f1e9c546a1f'],
      ['a non-uuid id', 'not-a-uuid'],
    ])('answers null for %s', async (_what, id) => {
      await expect(sut.replay(id, T0)).resolves.toBeNull();
    });
  });

  describe('replayMatching', () => {
    /** One message of every state, at known updated_at times. */
    async function mixed(): Promise<Record<string, string>> {
      const [failed100, failed200, unknown150, expired300, sent, pending, sending] = await seed(
        { status: 'failed', updatedAt: at(100), failureReason: 'f100', attemptCount: 3 },
        { status: 'failed', updatedAt: at(200), failureReason: 'f200', attemptCount: 1 },
        { status: 'unknown', updatedAt: at(150), failureReason: 'u150', attemptCount: 1 },
        { status: 'expired', updatedAt: at(300), failureReason: 'e300', expiresAt: at(250) },
        { status: 'sent', updatedAt: at(150) },
        { status: 'pending', updatedAt: at(150) },
        { status: 'sending', updatedAt: at(150) },
      );
      return { failed100, failed200, unknown150, expired300, sent, pending, sending };
    }

    async function allStatuses(): Promise<Record<string, string>> {
      const { rows } = await db.sql.query<{ id: string; status: string }>('SELECT id, status FROM messages');
      return Object.fromEntries(rows.map((r) => [r.id, r.status]));
    }

    async function replayCount(): Promise<number> {
      const { rows } = await db.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM message_replays');
      return rows[0].n;
    }

    it('on a dry run counts the messages of the given statuses and changes nothing', async () => {
      await mixed();
      const before = await allStatuses();

      await expect(sut.replayMatching({ statuses: ['failed'] }, at(1_000), true)).resolves.toBe(2);
      await expect(sut.replayMatching({ statuses: ['failed', 'unknown', 'expired'] }, at(1_000), true)).resolves.toBe(4);

      expect(await allStatuses()).toEqual(before);
      expect(await replayCount()).toBe(0);
    });

    it('replays only messages of the given statuses and records a replay for each', async () => {
      const ids = await mixed();
      const now = at(1_000);

      await expect(sut.replayMatching({ statuses: ['failed'] }, now, false)).resolves.toBe(2);

      for (const [id, reason] of [
        [ids.failed100, 'f100'],
        [ids.failed200, 'f200'],
      ]) {
        expect(await row(id)).toMatchObject({ status: 'pending', attempt_count: 0, failure_reason: null, claim_token: null, replay_count: 1, updated_at: now });
        expect(await replaysOf(id)).toEqual([{ at: now, previous_status: 'failed', previous_reason: reason }]);
      }
      expect(await statusOf(ids.unknown150, ids.expired300, ids.sent, ids.pending, ids.sending)).toEqual(['unknown', 'expired', 'sent', 'pending', 'sending']);
      expect(await replayCount()).toBe(2);
    });

    it('takes from as inclusive and to as exclusive on the time the message reached its state', async () => {
      const ids = await mixed();
      const filter = { statuses: ['failed', 'unknown', 'expired'] as ReplayableStatus[], from: at(150), to: at(300) };

      await expect(sut.replayMatching(filter, at(1_000), true)).resolves.toBe(2);
      await expect(sut.replayMatching(filter, at(1_000), false)).resolves.toBe(2);

      expect(await statusOf(ids.unknown150, ids.failed200)).toEqual(['pending', 'pending']);
      expect(await statusOf(ids.failed100, ids.expired300)).toEqual(['failed', 'expired']);
      expect(await replaysOf(ids.unknown150)).toEqual([{ at: at(1_000), previous_status: 'unknown', previous_reason: 'u150' }]);
      await expect(sut.replayMatching({ statuses: ['failed'], from: at(101) }, at(1_000), true)).resolves.toBe(0);
      await expect(sut.replayMatching({ statuses: ['failed'], to: at(101) }, at(1_000), true)).resolves.toBe(1);
    });

    it('drops a deadline that has passed, like a single replay', async () => {
      const ids = await mixed();

      await expect(sut.replayMatching({ statuses: ['expired'] }, at(1_000), false)).resolves.toBe(1);

      expect(await row(ids.expired300)).toMatchObject({ status: 'pending', expires_at: null, replay_count: 1 });
      expect((await sut.claimBatch(10, at(1_001), A)).map((m) => m.id)).toEqual([ids.expired300, ids.pending]);
    });

    it('answers 0 when nothing matches, on a dry run or not', async () => {
      await seed({ status: 'sent' }, {});

      await expect(sut.replayMatching({ statuses: ['failed', 'unknown', 'expired'] }, T0, true)).resolves.toBe(0);
      await expect(sut.replayMatching({ statuses: ['failed', 'unknown', 'expired'] }, T0, false)).resolves.toBe(0);
      expect(await replayCount()).toBe(0);
    });
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

    it('answers a second create with the same key but another request with the first message and its hash', async () => {
      const first = await sut.create({ phoneNumber: '+905551111111', content: 'first', idempotencyKey: 'k-1', requestHash: 'hash-first' });

      const second = await sut.create({ phoneNumber: '+905552222222', content: 'second', idempotencyKey: 'k-1', requestHash: 'hash-second' });

      expect(first.created).toBe(true);
      expect(second).toMatchObject({ created: false, requestHash: 'hash-first' });
      expect(second.message).toMatchObject({ id: first.message.id, phoneNumber: '+905551111111', content: 'first' });
      const { rows } = await db.sql.query(`SELECT count(*)::int AS n FROM messages`);
      expect(rows).toEqual([{ n: 1 }]);
    });

    it('keeps messages with different keys apart', async () => {
      const a = await sut.create({ phoneNumber: '+905551111111', content: 'same', idempotencyKey: 'k-a' });
      const b = await sut.create({ phoneNumber: '+905551111111', content: 'same', idempotencyKey: 'k-b' });

      expect(a.created && b.created).toBe(true);
      expect(a.message.id).not.toBe(b.message.id);
    });
  });

  describe('history', () => {
    it('returns the attempts and the replays of a message, oldest first', async () => {
      await seed({});
      const first = await claimOne(T0);
      await sut.recordOutcomes([{ message: first, attempt: first.applyDelivery(retryable, policy, at(1)) }]);
      const second = await claimOne(at(2));
      await sut.recordOutcomes([{ message: second, attempt: second.applyDelivery(rejected, policy, at(3)) }]);
      await sut.replay(first.id, at(4));
      const third = await claimOne(at(5));
      await sut.recordOutcomes([{ message: third, attempt: third.applyDelivery(timedOut, policy, at(6)) }]);
      await sut.replay(first.id, at(7));

      const history = await sut.history(first.id);

      expect(history.attempts).toEqual([
        { messageId: first.id, attemptNo: 1, at: at(1), statusCode: 503, outcome: 'retryable', error: 'gateway answered 503', latencyMs: 3 },
        { messageId: first.id, attemptNo: 2, at: at(3), statusCode: 400, outcome: 'rejected', error: 'gateway answered 400: bad number', latencyMs: 4 },
        { messageId: first.id, attemptNo: 1, at: at(6), statusCode: null, outcome: 'unknown', error: 'no answer within 300 ms', latencyMs: 300 },
      ]);
      expect(history.replays).toEqual([
        { at: at(4), previousStatus: 'failed', previousReason: 'gateway answered 400: bad number' },
        { at: at(7), previousStatus: 'unknown', previousReason: 'outcome unknown: no answer within 300 ms' },
      ]);
    });

    it("keeps one message's history apart from another's", async () => {
      const [quiet] = await seed({});
      await seed({});
      await sut.claimBatch(1, T0, A);
      const busy = await claimOne(T0);
      await sut.recordOutcomes([{ message: busy, attempt: busy.applyDelivery(accepted, policy, at(1)) }]);

      await expect(sut.history(quiet)).resolves.toEqual({ attempts: [], replays: [] });
      expect((await sut.history(busy.id)).attempts).toHaveLength(1);
    });

    it.each([
      ['an unknown uuid', '6f1c2d11-0b9d-4a8a-9a8e-5f1e9c546a1f'],
      ['a non-uuid id', 'not-a-uuid'],
    ])('is empty for %s', async (_what, id) => {
      await expect(sut.history(id)).resolves.toEqual({ attempts: [], replays: [] });
    });
  });
});
