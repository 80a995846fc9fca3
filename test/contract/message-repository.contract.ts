/**
 * What MessageRepository promises, written once and run against every implementation: the
 * TypeORM adapter on PostgreSQL (test/integration/message-repository.contract.spec.ts) and the
 * in-memory fake the unit tests use (test/support/fake-message-repository.contract.spec.ts). The
 * message state machine lives in the domain, set-wise in SQL and again in the fake; this suite
 * is what keeps the three in agreement.
 *
 * Every behaviour is asserted through the port. The harness only seeds rows and reads back raw
 * state, including the claim columns the port does not show (owner, lease, lease lost).
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  type BatchItem,
  type ClaimOptions,
  type ClaimRef,
  type DeliveryOutcome,
  type GatewayResult,
  InvalidCursorError,
  LEASE_LOST,
  Message,
  type MessageProps,
  type MessageRepository,
  type MessageStatus,
  NotInDoubtError,
  OUTCOME_UNKNOWN,
  parseMessageSearch,
  PreviewChangedError,
  type ReplayableStatus,
  ReplayRefusedError,
  RetryPolicy,
  ValidationError,
} from '@app/domain';

/** A message as persisted: its own fields plus the claim columns the port does not show. */
export interface StoredMessage extends MessageProps {
  /** The owner of the last claim (ClaimOptions.owner), kept for operators. */
  claimedBy: string | null;
  /** Until when the running claim holds; null when none runs. */
  leaseUntil: Date | null;
  /** When the lease sweep parked the message as `unknown`; only such a message takes a late outcome. */
  leaseLostAt: Date | null;
}

/** The repository under test over an empty store, and the few test-only abilities every implementation can offer. */
export interface RepositoryHarness {
  readonly repository: MessageRepository;
  /**
   * Stores a row in any state, as plain SQL would insert it: no validation, no claim, fields left
   * out take their defaults (a pending message to +905551111111 saying "hello", created now).
   * Rows are claimed in the order they were seeded. Returns the id.
   */
  seed(row?: Partial<MessageProps>): Promise<string>;
  /** The persisted state of a stored message; throws for an unknown id. */
  stored(id: string): Promise<StoredMessage>;
  close(): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Jitter pinned to its ceiling, so that the first retry comes exactly baseMs later.
const policy = new RetryPolicy({ baseMs: 1_000, maxMs: 60_000, maxAttempts: 3 }, () => 1);
const T0 = new Date('2030-01-01T12:00:00.000Z');
const LEASE_MS = 10_000;
const A: ClaimOptions = { owner: 'replica-a', leaseMs: LEASE_MS };
const B: ClaimOptions = { owner: 'replica-b', leaseMs: LEASE_MS };

function at(offsetMs: number): Date {
  return new Date(T0.getTime() + offsetMs);
}

const accepted = (gatewayMessageId = 'gw-1'): GatewayResult => ({ kind: 'accepted', statusCode: 202, gatewayMessageId, latencyMs: 5 });
const rejected: GatewayResult = { kind: 'rejected', statusCode: 400, error: 'gateway answered 400: bad number', latencyMs: 4 };
const retryable: GatewayResult = { kind: 'retryable', statusCode: 503, error: 'gateway answered 503', latencyMs: 3 };
const timedOut: GatewayResult = { kind: 'unknown', statusCode: null, error: 'no answer within 300 ms', latencyMs: 300 };

function ref(message: Message): ClaimRef {
  return { id: message.id, claimToken: message.claimToken as string };
}

/** The outcome of one gateway call for a claimed message (a copy: the caller's message is left as claimed). */
function deliver(message: Message, result: GatewayResult, now: Date): DeliveryOutcome {
  const sent = Message.restore(message.toProps());
  return { message: sent, attempt: sent.applyDelivery(result, policy, now) };
}

const sortIds = (ids: string[]) => [...ids].sort();

/** The message's own fields of a stored row, as the port would answer them. */
function propsOf(row: StoredMessage): MessageProps {
  const { claimedBy: _claimedBy, leaseUntil: _leaseUntil, leaseLostAt: _leaseLostAt, ...props } = row;
  return props;
}

export function describeMessageRepositoryContract(name: string, makeHarness: () => Promise<RepositoryHarness>): void {
  describe(`MessageRepository contract: ${name}`, () => {
    let harness: RepositoryHarness;
    let sut: MessageRepository;

    beforeEach(async () => {
      harness = await makeHarness();
      sut = harness.repository;
    });

    afterEach(async () => {
      await harness.close();
    });

    const seed = (row: Partial<MessageProps> = {}) => harness.seed(row);
    const stored = (id: string) => harness.stored(id);

    async function seedMany(count: number, row: Partial<MessageProps> = {}): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < count; i += 1) ids.push(await seed({ content: `msg ${i}`, ...row }));
      return ids;
    }

    async function statusOf(...ids: string[]): Promise<MessageStatus[]> {
      return Promise.all(ids.map(async (id) => (await stored(id)).status));
    }

    /** Claims exactly the one due message there is. */
    async function claimOne(now: Date, claim = A): Promise<Message> {
      const claimed = await sut.claimBatch(10, now, claim);
      expect(claimed).toHaveLength(1);
      return claimed[0];
    }

    /** Lets the request of claimed messages go out; answers the ids whose claim held. */
    async function start(messages: Message[], now: Date, leaseUntil = new Date(now.getTime() + LEASE_MS)): Promise<string[]> {
      return sut.recordAndStart({ outcomes: [], start: messages.map(ref), now, leaseUntil });
    }

    /** Claims the one due message and lets its request go out. */
    async function claimAndStart(now: Date, claim = A): Promise<Message> {
      const message = await claimOne(now, claim);
      expect(await start([message], now)).toEqual([message.id]);
      return message;
    }

    async function attemptsOf(id: string) {
      return (await sut.history(id)).attempts.map(({ attemptNo, outcome, statusCode }) => ({ attemptNo, outcome, statusCode }));
    }

    describe('claimBatch', () => {
      it('takes the oldest due messages first, in the order they were stored, and marks exactly those sending', async () => {
        const ids = await seedMany(5);

        const first = await sut.claimBatch(2, T0, A);
        const second = await sut.claimBatch(2, T0, A);

        expect(first.map((m) => m.id)).toEqual(ids.slice(0, 2));
        expect(second.map((m) => m.id)).toEqual(ids.slice(2, 4));
        expect(await statusOf(...ids)).toEqual(['sending', 'sending', 'sending', 'sending', 'pending']);
        expect((await stored(ids[0])).updatedAt).toEqual(T0);
      });

      it('puts each claimed message under a lease: its owner, a fresh fencing token, the lease, no request started', async () => {
        const ids = await seedMany(2);

        const claimed = await sut.claimBatch(10, T0, A);

        expect(claimed.map((m) => m.id)).toEqual(ids);
        const tokens = claimed.map((m) => m.claimToken);
        expect(tokens[0]).toMatch(UUID);
        expect(tokens[1]).toMatch(UUID);
        expect(tokens[0]).not.toBe(tokens[1]);
        expect(claimed.map((m) => [m.status, m.requestStartedAt])).toEqual([
          ['sending', null],
          ['sending', null],
        ]);
        for (const [i, id] of ids.entries()) {
          expect(await stored(id)).toMatchObject({
            status: 'sending',
            claimedBy: 'replica-a',
            claimToken: tokens[i],
            leaseUntil: at(LEASE_MS),
            requestStartedAt: null,
            leaseLostAt: null,
            updatedAt: T0,
          });
        }
      });

      it('skips messages that are not pending or whose next attempt is in the future', async () => {
        const [sending, sent, failed, later, due, fresh] = [
          await seed({ status: 'sending' }),
          await seed({ status: 'sent', sentAt: T0, gatewayMessageId: 'gw' }),
          await seed({ status: 'failed', failureReason: 'x' }),
          await seed({ nextAttemptAt: at(1) }),
          await seed({ nextAttemptAt: T0 }),
          await seed(),
        ];

        const claimed = await sut.claimBatch(10, T0, A);

        expect(claimed.map((m) => m.id)).toEqual([due, fresh]);
        expect(await statusOf(sending, sent, failed, later, due, fresh)).toEqual(['sending', 'sent', 'failed', 'pending', 'sending', 'sending']);
        expect(await sut.claimBatch(10, T0, A)).toEqual([]);
        expect((await sut.claimBatch(10, at(1), A)).map((m) => m.id)).toEqual([later]);
      });

      it('skips messages whose sendAfter is ahead or whose expiresAt has passed, and takes a scheduled one once due', async () => {
        const later = await seed({ sendAfter: at(1_000) });
        const dueNow = await seed({ sendAfter: T0 });
        const expiring = await seed({ expiresAt: T0 });
        const expired = await seed({ expiresAt: at(-1) });
        const deadlineAhead = await seed({ expiresAt: at(60_000) });

        const claimed = await sut.claimBatch(10, T0, A);

        expect(claimed.map((m) => m.id)).toEqual([dueNow, deadlineAhead]);
        expect(await statusOf(later, expiring, expired)).toEqual(['pending', 'pending', 'pending']);
        expect(await sut.claimBatch(10, at(999), A)).toEqual([]);
        expect((await sut.claimBatch(10, at(1_000), A)).map((m) => m.id)).toEqual([later]);
        expect(await statusOf(expiring, expired)).toEqual(['pending', 'pending']);
      });

      it('claims the messages of a batch in request order', async () => {
        const items: BatchItem[] = Array.from({ length: 6 }, (_, i) => ({ message: { phoneNumber: '+905551111111', content: `batch ${i}` } }));

        const { results } = await sut.createMany(items);
        const claimed = [...(await sut.claimBatch(4, T0, A)), ...(await sut.claimBatch(4, T0, A))];

        expect(claimed.map((m) => m.id)).toEqual(results.map((r) => ('id' in r ? r.id : null)));
        expect(claimed.map((m) => m.content)).toEqual(items.map((_, i) => `batch ${i}`));
      });

      it('takes the highest priority first and the oldest first within a priority, and answers in that order', async () => {
        const low1 = await seed({ content: 'low 1', priority: -50 });
        const zero1 = await seed({ content: 'zero 1' });
        const high1 = await seed({ content: 'high 1', priority: 10 });
        const zero2 = await seed({ content: 'zero 2', priority: 0 });
        const top = await seed({ content: 'top', priority: 100 });
        const high2 = await seed({ content: 'high 2', priority: 10 });
        const bottom = await seed({ content: 'bottom', priority: -100 });

        const first = await sut.claimBatch(3, T0, A);
        const rest = await sut.claimBatch(10, T0, A);

        expect(first.map((m) => m.content)).toEqual(['top', 'high 1', 'high 2']);
        expect(rest.map((m) => m.content)).toEqual(['zero 1', 'zero 2', 'low 1', 'bottom']);
        expect([...first, ...rest].map((m) => m.id)).toEqual([top, high1, high2, zero1, zero2, low1, bottom]);
        expect(first.map((m) => m.priority)).toEqual([100, 10, 10]);
      });

      it('breaks ties by the order the messages were stored, even with equal or out-of-order creation times', async () => {
        const ids = [
          await seed({ content: 'a', priority: 5, createdAt: at(-1_000) }),
          await seed({ content: 'b', priority: 5, createdAt: at(-1_000) }),
          await seed({ content: 'c', priority: 5, createdAt: at(-5_000) }),
          await seed({ content: 'd', priority: 5, createdAt: at(-1_000) }),
        ];

        const claimed = [...(await sut.claimBatch(1, T0, A)), ...(await sut.claimBatch(2, T0, A)), ...(await sut.claimBatch(5, T0, A))];

        expect(claimed.map((m) => m.id)).toEqual(ids);
      });

      it('takes a higher priority stored later before the lower ones already waiting, but only once it is due', async () => {
        const waiting = await seedMany(3);
        const urgentLater = await seed({ content: 'urgent, scheduled', priority: 50, sendAfter: at(1_000) });
        const urgentRetrying = await seed({ content: 'urgent, retrying', priority: 50, nextAttemptAt: at(2_000), attemptCount: 1 });
        const urgent = await seed({ content: 'urgent', priority: 9 });

        expect((await sut.claimBatch(2, T0, A)).map((m) => m.id)).toEqual([urgent, waiting[0]]);
        expect((await sut.claimBatch(1, at(1_000), A)).map((m) => m.id)).toEqual([urgentLater]);
        expect((await sut.claimBatch(1, at(1_500), A)).map((m) => m.id)).toEqual([waiting[1]]);
        expect((await sut.claimBatch(5, at(2_000), A)).map((m) => m.id)).toEqual([urgentRetrying, waiting[2]]);
      });

      it('keeps the priority of a message through release, retry and replay', async () => {
        const id = await seed({ priority: 42 });
        const [claimed] = await sut.claimBatch(1, T0, A);
        await sut.releaseClaims([ref(claimed)], at(1));
        const [again] = await sut.claimBatch(1, at(2), A);
        await sut.recordOutcomes([deliver(again, rejected, at(3))]);
        await sut.replay(id, at(4));

        expect(claimed.priority).toBe(42);
        expect((await stored(id)).priority).toBe(42);
        expect((await sut.findById(id))?.priority).toBe(42);
      });
    });

    describe('recordAndStart', () => {
      it('lets the requests of claimed messages go out: marks them started, extends their lease and answers their ids', async () => {
        const ids = await seedMany(3);
        const [a, b, c] = await sut.claimBatch(3, T0, A);

        const started = await sut.recordAndStart({ outcomes: [], start: [ref(a), ref(b)], now: at(100), leaseUntil: at(20_000) });

        expect(sortIds(started)).toEqual(sortIds(ids.slice(0, 2)));
        for (const message of [a, b]) {
          expect(await stored(message.id)).toMatchObject({
            status: 'sending',
            claimToken: message.claimToken,
            requestStartedAt: at(100),
            leaseUntil: at(20_000),
          });
        }
        expect(await stored(c.id)).toMatchObject({ status: 'sending', claimToken: c.claimToken, requestStartedAt: null, leaseUntil: at(LEASE_MS) });
        expect((await sut.findById(a.id))?.requestStartedAt).toEqual(at(100));
      });

      it('records outcomes and starts the next requests in one call', async () => {
        await seedMany(3);
        const [a, b, c] = await sut.claimBatch(3, T0, A);
        await start([a], at(10));

        const started = await sut.recordAndStart({ outcomes: [deliver(a, accepted('gw-a'), at(200))], start: [ref(b)], now: at(200), leaseUntil: at(30_000) });

        expect(started).toEqual([b.id]);
        expect(await stored(a.id)).toMatchObject({
          status: 'sent',
          gatewayMessageId: 'gw-a',
          sentAt: at(200),
          attemptCount: 1,
          leaseUntil: null,
          requestStartedAt: at(10),
        });
        expect(await attemptsOf(a.id)).toEqual([{ attemptNo: 1, outcome: 'accepted', statusCode: 202 }]);
        expect(await stored(b.id)).toMatchObject({ status: 'sending', requestStartedAt: at(200), leaseUntil: at(30_000) });
        expect(await stored(c.id)).toMatchObject({ status: 'sending', requestStartedAt: null, leaseUntil: at(LEASE_MS) });
        expect(await sut.countByStatus()).toMatchObject({ sent: 1, sending: 2 });
      });

      it('does not start a message whose outcome it records in the same call: the outcome wins', async () => {
        await seed();
        const [a] = await sut.claimBatch(1, T0, A);
        await start([a], at(10));

        const started = await sut.recordAndStart({ outcomes: [deliver(a, accepted('gw-a'), at(200))], start: [ref(a)], now: at(200), leaseUntil: at(30_000) });

        expect(started).toEqual([]);
        expect(await stored(a.id)).toMatchObject({ status: 'sent', gatewayMessageId: 'gw-a', leaseUntil: null, requestStartedAt: at(10) });
      });

      it('drops a claim whose token is stale (its lease ran out and another sender holds the message) and one with a made-up token', async () => {
        await seed();
        const stale = await claimOne(T0, A);
        await expect(sut.releaseAbandonedClaims(at(LEASE_MS + 1), 'hold')).resolves.toEqual({ requeued: 1, inDoubt: 0 });
        const current = await claimOne(at(LEASE_MS + 2), B);

        await expect(start([stale], at(LEASE_MS + 3))).resolves.toEqual([]);
        await expect(
          sut.recordAndStart({ outcomes: [], start: [{ id: stale.id, claimToken: randomUUID() }], now: at(LEASE_MS + 3), leaseUntil: at(60_000) }),
        ).resolves.toEqual([]);

        expect(await stored(stale.id)).toMatchObject({
          status: 'sending',
          claimedBy: 'replica-b',
          claimToken: current.claimToken,
          requestStartedAt: null,
          leaseUntil: at(LEASE_MS + 2 + LEASE_MS),
        });
      });

      it('drops a message that is no longer sending: its outcome recorded, or parked by the lease sweep', async () => {
        await seedMany(2);
        const [done, abandoned] = await sut.claimBatch(2, T0, A);
        await start([done, abandoned], at(1));
        await sut.recordOutcomes([deliver(done, accepted(), at(2))]);
        await sut.releaseAbandonedClaims(at(LEASE_MS + 2), 'hold');

        await expect(start([done, abandoned], at(LEASE_MS + 3))).resolves.toEqual([]);

        expect(await stored(done.id)).toMatchObject({ status: 'sent', requestStartedAt: at(1), leaseUntil: null });
        expect(await stored(abandoned.id)).toMatchObject({ status: 'unknown', requestStartedAt: at(1), leaseUntil: null });
      });

      it('answers nothing for nothing', async () => {
        await seed();
        await expect(sut.recordAndStart({ outcomes: [], start: [], now: T0, leaseUntil: at(1) })).resolves.toEqual([]);
        expect(await sut.countByStatus()).toMatchObject({ pending: 1 });
      });
    });

    describe('recordOutcomes', () => {
      it('writes sent, retry, failed and invalid outcomes, clears their lease, and keeps one attempt per gateway call', async () => {
        const [sentId, retryId, rejectedId, invalidId] = await seedMany(4);
        const [toSend, toRetry, toReject, toInvalidate] = await sut.claimBatch(4, T0, A);
        await start([toSend, toRetry, toReject], at(1));
        const now = at(1_234);
        const outcomes: DeliveryOutcome[] = [
          deliver(toSend, { kind: 'accepted', statusCode: 202, gatewayMessageId: 'gw-accepted-1', latencyMs: 12.4 }, now),
          deliver(toRetry, { kind: 'retryable', statusCode: 503, error: 'gateway answered 503', latencyMs: 7.6, retryAfterMs: 5_000 }, now),
          deliver(toReject, { kind: 'rejected', statusCode: 400, error: 'gateway answered 400: bad', latencyMs: 3 }, now),
        ];
        toInvalidate.rejectAsInvalid('phoneNumber is bad', now);
        outcomes.push({ message: toInvalidate, attempt: null });

        await sut.recordOutcomes(outcomes);

        expect(await stored(sentId)).toMatchObject({
          status: 'sent',
          gatewayMessageId: 'gw-accepted-1',
          sentAt: now,
          attemptCount: 1,
          nextAttemptAt: null,
          failureReason: null,
          updatedAt: now,
          leaseUntil: null,
        });
        expect(await stored(retryId)).toMatchObject({
          status: 'pending',
          attemptCount: 1,
          nextAttemptAt: at(1_234 + 5_000),
          failureReason: 'gateway answered 503',
          gatewayMessageId: null,
          sentAt: null,
          leaseUntil: null,
        });
        expect(await stored(rejectedId)).toMatchObject({
          status: 'failed',
          attemptCount: 1,
          nextAttemptAt: null,
          failureReason: 'gateway answered 400: bad',
          sentAt: null,
        });
        expect(await stored(invalidId)).toMatchObject({
          status: 'failed',
          attemptCount: 0,
          failureReason: 'invalid message: phoneNumber is bad',
          leaseUntil: null,
        });
        expect((await sut.history(sentId)).attempts).toEqual([
          { messageId: sentId, attemptNo: 1, at: now, statusCode: 202, outcome: 'accepted', error: null, latencyMs: 12 },
        ]);
        expect((await sut.history(retryId)).attempts).toEqual([
          { messageId: retryId, attemptNo: 1, at: now, statusCode: 503, outcome: 'retryable', error: 'gateway answered 503', latencyMs: 8 },
        ]);
        expect((await sut.history(rejectedId)).attempts).toEqual([
          { messageId: rejectedId, attemptNo: 1, at: now, statusCode: 400, outcome: 'rejected', error: 'gateway answered 400: bad', latencyMs: 3 },
        ]);
        expect((await sut.history(invalidId)).attempts).toEqual([]);
      });

      it('records a transport failure with no status code, and the retried message is claimed again once due', async () => {
        const id = await seed();
        const message = await claimAndStart(T0);

        await sut.recordOutcomes([deliver(message, { kind: 'retryable', statusCode: null, error: 'gateway unreachable (ECONNREFUSED)', latencyMs: 1 }, T0)]);

        expect(await attemptsOf(id)).toEqual([{ attemptNo: 1, outcome: 'retryable', statusCode: null }]);
        expect(await sut.claimBatch(1, at(999), A)).toEqual([]);
        const again = await claimOne(at(1_000));
        expect(again).toMatchObject({ id, attemptCount: 1, status: 'sending', requestStartedAt: null });
        expect(again.claimToken).not.toBe(message.claimToken);
      });

      it('does not overwrite a message that is no longer sending, but keeps the attempt', async () => {
        const id = await seed();
        const message = await claimAndStart(T0);
        await sut.recordOutcomes([deliver(message, rejected, at(5))]);

        await sut.recordOutcomes([deliver(message, accepted('gw-late'), at(10))]);

        expect(await stored(id)).toMatchObject({
          status: 'failed',
          failureReason: 'gateway answered 400: bad number',
          gatewayMessageId: null,
          sentAt: null,
          attemptCount: 1,
        });
        expect(await attemptsOf(id)).toEqual([
          { attemptNo: 1, outcome: 'rejected', statusCode: 400 },
          { attemptNo: 1, outcome: 'accepted', statusCode: 202 },
        ]);
      });

      it('changes nothing for a sender whose token is stale, but keeps the attempt it made', async () => {
        await seed();
        const stale = await claimAndStart(T0, A);
        await expect(sut.releaseAbandonedClaims(at(LEASE_MS + 1), 'resend')).resolves.toEqual({ requeued: 0, inDoubt: 1 });
        const current = await claimOne(at(LEASE_MS + 2), B);

        await sut.recordOutcomes([deliver(stale, accepted(), at(LEASE_MS + 3))]);

        expect(await stored(stale.id)).toMatchObject({
          status: 'sending',
          claimedBy: 'replica-b',
          claimToken: current.claimToken,
          gatewayMessageId: null,
          sentAt: null,
          attemptCount: 0,
          leaseUntil: at(LEASE_MS + 2 + LEASE_MS),
        });
        expect(await attemptsOf(stale.id)).toEqual([{ attemptNo: 1, outcome: 'accepted', statusCode: 202 }]);
      });

      it('settles nothing for an outcome without a claim token', async () => {
        const id = await seed({ status: 'sending', requestStartedAt: T0 });
        const unclaimed = Message.restore(propsOf(await stored(id)));

        await sut.recordOutcomes([deliver(unclaimed, accepted(), at(1))]);

        expect(await stored(id)).toMatchObject({ status: 'sending', sentAt: null, attemptCount: 0 });
      });

      it('does nothing for an empty list', async () => {
        const id = await seed();
        await sut.recordOutcomes([]);
        expect(await statusOf(id)).toEqual(['pending']);
      });
    });

    describe('releaseClaims', () => {
      it('puts claimed messages whose request never started back to pending as they were, and leaves started ones alone', async () => {
        const [a, b, c] = [await seed({ attemptCount: 1, failureReason: 'gateway answered 503' }), await seed(), await seed()];
        const claimed = await sut.claimBatch(3, T0, A);
        await start([claimed[1]], at(1));

        await expect(sut.releaseClaims(claimed.map(ref), at(50))).resolves.toBe(2);

        expect(await stored(a)).toMatchObject({
          status: 'pending',
          attemptCount: 1,
          failureReason: 'gateway answered 503',
          claimToken: null,
          leaseUntil: null,
          requestStartedAt: null,
          updatedAt: at(50),
        });
        expect(await stored(c)).toMatchObject({ status: 'pending', attemptCount: 0, claimToken: null, leaseUntil: null, updatedAt: at(50) });
        expect(await stored(b)).toMatchObject({ status: 'sending', claimToken: claimed[1].claimToken, requestStartedAt: at(1), leaseUntil: at(1 + LEASE_MS) });
        expect(await attemptsOf(a)).toEqual([]);
        expect((await sut.claimBatch(10, at(51), A)).map((m) => m.id)).toEqual([a, c]);
      });

      it("leaves alone a claim that is no longer the holder's: taken over, or finished", async () => {
        await seed();
        const lost = await claimOne(T0, A);
        await sut.releaseAbandonedClaims(at(LEASE_MS + 1), 'hold');
        const current = await claimOne(at(LEASE_MS + 2), B);

        await expect(sut.releaseClaims([ref(lost)], at(LEASE_MS + 3))).resolves.toBe(0);
        expect(await stored(lost.id)).toMatchObject({ status: 'sending', claimToken: current.claimToken });

        current.rejectAsInvalid('bad', at(LEASE_MS + 4));
        await sut.recordOutcomes([{ message: current, attempt: null }]);
        await expect(sut.releaseClaims([ref(current)], at(LEASE_MS + 5))).resolves.toBe(0);
        expect(await statusOf(lost.id)).toEqual(['failed']);
      });

      it('answers 0 for no claims', async () => {
        await expect(sut.releaseClaims([], T0)).resolves.toBe(0);
      });
    });

    describe('releaseAbandonedClaims (the lease sweep)', () => {
      it.each<'hold' | 'resend'>(['hold', 'resend'])(
        'under %s puts a message whose request never started back to pending once its lease passed, with no attempt counted',
        async (inDoubt) => {
          const id = await seed({ attemptCount: 1, failureReason: 'gateway answered 503' });
          const claimed = await claimOne(T0);

          await expect(sut.releaseAbandonedClaims(at(LEASE_MS), inDoubt)).resolves.toEqual({ requeued: 0, inDoubt: 0 });
          await expect(sut.releaseAbandonedClaims(at(LEASE_MS + 1), inDoubt)).resolves.toEqual({ requeued: 1, inDoubt: 0 });

          expect(await stored(id)).toMatchObject({
            status: 'pending',
            attemptCount: 1,
            failureReason: 'gateway answered 503',
            claimToken: null,
            leaseUntil: null,
            leaseLostAt: null,
            requestStartedAt: null,
            updatedAt: at(LEASE_MS + 1),
          });
          expect(await attemptsOf(id)).toEqual([]);
          const again = await claimOne(at(LEASE_MS + 2), B);
          expect(again.claimToken).not.toBe(claimed.claimToken);
        },
      );

      it('under hold parks a started message past its lease as unknown with LEASE_LOST, keeping its token, and leaves the rest', async () => {
        await seedMany(2);
        const [early] = await sut.claimBatch(1, T0, A);
        await start([early], at(1), at(LEASE_MS));
        const [late] = await sut.claimBatch(1, at(5_000), B);
        await start([late], at(5_000));
        const pending = await seed();
        const sent = await seed({ status: 'sent', sentAt: T0, gatewayMessageId: 'gw' });

        await expect(sut.releaseAbandonedClaims(at(LEASE_MS), 'hold')).resolves.toEqual({ requeued: 0, inDoubt: 0 });
        await expect(sut.releaseAbandonedClaims(at(LEASE_MS + 1), 'hold')).resolves.toEqual({ requeued: 0, inDoubt: 1 });

        expect(await stored(early.id)).toMatchObject({
          status: 'unknown',
          failureReason: LEASE_LOST,
          leaseUntil: null,
          leaseLostAt: at(LEASE_MS + 1),
          claimToken: early.claimToken,
          requestStartedAt: at(1),
          attemptCount: 0,
          updatedAt: at(LEASE_MS + 1),
        });
        expect(await stored(late.id)).toMatchObject({ status: 'sending', claimToken: late.claimToken, leaseUntil: at(5_000 + LEASE_MS) });
        expect(await statusOf(pending, sent)).toEqual(['pending', 'sent']);
        expect((await sut.claimBatch(10, at(LEASE_MS + 2), A)).map((m) => m.id)).toEqual([pending]);
      });

      it('under hold clears the retry time of a retried message it parks: an unknown message waits for no attempt', async () => {
        await seed({ attemptCount: 1, nextAttemptAt: T0, failureReason: 'gateway answered 503' });
        const [retried] = await sut.claimBatch(1, T0, A);
        await start([retried], at(1), at(LEASE_MS));

        await expect(sut.releaseAbandonedClaims(at(LEASE_MS + 1), 'hold')).resolves.toEqual({ requeued: 0, inDoubt: 1 });

        expect(await stored(retried.id)).toMatchObject({ status: 'unknown', nextAttemptAt: null, attemptCount: 1, failureReason: LEASE_LOST });
      });

      it('under resend puts a started message past its lease back to pending with its token cleared', async () => {
        await seedMany(2);
        const [early] = await sut.claimBatch(1, T0, A);
        await start([early], at(1), at(LEASE_MS));
        const [late] = await sut.claimBatch(1, at(5_000), B);
        await start([late], at(5_000));

        await expect(sut.releaseAbandonedClaims(at(LEASE_MS + 1), 'resend')).resolves.toEqual({ requeued: 0, inDoubt: 1 });

        expect(await stored(early.id)).toMatchObject({
          status: 'pending',
          failureReason: LEASE_LOST,
          claimToken: null,
          leaseUntil: null,
          leaseLostAt: null,
          nextAttemptAt: null,
          attemptCount: 0,
          updatedAt: at(LEASE_MS + 1),
        });
        expect(await stored(late.id)).toMatchObject({ status: 'sending', claimToken: late.claimToken });
        const again = await claimOne(at(LEASE_MS + 2), B);
        expect(again.id).toBe(early.id);
        expect(again.claimToken).toMatch(UUID);
        expect(again.claimToken).not.toBe(early.claimToken);
      });

      it('counts requeued and in-doubt messages apart in one sweep', async () => {
        await seedMany(3);
        const [startedOne, idle, startedTwo] = await sut.claimBatch(3, T0, A);
        await start([startedOne, startedTwo], at(1), at(LEASE_MS));

        await expect(sut.releaseAbandonedClaims(at(LEASE_MS + 1), 'hold')).resolves.toEqual({ requeued: 1, inDoubt: 2 });

        expect(await statusOf(startedOne.id, idle.id, startedTwo.id)).toEqual(['unknown', 'pending', 'unknown']);
      });
    });

    describe('late outcomes', () => {
      it('settle a message the lease sweep parked as unknown, under the original token', async () => {
        await seed();
        const slow = await claimAndStart(T0, A);
        await expect(sut.releaseAbandonedClaims(at(LEASE_MS + 1), 'hold')).resolves.toEqual({ requeued: 0, inDoubt: 1 });

        await sut.recordOutcomes([deliver(slow, accepted(), at(LEASE_MS + 500))]);

        expect(await stored(slow.id)).toMatchObject({
          status: 'sent',
          gatewayMessageId: 'gw-1',
          sentAt: at(LEASE_MS + 500),
          failureReason: null,
          attemptCount: 1,
          leaseUntil: null,
          leaseLostAt: null,
        });
        expect(await attemptsOf(slow.id)).toEqual([{ attemptNo: 1, outcome: 'accepted', statusCode: 202 }]);
      });

      it('settle a parked message through recordAndStart too', async () => {
        await seed();
        const slow = await claimAndStart(T0, A);
        await sut.releaseAbandonedClaims(at(LEASE_MS + 1), 'hold');
        await seed();
        const next = await claimOne(at(LEASE_MS + 2), A);

        const started = await sut.recordAndStart({
          outcomes: [deliver(slow, rejected, at(LEASE_MS + 3))],
          start: [ref(next)],
          now: at(LEASE_MS + 3),
          leaseUntil: at(60_000),
        });

        expect(started).toEqual([next.id]);
        expect(await stored(slow.id)).toMatchObject({
          status: 'failed',
          failureReason: 'gateway answered 400: bad number',
          attemptCount: 1,
          leaseLostAt: null,
        });
      });

      it('do not settle a parked message once an operator replayed it (the token was cleared)', async () => {
        await seed();
        const slow = await claimAndStart(T0, A);
        await sut.releaseAbandonedClaims(at(LEASE_MS + 1), 'hold');
        await sut.replay(slow.id, at(LEASE_MS + 2));

        await sut.recordOutcomes([deliver(slow, accepted(), at(LEASE_MS + 3))]);

        expect(await stored(slow.id)).toMatchObject({
          status: 'pending',
          claimToken: null,
          leaseLostAt: null,
          gatewayMessageId: null,
          sentAt: null,
          attemptCount: 0,
        });
        expect(await attemptsOf(slow.id)).toHaveLength(1);
      });

      it('do not settle a parked message that was replayed and claimed again by another sender', async () => {
        await seed();
        const slow = await claimAndStart(T0, A);
        await sut.releaseAbandonedClaims(at(LEASE_MS + 1), 'hold');
        await sut.replay(slow.id, at(LEASE_MS + 2));
        const current = await claimOne(at(LEASE_MS + 3), B);

        await sut.recordOutcomes([deliver(slow, accepted(), at(LEASE_MS + 4))]);
        await expect(start([slow], at(LEASE_MS + 5))).resolves.toEqual([]);

        expect(await stored(slow.id)).toMatchObject({
          status: 'sending',
          claimedBy: 'replica-b',
          claimToken: current.claimToken,
          sentAt: null,
          requestStartedAt: null,
        });
      });

      it('are recognised by data, not by the text of the reason: an unknown message merely saying LEASE_LOST is not settled', async () => {
        const claimToken = randomUUID();
        const id = await seed({ status: 'unknown', failureReason: LEASE_LOST, claimToken, requestStartedAt: T0 });
        const inFlight = Message.restore({ ...propsOf(await stored(id)), status: 'sending', failureReason: null });

        await sut.recordOutcomes([deliver(inFlight, accepted(), at(1))]);

        expect(await stored(id)).toMatchObject({ status: 'unknown', failureReason: LEASE_LOST, sentAt: null, attemptCount: 0 });
      });

      it('do not settle a message that is unknown because its own send timed out (not swept)', async () => {
        const id = await seed();
        const message = await claimAndStart(T0, A);
        await sut.recordOutcomes([deliver(message, timedOut, at(300))]);
        expect(await stored(id)).toMatchObject({ status: 'unknown', leaseLostAt: null, failureReason: `${OUTCOME_UNKNOWN}: no answer within 300 ms` });

        await sut.recordOutcomes([deliver(message, accepted(), at(400))]);

        expect(await stored(id)).toMatchObject({
          status: 'unknown',
          failureReason: `${OUTCOME_UNKNOWN}: no answer within 300 ms`,
          sentAt: null,
          attemptCount: 1,
        });
      });
    });

    describe('expireOverdue', () => {
      it('expires only pending messages whose expiresAt has passed', async () => {
        const overdue = await seed({ expiresAt: at(-1) });
        const dueNow = await seed({ expiresAt: T0 });
        const ahead = await seed({ expiresAt: at(1) });
        const noDeadline = await seed();
        const sending = await seed({ status: 'sending', expiresAt: at(-1) });
        const failed = await seed({ status: 'failed', expiresAt: at(-1), failureReason: 'rejected' });

        await expect(sut.expireOverdue(T0)).resolves.toBe(2);

        for (const id of [overdue, dueNow]) {
          expect(await stored(id)).toMatchObject({ status: 'expired', failureReason: 'expired before it could be sent', nextAttemptAt: null, updatedAt: T0 });
        }
        expect(await statusOf(ahead, noDeadline, sending, failed)).toEqual(['pending', 'pending', 'sending', 'failed']);
        expect((await stored(failed)).failureReason).toBe('rejected');
        await expect(sut.expireOverdue(T0)).resolves.toBe(0);
      });
    });

    describe('replay', () => {
      it.each<ReplayableStatus>(['failed', 'unknown', 'expired'])(
        'puts a %s message back to pending with a fresh attempt budget and records the replay',
        async (status) => {
          const id = await seed({ status, failureReason: `it was ${status}`, attemptCount: 3, claimToken: randomUUID(), nextAttemptAt: at(-5) });
          const now = at(60_000);

          const result = await sut.replay(id, now);

          expect(result?.replayedFrom).toBe(status);
          expect(result?.message).toMatchObject({ id, status: 'pending', attemptCount: 0, failureReason: null, replayCount: 1, claimToken: null });
          expect(await stored(id)).toMatchObject({
            status: 'pending',
            attemptCount: 0,
            nextAttemptAt: null,
            failureReason: null,
            claimToken: null,
            leaseLostAt: null,
            replayCount: 1,
            updatedAt: now,
          });
          expect((await sut.history(id)).replays).toEqual([{ at: now, previousStatus: status, previousReason: `it was ${status}` }]);
          expect((await claimOne(now)).id).toBe(id);
        },
      );

      it('drops a deadline that has passed and keeps one that has not', async () => {
        const passed = await seed({ status: 'expired', expiresAt: at(-1), failureReason: 'expired before it could be sent' });
        const ahead = await seed({ status: 'failed', expiresAt: at(3_600_000), failureReason: 'rejected' });

        await sut.replay(passed, T0);
        await sut.replay(ahead, T0);

        expect((await stored(passed)).expiresAt).toBeNull();
        expect((await stored(ahead)).expiresAt).toEqual(at(3_600_000));
        expect((await sut.claimBatch(10, at(1), A)).map((m) => m.id)).toEqual([passed, ahead]);
      });

      it('counts every replay of the same message and keeps each one', async () => {
        const id = await seed({ status: 'failed', failureReason: 'first' });
        await sut.replay(id, at(1));
        const again = await claimAndStart(at(2));
        await sut.recordOutcomes([deliver(again, timedOut, at(3))]);

        const result = await sut.replay(id, at(4));

        expect(result?.message.replayCount).toBe(2);
        expect((await sut.history(id)).replays).toEqual([
          { at: at(1), previousStatus: 'failed', previousReason: 'first' },
          { at: at(4), previousStatus: 'unknown', previousReason: `${OUTCOME_UNKNOWN}: no answer within 300 ms` },
        ]);
      });

      it.each<MessageStatus>(['sent', 'sending'])('refuses a %s message with ReplayRefusedError and changes nothing', async (status) => {
        const id = await seed({ status, attemptCount: 1 });
        const before = await stored(id);

        await expect(sut.replay(id, at(1))).rejects.toBeInstanceOf(ReplayRefusedError);

        expect(await stored(id)).toEqual(before);
        expect((await sut.history(id)).replays).toEqual([]);
      });

      it('answers replayedFrom null for a message that is pending already, recording nothing', async () => {
        const id = await seed({ attemptCount: 1, failureReason: 'gateway answered 503' });
        const before = await stored(id);

        const result = await sut.replay(id, at(1));

        expect(result?.replayedFrom).toBeNull();
        expect(result?.message).toMatchObject({ id, status: 'pending', attemptCount: 1 });
        expect(await stored(id)).toEqual(before);
        expect((await sut.history(id)).replays).toEqual([]);
      });

      it.each([
        ['an unknown uuid', '6f1c2d11-0b9d-4a8a-9a8e-5f1e9c546a1f'],
        ['a non-uuid id', 'not-a-uuid'],
      ])('answers null for %s', async (_what, id) => {
        await expect(sut.replay(id, T0)).resolves.toBeNull();
      });
    });

    describe('replayMatching', () => {
      /** One message of every state, at known updatedAt times. */
      async function mixed(): Promise<Record<string, string>> {
        return {
          failed100: await seed({ status: 'failed', updatedAt: at(100), failureReason: 'f100', attemptCount: 3 }),
          failed200: await seed({ status: 'failed', updatedAt: at(200), failureReason: 'f200', attemptCount: 1 }),
          unknown150: await seed({ status: 'unknown', updatedAt: at(150), failureReason: 'u150', attemptCount: 1 }),
          expired300: await seed({ status: 'expired', updatedAt: at(300), failureReason: 'e300', expiresAt: at(250) }),
          sent: await seed({ status: 'sent', updatedAt: at(150), sentAt: at(150), gatewayMessageId: 'gw' }),
          pending: await seed({ status: 'pending', updatedAt: at(150) }),
          sending: await seed({ status: 'sending', updatedAt: at(150) }),
        };
      }

      async function snapshot(ids: Record<string, string>): Promise<Record<string, MessageStatus>> {
        return Object.fromEntries(await Promise.all(Object.entries(ids).map(async ([key, id]) => [key, (await stored(id)).status])));
      }

      async function replayCount(ids: Record<string, string>): Promise<number> {
        const histories = await Promise.all(Object.values(ids).map((id) => sut.history(id)));
        return histories.reduce((n, h) => n + h.replays.length, 0);
      }

      it('on a dry run counts the messages of the given statuses and changes nothing', async () => {
        const ids = await mixed();
        const before = await snapshot(ids);

        await expect(sut.replayMatching({ statuses: ['failed'] }, at(1_000), true)).resolves.toBe(2);
        await expect(sut.replayMatching({ statuses: ['failed', 'unknown', 'expired'] }, at(1_000), true)).resolves.toBe(4);

        expect(await snapshot(ids)).toEqual(before);
        expect(await replayCount(ids)).toBe(0);
      });

      it('replays only messages of the given statuses and records a replay for each', async () => {
        const ids = await mixed();
        const now = at(1_000);

        await expect(sut.replayMatching({ statuses: ['failed'] }, now, false)).resolves.toBe(2);

        for (const [id, reason] of [
          [ids.failed100, 'f100'],
          [ids.failed200, 'f200'],
        ]) {
          expect(await stored(id)).toMatchObject({ status: 'pending', attemptCount: 0, failureReason: null, claimToken: null, replayCount: 1, updatedAt: now });
          expect((await sut.history(id)).replays).toEqual([{ at: now, previousStatus: 'failed', previousReason: reason }]);
        }
        expect(await statusOf(ids.unknown150, ids.expired300, ids.sent, ids.pending, ids.sending)).toEqual([
          'unknown',
          'expired',
          'sent',
          'pending',
          'sending',
        ]);
        expect(await replayCount(ids)).toBe(2);
      });

      it('takes from as inclusive and to as exclusive on the time the message reached its state', async () => {
        const ids = await mixed();
        const filter = { statuses: ['failed', 'unknown', 'expired'] as ReplayableStatus[], from: at(150), to: at(300) };

        await expect(sut.replayMatching(filter, at(1_000), true)).resolves.toBe(2);
        await expect(sut.replayMatching(filter, at(1_000), false)).resolves.toBe(2);

        expect(await statusOf(ids.unknown150, ids.failed200)).toEqual(['pending', 'pending']);
        expect(await statusOf(ids.failed100, ids.expired300)).toEqual(['failed', 'expired']);
        expect((await sut.history(ids.unknown150)).replays).toEqual([{ at: at(1_000), previousStatus: 'unknown', previousReason: 'u150' }]);
        await expect(sut.replayMatching({ statuses: ['failed'], from: at(101) }, at(1_000), true)).resolves.toBe(0);
        await expect(sut.replayMatching({ statuses: ['failed'], to: at(101) }, at(1_000), true)).resolves.toBe(1);
      });

      it('drops a deadline that has passed, like a single replay', async () => {
        const ids = await mixed();

        await expect(sut.replayMatching({ statuses: ['expired'] }, at(1_000), false)).resolves.toBe(1);

        expect(await stored(ids.expired300)).toMatchObject({ status: 'pending', expiresAt: null, replayCount: 1 });
        expect((await sut.claimBatch(10, at(1_001), A)).map((m) => m.id)).toEqual([ids.expired300, ids.pending]);
      });

      it('answers 0 when nothing matches, on a dry run or not', async () => {
        const ids = { sent: await seed({ status: 'sent', sentAt: T0, gatewayMessageId: 'gw' }), pending: await seed() };

        await expect(sut.replayMatching({ statuses: ['failed', 'unknown', 'expired'] }, T0, true)).resolves.toBe(0);
        await expect(sut.replayMatching({ statuses: ['failed', 'unknown', 'expired'] }, T0, false)).resolves.toBe(0);
        expect(await replayCount(ids)).toBe(0);
      });
    });

    describe('listSent', () => {
      /** Seven sent messages, sent in an order unrelated to storage, two pairs sharing a time. Most recently sent first. */
      async function sevenSent(): Promise<string[]> {
        await seedMany(7);
        const times = [at(500), at(100), at(700), at(100), at(300), at(700), at(200)];
        const claimed = await sut.claimBatch(1_000, T0, A);
        await start(claimed, T0);
        await sut.recordOutcomes(claimed.map((m, i) => deliver(m, accepted(`gw-${m.id}`), times[i])));
        // A failed and a pending message must never appear in the sent list.
        await seedMany(2);
        const [failing] = await sut.claimBatch(1, T0, A);
        failing.rejectAsInvalid('bad', T0);
        await sut.recordOutcomes([{ message: failing, attempt: null }]);
        // Among equal times the later-stored first.
        return claimed
          .map((m, i) => ({ id: m.id, time: times[i].getTime(), i }))
          .sort((a, b) => b.time - a.time || b.i - a.i)
          .map((m) => m.id);
      }

      it.each([1, 2, 3, 7, 10])('walks every sent message once, most recently sent first, %i per page', async (limit) => {
        const expected = await sevenSent();

        const pages: Message[][] = [];
        const cursors: (string | null)[] = [];
        let cursor: string | undefined;
        for (let i = 0; i < 20; i += 1) {
          const result = await sut.listSent({ limit, ...(cursor === undefined ? {} : { cursor }) });
          pages.push(result.items);
          cursors.push(result.nextCursor);
          if (result.nextCursor === null) break;
          cursor = result.nextCursor;
        }

        const expectedPages = Math.max(1, Math.ceil(expected.length / limit));
        expect(pages).toHaveLength(expectedPages);
        expect(pages.flat().map((m) => m.id)).toEqual(expected);
        expect(pages.slice(0, -1).every((p) => p.length === limit)).toBe(true);
        expect(cursors.slice(0, -1).every((c) => typeof c === 'string')).toBe(true);
        expect(cursors[cursors.length - 1]).toBeNull();
        expect(pages.flat().every((m) => m.status === 'sent' && m.gatewayMessageId === `gw-${m.id}`)).toBe(true);
      });

      it('keeps paging from where it was when more messages are sent meanwhile', async () => {
        const expected = await sevenSent();
        const first = await sut.listSent({ limit: 3 });
        await seed();
        const more = await sut.claimBatch(10, at(1), A);
        await start(more, at(1));
        await sut.recordOutcomes(more.map((m) => deliver(m, accepted(), at(10_000))));

        const rest = await sut.listSent({ limit: 10, cursor: first.nextCursor as string });

        expect(first.items.map((m) => m.id)).toEqual(expected.slice(0, 3));
        expect(rest).toEqual({ items: expect.any(Array), nextCursor: null });
        expect(rest.items.map((m) => m.id)).toEqual(expected.slice(3));
        expect((await sut.listSent({ limit: 1 })).items.map((m) => m.id)).toEqual([more[more.length - 1].id]);
      });

      it('returns an empty last page with no cursor when nothing was sent', async () => {
        await seedMany(3);
        await expect(sut.listSent({ limit: 5 })).resolves.toEqual({ items: [], nextCursor: null });
      });

      it.each([
        ['a made-up string', 'not-a-cursor'],
        ['base64 of something else', Buffer.from('{"sent":1}').toString('base64url')],
        ['an empty string', ''],
      ])('rejects %s as a cursor with InvalidCursorError', async (_what, cursor) => {
        await sevenSent();
        await expect(sut.listSent({ limit: 2, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
      });

      it('rejects a cursor from list() with InvalidCursorError', async () => {
        await sevenSent();
        const { nextCursor } = await sut.list({ limit: 2 });
        expect(nextCursor).not.toBeNull();

        await expect(sut.listSent({ limit: 2, cursor: nextCursor as string })).rejects.toBeInstanceOf(InvalidCursorError);
      });
    });

    describe('list', () => {
      it('lists newest first across pages, optionally of one status', async () => {
        const ids = await seedMany(7);
        await sut.claimBatch(2, T0, A); // ids[0], ids[1] -> sending
        const newestFirst = [...ids].reverse();

        const all: string[] = [];
        const nextCursors: (string | null)[] = [];
        let cursor: string | undefined;
        for (let i = 0; i < 10; i += 1) {
          const page = await sut.list({ limit: 3, ...(cursor === undefined ? {} : { cursor }) });
          all.push(...page.items.map((m) => m.id));
          nextCursors.push(page.nextCursor);
          if (page.nextCursor === null) break;
          cursor = page.nextCursor;
        }
        expect(all).toEqual(newestFirst);
        expect(nextCursors.map((c) => c === null)).toEqual([false, false, true]);

        const firstPending = await sut.list({ status: 'pending', limit: 3 });
        expect(firstPending.items.map((m) => m.id)).toEqual(newestFirst.slice(0, 3));
        const secondPending = await sut.list({ status: 'pending', limit: 3, cursor: firstPending.nextCursor as string });
        expect(secondPending.items.map((m) => m.id)).toEqual(newestFirst.slice(3, 5));
        expect(secondPending.nextCursor).toBeNull();

        const sending = await sut.list({ status: 'sending', limit: 10 });
        expect(sending.items.map((m) => m.id)).toEqual([ids[1], ids[0]]);
        expect(sending.nextCursor).toBeNull();
        await expect(sut.list({ status: 'failed', limit: 10 })).resolves.toEqual({ items: [], nextCursor: null });
      });

      it('lists only the messages of one priority when asked, newest first across pages, alone or with a status', async () => {
        const urgent = [await seed({ priority: 7 }), await seed(), await seed({ priority: 7 }), await seed({ priority: -7 }), await seed({ priority: 7 })];
        const [, zero, , negative] = urgent;
        const sevens = [urgent[4], urgent[2], urgent[0]];
        await sut.claimBatch(1, T0, A); // urgent[0], the oldest priority 7 -> sending

        const first = await sut.list({ priority: 7, limit: 2 });
        const second = await sut.list({ priority: 7, limit: 2, cursor: first.nextCursor as string });
        expect([...first.items, ...second.items].map((m) => m.id)).toEqual(sevens);
        expect(second.nextCursor).toBeNull();
        expect(first.items.map((m) => m.priority)).toEqual([7, 7]);

        expect((await sut.list({ priority: 7, status: 'pending', limit: 10 })).items.map((m) => m.id)).toEqual([urgent[4], urgent[2]]);
        expect((await sut.list({ priority: 7, status: 'sending', limit: 10 })).items.map((m) => m.id)).toEqual([urgent[0]]);
        expect((await sut.list({ priority: 0, limit: 10 })).items.map((m) => m.id)).toEqual([zero]);
        expect((await sut.list({ priority: -7, limit: 10 })).items.map((m) => m.id)).toEqual([negative]);
        await expect(sut.list({ priority: 100, limit: 10 })).resolves.toEqual({ items: [], nextCursor: null });
      });

      it('keeps paging from where it was when the message the cursor points at changed status meanwhile', async () => {
        const notDue = await seed({ sendAfter: at(60_000) });
        const [older, newer] = [await seed(), await seed()];
        const first = await sut.list({ status: 'pending', limit: 2 });
        expect(first.items.map((m) => m.id)).toEqual([newer, older]);

        await sut.claimBatch(10, T0, A); // older and newer: sending

        await expect(sut.list({ status: 'pending', limit: 2, cursor: first.nextCursor as string })).resolves.toMatchObject({ nextCursor: null });
        expect((await sut.list({ status: 'pending', limit: 2, cursor: first.nextCursor as string })).items.map((m) => m.id)).toEqual([notDue]);
      });

      it('rejects a cursor from listSent() and a made-up one with InvalidCursorError', async () => {
        await seedMany(3);
        const claimed = await sut.claimBatch(3, T0, A);
        await sut.recordOutcomes(claimed.map((m, i) => deliver(m, accepted(), at(i))));
        const { nextCursor } = await sut.listSent({ limit: 1 });
        expect(nextCursor).not.toBeNull();

        await expect(sut.list({ limit: 1, cursor: nextCursor as string })).rejects.toBeInstanceOf(InvalidCursorError);
        await expect(sut.list({ limit: 1, cursor: '%%%' })).rejects.toBeInstanceOf(InvalidCursorError);
      });
    });

    describe('countByStatus', () => {
      it('counts every status, zeros included, as messages move', async () => {
        await expect(sut.countByStatus()).resolves.toEqual({ pending: 0, sending: 0, sent: 0, failed: 0, unknown: 0, expired: 0 });

        await seedMany(4);
        await seed({ status: 'failed', failureReason: 'x' });
        const [toSend, toPark] = await sut.claimBatch(3, T0, A);
        await start([toSend, toPark], at(1), at(LEASE_MS));
        await sut.recordOutcomes([deliver(toSend, accepted(), at(2))]);
        // One sweep: the third claim goes back to pending, the parked one to unknown.
        await expect(sut.releaseAbandonedClaims(at(LEASE_MS + 1), 'hold')).resolves.toEqual({ requeued: 1, inDoubt: 1 });
        await sut.claimBatch(1, at(LEASE_MS + 2), A);
        await seed({ expiresAt: at(-1) });
        await sut.expireOverdue(T0);

        await expect(sut.countByStatus()).resolves.toEqual({ pending: 1, sending: 1, sent: 1, failed: 1, unknown: 1, expired: 1 });
        await sut.compactStatusCounts();
        await expect(sut.countByStatus()).resolves.toEqual({ pending: 1, sending: 1, sent: 1, failed: 1, unknown: 1, expired: 1 });
      });
    });

    describe('countPendingByPriority', () => {
      it('counts pending messages per priority, the highest first, only priorities that have some, as messages move', async () => {
        await expect(sut.countPendingByPriority()).resolves.toEqual([]);

        await seedMany(3);
        await seedMany(2, { priority: 20 });
        await seed({ priority: -5 });
        await seed({ priority: 99, status: 'failed', failureReason: 'x' });
        await expect(sut.countPendingByPriority()).resolves.toEqual([
          { priority: 20, pending: 2 },
          { priority: 0, pending: 3 },
          { priority: -5, pending: 1 },
        ]);

        const claimed = await sut.claimBatch(3, T0, A); // both at 20, one at 0
        await sut.releaseClaims([ref(claimed[0])], at(1));
        await sut.replay((await sut.list({ priority: 99, limit: 1 })).items[0].id, at(2));
        await sut.compactStatusCounts();

        await expect(sut.countPendingByPriority()).resolves.toEqual([
          { priority: 99, pending: 1 },
          { priority: 20, pending: 1 },
          { priority: 0, pending: 2 },
          { priority: -5, pending: 1 },
        ]);
        expect((await sut.countByStatus()).pending).toBe(5);
      });
    });

    describe('oldestDueSince', () => {
      it('is the earliest of the first due message of every priority: a low priority waiting behind higher ones shows', async () => {
        await seed({ content: 'high, recent', priority: 10, createdAt: at(-5_000) });
        await seed({ content: 'low, waiting long', priority: -10, createdAt: at(-50_000) });
        await seed({ content: 'low, not due', priority: -20, createdAt: at(-90_000), sendAfter: at(1_000) });
        await seed({ content: 'zero, waiting', createdAt: at(-30_000) });

        await expect(sut.oldestDueSince(T0)).resolves.toEqual(at(-50_000));
        await sut.claimBatch(3, T0, A); // high, zero and low: only the scheduled one stays
        await expect(sut.oldestDueSince(T0)).resolves.toBeNull();
        await expect(sut.oldestDueSince(at(1_000))).resolves.toEqual(at(1_000));
      });

      it('is, within one priority, when the first due message in claim order became due, ignoring messages not due yet', async () => {
        await expect(sut.oldestDueSince(T0)).resolves.toBeNull();
        await seed({ content: 'scheduled later', createdAt: at(-60_000), sendAfter: at(10_000) });
        await seed({ content: 'scheduled earlier', createdAt: at(-60_000), sendAfter: at(-30_000) });
        await seed({ content: 'plain', createdAt: at(-20_000) });
        await seed({ content: 'retrying later', createdAt: at(-90_000), nextAttemptAt: at(5_000), attemptCount: 1 });

        // The first message in claim order is not due; the second became due at its sendAfter.
        await expect(sut.oldestDueSince(T0)).resolves.toEqual(at(-30_000));
        await sut.claimBatch(1, T0, A);
        await expect(sut.oldestDueSince(T0)).resolves.toEqual(at(-20_000));
        await expect(sut.oldestDueSince(at(20_000))).resolves.toEqual(at(10_000));
      });
    });

    describe('recentRequests', () => {
      it('answers the latest recorded answers after `since`, oldest first, and the requests started whose outcome is not recorded', async () => {
        await expect(sut.recentRequests(T0, 2)).resolves.toEqual({ answeredAt: [], inFlight: 0 });
        await seedMany(5);
        const [a, b, c, d, e] = await sut.claimBatch(5, at(0), A);
        expect(await start([a, b, c, d], at(1))).toHaveLength(4);
        await sut.recordOutcomes([deliver(a, accepted('gw-a'), at(100)), deliver(b, retryable, at(300))]);
        await sut.recordOutcomes([deliver(c, rejected, at(200))]);

        // c was recorded last (the latest two by record: b and c), answered before b.
        await expect(sut.recentRequests(at(50), 2)).resolves.toEqual({ answeredAt: [at(200), at(300)], inFlight: 1 });
        await expect(sut.recentRequests(at(50), 10)).resolves.toEqual({ answeredAt: [at(100), at(200), at(300)], inFlight: 1 });
        await expect(sut.recentRequests(at(200), 10)).resolves.toEqual({ answeredAt: [at(300)], inFlight: 1 });
        // e is claimed, its request never started: the gateway cannot count it.
        expect(await statusOf(d.id, e.id)).toEqual(['sending', 'sending']);
      });
    });

    describe('create', () => {
      it('queues a pending message with its schedule and returns it as stored', async () => {
        const result = await sut.create({
          phoneNumber: '+905551111111',
          content: 'scheduled',
          sendAfter: at(60_000),
          expiresAt: at(3_600_000),
          requestHash: 'hash-1',
        });

        expect(result.created).toBe(true);
        expect(result.requestHash).toBe('hash-1');
        expect(result.message.id).toMatch(UUID);
        expect(result.message).toMatchObject({
          phoneNumber: '+905551111111',
          content: 'scheduled',
          status: 'pending',
          attemptCount: 0,
          sendAfter: at(60_000),
          expiresAt: at(3_600_000),
          replayCount: 0,
          claimToken: null,
          requestStartedAt: null,
        });
        expect((await sut.findById(result.message.id))?.toProps()).toEqual(result.message.toProps());
      });

      it('stores the priority it is given, and 0 without one', async () => {
        const urgent = await sut.create({ phoneNumber: '+905551111111', content: 'code 123456', priority: 100 });
        const plain = await sut.create({ phoneNumber: '+905551111111', content: 'hello' });

        expect(urgent.message.priority).toBe(100);
        expect(plain.message.priority).toBe(0);
        expect((await stored(urgent.message.id)).priority).toBe(100);
        expect((await sut.claimBatch(1, T0, A)).map((m) => m.id)).toEqual([urgent.message.id]);
      });

      it('creates a new message for every create without an idempotency key, even with equal content', async () => {
        const draft = { phoneNumber: '+905551111111', content: 'same' };

        const [first, second] = [await sut.create(draft), await sut.create(draft)];

        expect(first.created && second.created).toBe(true);
        expect(first.message.id).not.toBe(second.message.id);
        expect(first.requestHash).toBeNull();
        expect((await sut.countByStatus()).pending).toBe(2);
      });

      it('answers a second create with the same key but another request with the first message and its hash', async () => {
        const first = await sut.create({ phoneNumber: '+905551111111', content: 'first', idempotencyKey: 'k-1', requestHash: 'hash-first' });

        const second = await sut.create({ phoneNumber: '+905552222222', content: 'second', idempotencyKey: 'k-1', requestHash: 'hash-second' });

        expect(first.created).toBe(true);
        expect(second).toMatchObject({ created: false, requestHash: 'hash-first' });
        expect(second.message).toMatchObject({ id: first.message.id, phoneNumber: '+905551111111', content: 'first' });
        expect((await sut.countByStatus()).pending).toBe(1);
        const found = await sut.findByIdempotencyKey('k-1');
        expect(found?.requestHash).toBe('hash-first');
        expect(found?.message.id).toBe(first.message.id);
      });

      it('answers a retried create with the message as it is now', async () => {
        const first = await sut.create({ phoneNumber: '+905551111111', content: 'once', idempotencyKey: 'k-2', requestHash: 'h' });
        await claimOne(T0);

        const again = await sut.create({ phoneNumber: '+905551111111', content: 'once', idempotencyKey: 'k-2', requestHash: 'h' });

        expect(again).toMatchObject({ created: false, requestHash: 'h' });
        expect(again.message).toMatchObject({ id: first.message.id, status: 'sending' });
      });

      it('keeps messages with different keys apart, and finds nothing for an unknown key', async () => {
        const a = await sut.create({ phoneNumber: '+905551111111', content: 'same', idempotencyKey: 'k-a' });
        const b = await sut.create({ phoneNumber: '+905551111111', content: 'same', idempotencyKey: 'k-b' });

        expect(a.created && b.created).toBe(true);
        expect(a.message.id).not.toBe(b.message.id);
        await expect(sut.findByIdempotencyKey('k-c')).resolves.toBeNull();
      });
    });

    describe('findById', () => {
      it('returns the message as stored', async () => {
        const id = await seed({ content: 'msg 0', status: 'failed', failureReason: 'rejected', attemptCount: 2 });

        const found = await sut.findById(id);

        expect(found?.toProps()).toEqual(propsOf(await stored(id)));
        expect(found).toMatchObject({ id, status: 'failed', content: 'msg 0', failureReason: 'rejected', attemptCount: 2 });
      });

      it.each([
        ['an unknown uuid', '6f1c2d11-0b9d-4a8a-9a8e-5f1e9c546a1f'],
        ['a non-uuid id', 'not-a-uuid'],
        ['an SQL fragment', "' OR 1=1 --"],
      ])('returns null for %s', async (_what, id) => {
        await seed();
        await expect(sut.findById(id)).resolves.toBeNull();
      });
    });

    describe('settle (an operator decides a message in doubt)', () => {
      const OPERATOR = { source: 'dashboard', id: 'session:ops-1' } as const;
      const GW = '67f2f8a8-ea58-4ed0-a6f9-ff217df4d849';

      /** A message whose request went out and got no answer: unknown, with its claim token kept. */
      async function inDoubt(): Promise<Message> {
        await seed();
        const message = await claimAndStart(T0);
        await sut.recordOutcomes([deliver(message, timedOut, at(1))]);
        expect((await stored(message.id)).status).toBe('unknown');
        return message;
      }

      it('settles an unknown message as sent, at the time given, with the gateway messageId, and keeps the decision in its history', async () => {
        const message = await inDoubt();
        const now = at(60_000);

        const settled = await sut.settle(message.id, { outcome: 'sent', reason: 'the gateway confirmed it', gatewayMessageId: GW }, now, OPERATOR);

        expect(settled).toMatchObject({ id: message.id, status: 'sent', sentAt: now, gatewayMessageId: GW, failureReason: null, claimToken: null });
        expect(await stored(message.id)).toMatchObject({
          status: 'sent',
          sentAt: now,
          gatewayMessageId: GW,
          failureReason: null,
          attemptCount: 1,
          claimToken: null,
          leaseUntil: null,
          leaseLostAt: null,
          nextAttemptAt: null,
          updatedAt: now,
        });
        expect((await sut.history(message.id)).decisions).toEqual([
          {
            at: now,
            actor: OPERATOR,
            outcome: 'sent',
            reason: 'the gateway confirmed it',
            gatewayMessageId: GW,
            previousReason: `${OUTCOME_UNKNOWN}: no answer within 300 ms`,
          },
        ]);
        expect((await sut.listSent({ limit: 10 })).items.map((m) => m.id)).toEqual([message.id]);
        await expect(sut.countByStatus()).resolves.toMatchObject({ sent: 1, unknown: 0 });
      });

      it('settles an unknown message as failed with the reason, without a gateway messageId', async () => {
        const message = await inDoubt();

        await sut.settle(message.id, { outcome: 'failed', reason: 'the gateway has no trace of it' }, at(5_000), { source: 'api', id: 'key:0123456789ab' });

        expect(await stored(message.id)).toMatchObject({
          status: 'failed',
          failureReason: 'settled by operator: the gateway has no trace of it',
          sentAt: null,
          gatewayMessageId: null,
          claimToken: null,
          updatedAt: at(5_000),
        });
        expect((await sut.history(message.id)).decisions).toEqual([
          expect.objectContaining({ outcome: 'failed', gatewayMessageId: null, actor: { source: 'api', id: 'key:0123456789ab' } }),
        ]);
        // A failed message can be replayed as usual: the decision stays in its history.
        await sut.replay(message.id, at(6_000));
        expect((await sut.history(message.id)).replays).toEqual([
          { at: at(6_000), previousStatus: 'failed', previousReason: 'settled by operator: the gateway has no trace of it' },
        ]);
        expect((await sut.history(message.id)).decisions).toHaveLength(1);
      });

      it('holds against a late outcome of the lost request: the parked message settled by hand keeps the decision', async () => {
        await seed();
        const slow = await claimAndStart(T0);
        await sut.releaseAbandonedClaims(at(LEASE_MS + 1), 'hold');
        expect(await stored(slow.id)).toMatchObject({ status: 'unknown', leaseLostAt: at(LEASE_MS + 1) });

        await sut.settle(slow.id, { outcome: 'failed', reason: 'never reached the gateway' }, at(LEASE_MS + 2), OPERATOR);
        await sut.recordOutcomes([deliver(slow, accepted(), at(LEASE_MS + 3))]);

        expect(await stored(slow.id)).toMatchObject({ status: 'failed', leaseLostAt: null, failureReason: 'settled by operator: never reached the gateway' });
        expect(await attemptsOf(slow.id)).toEqual([{ attemptNo: 1, outcome: 'accepted', statusCode: 202 }]);
      });

      it.each<MessageStatus>(['pending', 'sending', 'sent', 'failed', 'expired'])(
        'refuses a %s message with NotInDoubtError and changes nothing',
        async (status) => {
          const id = await seed({ status, attemptCount: 1, failureReason: status === 'failed' ? 'rejected' : null });
          const before = await stored(id);

          await expect(sut.settle(id, { outcome: 'sent', reason: 'sure' }, at(1), OPERATOR)).rejects.toBeInstanceOf(NotInDoubtError);
          await expect(sut.settle(id, { outcome: 'failed', reason: 'sure' }, at(1), OPERATOR)).rejects.toMatchObject({ code: 'NOT_IN_DOUBT' });

          expect(await stored(id)).toEqual(before);
          expect((await sut.history(id)).decisions).toEqual([]);
        },
      );

      it('refuses a settlement that breaks a rule with ValidationError and changes nothing', async () => {
        const message = await inDoubt();
        const before = await stored(message.id);

        await expect(sut.settle(message.id, { outcome: 'failed', reason: 'x', gatewayMessageId: GW }, at(1), OPERATOR)).rejects.toBeInstanceOf(ValidationError);
        await expect(sut.settle(message.id, { outcome: 'sent', reason: '  ' }, at(1), OPERATOR)).rejects.toBeInstanceOf(ValidationError);

        expect(await stored(message.id)).toEqual(before);
        expect((await sut.history(message.id)).decisions).toEqual([]);
      });

      it.each([
        ['an unknown uuid', '6f1c2d11-0b9d-4a8a-9a8e-5f1e9c546a1f'],
        ['a non-uuid id', 'not-a-uuid'],
      ])('answers null for %s', async (_what, id) => {
        await expect(sut.settle(id, { outcome: 'sent', reason: 'sure' }, T0, OPERATOR)).resolves.toBeNull();
      });
    });

    describe('previewReplay and a replay of exactly the previewed set', () => {
      const ALL: ReplayableStatus[] = ['failed', 'unknown', 'expired'];

      it('counts the set by status and failure reason (the 10 most frequent, null included), with a sample of the newest ids', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 12; i += 1) ids.push(await seed({ status: 'failed', failureReason: `reason ${String.fromCharCode(65 + i)}` }));
        for (let i = 0; i < 3; i += 1) ids.push(await seed({ status: 'failed', failureReason: 'reason A' }));
        for (let i = 0; i < 2; i += 1) ids.push(await seed({ status: 'unknown', failureReason: null }));
        for (let i = 0; i < 7; i += 1) ids.push(await seed({ status: 'expired', failureReason: 'expired before it could be sent' }));
        await seed({ status: 'sent', sentAt: T0, gatewayMessageId: 'gw' });
        await seed();

        const preview = await sut.previewReplay({ statuses: ALL });

        expect(preview.count).toBe(24);
        expect(preview.byStatus).toEqual({ failed: 15, unknown: 2, expired: 7 });
        expect(preview.byReason).toEqual([
          { reason: 'expired before it could be sent', count: 7 },
          { reason: 'reason A', count: 4 },
          { reason: null, count: 2 },
          ...['B', 'C', 'D', 'E', 'F', 'G'].map((c) => ({ reason: `reason ${c}`, count: 1 })),
          { reason: 'reason H', count: 1 },
        ]);
        expect(preview.sampleIds).toEqual([...ids].reverse().slice(0, 20));
        expect(preview.fingerprint).toMatch(/^[0-9a-f]{32}$/);

        const onlyUnknown = await sut.previewReplay({ statuses: ['unknown'] });
        expect(onlyUnknown).toMatchObject({ count: 2, byStatus: { failed: 0, unknown: 2, expired: 0 }, byReason: [{ reason: null, count: 2 }] });
        expect(onlyUnknown.fingerprint).not.toBe(preview.fingerprint);
        await expect(sut.previewReplay({ statuses: ['failed'], from: at(1) })).resolves.toMatchObject({ count: 0, byReason: [], sampleIds: [] });
      });

      it('gives the same fingerprint to the same set under the same filter, and another when the set or the filter changes', async () => {
        await seed({ status: 'failed', updatedAt: at(100), failureReason: 'x' });
        await seed({ status: 'unknown', updatedAt: at(200), failureReason: 'y' });
        const first = await sut.previewReplay({ statuses: ['failed', 'unknown'] });

        await expect(sut.previewReplay({ statuses: ['unknown', 'failed'] })).resolves.toEqual(first);
        expect((await sut.previewReplay({ statuses: ['failed', 'unknown'], to: at(10_000) })).fingerprint).not.toBe(first.fingerprint);
        expect((await sut.previewReplay({ statuses: ['failed', 'unknown', 'expired'] })).fingerprint).not.toBe(first.fingerprint);

        await seed({ status: 'failed', updatedAt: at(300), failureReason: 'x' });
        expect((await sut.previewReplay({ statuses: ['failed', 'unknown'] })).fingerprint).not.toBe(first.fingerprint);
      });

      it('replays exactly the previewed set when it has not changed, and counts it', async () => {
        const failed = await seed({ status: 'failed', updatedAt: at(100), failureReason: 'x' });
        const unknown = await seed({ status: 'unknown', updatedAt: at(200), failureReason: 'y' });
        const filter = { statuses: ['failed', 'unknown'] as ReplayableStatus[] };
        const { fingerprint } = await sut.previewReplay(filter);

        await expect(sut.replayMatching(filter, at(1_000), true, { expectedFingerprint: fingerprint })).resolves.toBe(2);
        await expect(sut.replayMatching(filter, at(1_000), false, { expectedFingerprint: fingerprint })).resolves.toBe(2);

        expect(await statusOf(failed, unknown)).toEqual(['pending', 'pending']);
        expect((await sut.history(failed)).replays).toEqual([{ at: at(1_000), previousStatus: 'failed', previousReason: 'x' }]);
      });

      it.each([
        ['a message joined the set', async () => void (await seed({ status: 'failed', failureReason: 'new' }))],
        ['a message left the set', async (ids: string[]) => void (await sut.replay(ids[0], at(500)))],
      ])('replays nothing when %s since the preview: PreviewChangedError, on a dry run too', async (_what, change) => {
        const ids = [await seed({ status: 'failed', failureReason: 'x' }), await seed({ status: 'failed', failureReason: 'y' })];
        const filter = { statuses: ['failed'] as ReplayableStatus[] };
        const { fingerprint } = await sut.previewReplay(filter);
        await change(ids);
        const before = await Promise.all(ids.map((id) => stored(id)));
        const replaysBefore = (await Promise.all(ids.map((id) => sut.history(id)))).map((h) => h.replays.length);

        await expect(sut.replayMatching(filter, at(1_000), true, { expectedFingerprint: fingerprint })).rejects.toBeInstanceOf(PreviewChangedError);
        await expect(sut.replayMatching(filter, at(1_000), false, { expectedFingerprint: fingerprint })).rejects.toBeInstanceOf(PreviewChangedError);

        expect(await Promise.all(ids.map((id) => stored(id)))).toEqual(before);
        expect((await Promise.all(ids.map((id) => sut.history(id)))).map((h) => h.replays.length)).toEqual(replaysBefore);
      });

      it('refuses a fingerprint of another filter over the same messages', async () => {
        await seed({ status: 'failed', updatedAt: at(100), failureReason: 'x' });
        const { fingerprint } = await sut.previewReplay({ statuses: ['failed'], from: at(0) });

        await expect(sut.replayMatching({ statuses: ['failed'] }, at(1_000), false, { expectedFingerprint: fingerprint })).rejects.toBeInstanceOf(
          PreviewChangedError,
        );
      });
    });

    describe('list: search and time range', () => {
      const search = (q: string) => parseMessageSearch(q);

      /** Messages with distinct phones, reasons and gateway ids, created a second apart, oldest first. */
      async function searchable(): Promise<Record<string, string>> {
        return {
          a: await seed({ phoneNumber: '+905551111111', createdAt: at(1_000), status: 'failed', failureReason: 'Gateway answered 400: bad number' }),
          b: await seed({
            phoneNumber: '+905552222222',
            createdAt: at(2_000),
            status: 'sent',
            sentAt: at(2_500),
            gatewayMessageId: '67f2f8a8-ea58-4ed0-a6f9-ff217df4d849',
          }),
          c: await seed({ phoneNumber: '+905551111111', createdAt: at(3_000), status: 'unknown', failureReason: 'outcome unknown: 100% timeout_x' }),
          d: await seed({
            phoneNumber: '+905553333333',
            createdAt: at(4_000),
            status: 'failed',
            failureReason: 'gave up after 5 attempts: gateway answered 503',
          }),
          e: await seed({ phoneNumber: '+905551111111', createdAt: at(5_000) }),
        };
      }

      const idsOf = async (query: Parameters<MessageRepository['list']>[0]) => (await sut.list(query)).items.map((m) => m.id);

      it('finds a message by its id, and messages by the gateway messageId, in either case', async () => {
        const ids = await searchable();

        expect(await idsOf({ limit: 10, search: search(ids.c) })).toEqual([ids.c]);
        expect(await idsOf({ limit: 10, search: search(ids.c.toUpperCase()) })).toEqual([ids.c]);
        expect(await idsOf({ limit: 10, search: search('67f2f8a8-ea58-4ed0-a6f9-ff217df4d849') })).toEqual([ids.b]);
        expect(await idsOf({ limit: 10, search: search(' 67F2F8A8-EA58-4ED0-A6F9-FF217DF4D849 ') })).toEqual([ids.b]);
        expect(await idsOf({ limit: 10, search: search('6f1c2d11-0b9d-4a8a-9a8e-5f1e9c546a1f') })).toEqual([]);
      });

      it('finds the messages to a phone number, newest first, however it is punctuated, across pages', async () => {
        const ids = await searchable();

        expect(await idsOf({ limit: 10, search: search('+905551111111') })).toEqual([ids.e, ids.c, ids.a]);
        expect(await idsOf({ limit: 10, search: search('+90 (555) 111-11.11') })).toEqual([ids.e, ids.c, ids.a]);
        const first = await sut.list({ limit: 2, search: search('+905551111111') });
        expect(first.items.map((m) => m.id)).toEqual([ids.e, ids.c]);
        expect(await idsOf({ limit: 2, search: search('+905551111111'), cursor: first.nextCursor as string })).toEqual([ids.a]);
        expect(await idsOf({ limit: 10, search: search('+905551111111'), status: 'unknown' })).toEqual([ids.c]);
        expect(await idsOf({ limit: 10, search: search('+905559999999') })).toEqual([]);
      });

      it('finds messages whose failure reason holds the text, ignoring case, with % and _ taken literally', async () => {
        const ids = await searchable();

        expect(await idsOf({ limit: 10, search: search('GATEWAY ANSWERED') })).toEqual([ids.d, ids.a]);
        expect(await idsOf({ limit: 10, search: search('answered 503') })).toEqual([ids.d]);
        expect(await idsOf({ limit: 10, search: search('100%') })).toEqual([ids.c]);
        expect(await idsOf({ limit: 10, search: search('0% t') })).toEqual([ids.c]);
        expect(await idsOf({ limit: 10, search: search('%') })).toEqual([ids.c]);
        expect(await idsOf({ limit: 10, search: search('5%3') })).toEqual([]);
        expect(await idsOf({ limit: 10, search: search('5_3') })).toEqual([]);
        expect(await idsOf({ limit: 10, search: search('timeout_x') })).toEqual([ids.c]);
        expect(await idsOf({ limit: 10, search: search('bad number'), status: 'sent' })).toEqual([]);
        expect(await idsOf({ limit: 10, search: search('nothing like it') })).toEqual([]);
      });

      it('keeps the messages created from `createdFrom` (inclusive) to `createdTo` (exclusive), alone or with a search', async () => {
        const ids = await searchable();

        expect(await idsOf({ limit: 10, createdFrom: at(2_000), createdTo: at(4_000) })).toEqual([ids.c, ids.b]);
        expect(await idsOf({ limit: 10, createdFrom: at(4_000) })).toEqual([ids.e, ids.d]);
        expect(await idsOf({ limit: 10, createdTo: at(1_001) })).toEqual([ids.a]);
        expect(await idsOf({ limit: 10, createdFrom: at(2_000), search: search('+905551111111') })).toEqual([ids.e, ids.c]);
        expect(await idsOf({ limit: 10, createdFrom: at(4_000), createdTo: at(2_000) })).toEqual([]);
        expect(await idsOf({ limit: 10, search: null })).toEqual([ids.e, ids.d, ids.c, ids.b, ids.a]);
      });
    });

    describe('history', () => {
      it('returns the attempts and the replays of a message, oldest first', async () => {
        const id = await seed();
        const first = await claimAndStart(T0);
        await sut.recordOutcomes([deliver(first, retryable, at(1))]);
        const second = await claimAndStart(at(2_000));
        await sut.recordOutcomes([deliver(second, rejected, at(2_001))]);
        await sut.replay(id, at(2_002));
        const third = await claimAndStart(at(2_003));
        await sut.recordOutcomes([deliver(third, timedOut, at(2_004))]);
        await sut.replay(id, at(2_005));

        const history = await sut.history(id);

        expect(history.attempts).toEqual([
          { messageId: id, attemptNo: 1, at: at(1), statusCode: 503, outcome: 'retryable', error: 'gateway answered 503', latencyMs: 3 },
          { messageId: id, attemptNo: 2, at: at(2_001), statusCode: 400, outcome: 'rejected', error: 'gateway answered 400: bad number', latencyMs: 4 },
          { messageId: id, attemptNo: 1, at: at(2_004), statusCode: null, outcome: 'unknown', error: 'no answer within 300 ms', latencyMs: 300 },
        ]);
        expect(history.replays).toEqual([
          { at: at(2_002), previousStatus: 'failed', previousReason: 'gateway answered 400: bad number' },
          { at: at(2_005), previousStatus: 'unknown', previousReason: `${OUTCOME_UNKNOWN}: no answer within 300 ms` },
        ]);
        expect(history.decisions).toEqual([]);
      });

      it("keeps one message's history apart from another's", async () => {
        const quiet = await seed();
        await seed();
        await sut.claimBatch(1, T0, A);
        const busy = await claimAndStart(T0);
        await sut.recordOutcomes([deliver(busy, accepted(), at(1))]);

        await expect(sut.history(quiet)).resolves.toEqual({ attempts: [], replays: [], decisions: [] });
        expect((await sut.history(busy.id)).attempts).toHaveLength(1);
      });

      it('hands out copies: changing an answer changes nothing stored', async () => {
        const id = await seed();
        const message = await claimAndStart(T0);
        await sut.recordOutcomes([deliver(message, accepted(), at(1))]);

        const history = await sut.history(id);
        history.attempts[0].outcome = 'rejected';
        history.attempts.pop();

        expect(await attemptsOf(id)).toEqual([{ attemptNo: 1, outcome: 'accepted', statusCode: 202 }]);
      });

      it.each([
        ['an unknown uuid', '6f1c2d11-0b9d-4a8a-9a8e-5f1e9c546a1f'],
        ['a non-uuid id', 'not-a-uuid'],
      ])('is empty for %s', async (_what, id) => {
        await expect(sut.history(id)).resolves.toEqual({ attempts: [], replays: [], decisions: [] });
      });
    });
  });
}
