import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  type Actor,
  type AttemptOutcome,
  type AbandonedClaims,
  type BatchIdempotency,
  type BatchItem,
  type BatchItemResult,
  type CreateManyResult,
  type StoredBatch,
  type ClaimOptions,
  type ClaimRef,
  type CreateResult,
  type DecisionRecord,
  DEFAULT_PRIORITY,
  type DeliveryOutcome,
  type InDoubtPolicy,
  LEASE_LOST,
  type ListQuery,
  type Message,
  type MessageSearch,
  MESSAGE_STATUSES,
  type MessageHistory,
  MessageRepository,
  type MessageStatus,
  type NewMessage,
  type Page,
  type PageQuery,
  PreviewChangedError,
  type PriorityCount,
  type ReplayableStatus,
  REPLAYABLE_STATUSES,
  type RecentRequests,
  type ReplayFilter,
  type ReplayOptions,
  type ReplayPreviewData,
  type SendStep,
  type Settlement,
  type SettlementOutcome,
} from '@app/domain';
import { decodeCursor, encodeCursor, MICROS_RANGE, SEQ_RANGE } from './cursor.js';
import { MESSAGE_COLUMNS, messageColumnsOf, type MessageRow, toMessage } from './message-row.mapper.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * MessageRepository on PostgreSQL through TypeORM's DataSource. Plain SQL on purpose: the claim
 * (FOR UPDATE SKIP LOCKED in one statement) and the batched outcome write (UPDATE ... FROM
 * unnest) are not expressible through the ORM's repository API, and one row mapper serves all.
 */
@Injectable()
export class TypeOrmMessageRepository extends MessageRepository {
  constructor(private readonly db: DataSource) {
    super();
  }

  async create(draft: NewMessage): Promise<CreateResult> {
    const params = [
      draft.phoneNumber,
      draft.content,
      draft.sendAfter ?? null,
      draft.expiresAt ?? null,
      draft.idempotencyKey ?? null,
      draft.requestHash ?? null,
      draft.priority ?? DEFAULT_PRIORITY,
    ];
    // With a key, concurrent creates meet at the unique index: one inserts, the others wait for
    // it to commit, insert nothing, and read the winner's row.
    const inserted: MessageRow[] = await this.db.query(
      `INSERT INTO messages (phone_number, content, send_after, expires_at, idempotency_key, request_hash, priority)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING ${MESSAGE_COLUMNS}`,
      params,
    );
    if (inserted.length > 0) return { message: toMessage(inserted[0]), created: true, requestHash: inserted[0].request_hash };
    const existing = await this.findByIdempotencyKey(draft.idempotencyKey as string);
    if (!existing) throw new Error(`idempotency key ${draft.idempotencyKey} conflicted but no row holds it`);
    return { ...existing, created: false };
  }

  async createMany(items: readonly BatchItem[], idempotency?: BatchIdempotency): Promise<CreateManyResult> {
    // PostgreSQL documents no order for the rows of RETURNING, so the ids are made here and the
    // answer is in request order by construction. ORDER BY ord inserts the rows in request order
    // too, so their seq (the claim order) follows it (PostgreSQL's behaviour, not a documented promise).
    const results: BatchItemResult[] = items.map((item) => ('error' in item ? { error: item.error } : { id: crypto.randomUUID() }));
    const rows = items.flatMap((item, i) => ('message' in item ? [{ ...item.message, id: (results[i] as { id: string }).id }] : []));
    const params = [
      rows.map((r) => r.id),
      rows.map((r) => r.phoneNumber),
      rows.map((r) => r.content),
      rows.map((r) => r.sendAfter ?? null),
      rows.map((r) => r.expiresAt ?? null),
      rows.map((r) => r.priority ?? DEFAULT_PRIORITY),
    ];
    const insert = `INSERT INTO messages (id, phone_number, content, send_after, expires_at, priority)
       SELECT v.id, v.phone_number, v.content, v.send_after, v.expires_at, v.priority
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::smallint[])
              WITH ORDINALITY AS v(id, phone_number, content, send_after, expires_at, priority, ord)`;
    if (!idempotency) {
      if (rows.length > 0) await this.db.query(`${insert} ORDER BY v.ord`, params);
      return { results, created: true, requestHash: null };
    }
    // One statement, so one transaction: the key and the messages exist together or not at all.
    // Concurrent batches with one key meet at its primary key: one inserts, the others wait for
    // it to commit, insert nothing, and read the winner's answer.
    const [outcome]: { claimed: boolean }[] = await this.db.query(
      `WITH batch AS (
         INSERT INTO message_batches (idempotency_key, request_hash, results) VALUES ($7, $8, $9::jsonb)
         ON CONFLICT (idempotency_key) DO NOTHING
         RETURNING 1
       ), inserted AS (
         ${insert}
          WHERE EXISTS (SELECT 1 FROM batch)
          ORDER BY v.ord
       )
       SELECT EXISTS (SELECT 1 FROM batch) AS claimed`,
      [...params, idempotency.key, idempotency.requestHash, JSON.stringify(results)],
    );
    if (outcome.claimed) return { results, created: true, requestHash: idempotency.requestHash };
    const existing = await this.findBatchByIdempotencyKey(idempotency.key);
    if (!existing) throw new Error(`batch idempotency key ${idempotency.key} conflicted but no row holds it`);
    return { ...existing, created: false };
  }

  async findBatchByIdempotencyKey(key: string): Promise<StoredBatch | null> {
    const rows: { results: BatchItemResult[]; request_hash: string }[] = await this.db.query(
      `SELECT results, request_hash FROM message_batches WHERE idempotency_key = $1`,
      [key],
    );
    return rows.length > 0 ? { results: rows[0].results, requestHash: rows[0].request_hash } : null;
  }

  async findById(id: string): Promise<Message | null> {
    if (!UUID.test(id)) return null;
    const rows: MessageRow[] = await this.db.query(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = $1`, [id]);
    return rows.length > 0 ? toMessage(rows[0]) : null;
  }

  async findByIdempotencyKey(key: string): Promise<{ message: Message; requestHash: string | null } | null> {
    const rows: MessageRow[] = await this.db.query(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE idempotency_key = $1`, [key]);
    return rows.length > 0 ? { message: toMessage(rows[0]), requestHash: rows[0].request_hash } : null;
  }

  async history(id: string): Promise<MessageHistory> {
    if (!UUID.test(id)) return { attempts: [], replays: [], decisions: [] };
    const [attempts, replays, decisions]: [AttemptRow[], ReplayRow[], DecisionRow[]] = await Promise.all([
      this.db.query(`SELECT attempt_no, at, status_code, outcome, error, latency_ms FROM message_attempts WHERE message_id = $1 ORDER BY id`, [id]),
      this.db.query(`SELECT at, previous_status, previous_reason FROM message_replays WHERE message_id = $1 ORDER BY id`, [id]),
      this.db.query(`SELECT at, source, actor, outcome, reason, gateway_message_id, previous_reason FROM message_decisions WHERE message_id = $1 ORDER BY id`, [
        id,
      ]),
    ]);
    return {
      attempts: attempts.map((a) => ({
        messageId: id,
        attemptNo: a.attempt_no,
        at: a.at,
        statusCode: a.status_code,
        outcome: a.outcome,
        error: a.error,
        latencyMs: a.latency_ms,
      })),
      replays: replays.map((r) => ({ at: r.at, previousStatus: r.previous_status, previousReason: r.previous_reason })),
      decisions: decisions.map((d): DecisionRecord => ({
        at: d.at,
        actor: { source: d.source, id: d.actor },
        outcome: d.outcome,
        reason: d.reason,
        gatewayMessageId: d.gateway_message_id,
        previousReason: d.previous_reason,
      })),
    };
  }

  async claimBatch(limit: number, now: Date, claim: ClaimOptions): Promise<Message[]> {
    // One statement, so one transaction: the locked rows are marked before anything is sent,
    // and a concurrent claimer skips them instead of waiting. The CTE is not inlined (it locks).
    // The order is the one of messages_pending_priority_idx (priority DESC, seq), partial on the
    // pending rows: the claim reads the index entries it takes and the not-due ones in between,
    // never sorts the pending set (test/integration/claim-plan.spec.ts shows it on 1,000,000 rows).
    const result: [MessageRow[], number] = await this.db.query(
      `WITH due AS (
         SELECT id FROM messages
          WHERE status = 'pending'
            AND (next_attempt_at IS NULL OR next_attempt_at <= $2)
            AND (send_after IS NULL OR send_after <= $2)
            AND (expires_at IS NULL OR expires_at > $2)
            AND ${TICK_IS_LATEST('$5')}
          ORDER BY priority DESC, seq
          LIMIT $1
          FOR UPDATE SKIP LOCKED
       )
       UPDATE messages m
          SET status = 'sending', updated_at = $2, claimed_by = $3, claim_token = gen_random_uuid(),
              lease_until = $2::timestamptz + $4::int * interval '1 millisecond',
              request_started_at = NULL, lease_lost_at = NULL
         FROM due WHERE m.id = due.id
       RETURNING ${messageColumnsOf('m')}`,
      [limit, now, claim.owner, claim.leaseMs, claim.tick ?? null],
    );
    // For an UPDATE, TypeORM's postgres driver answers [rows, affected count].
    const [rows] = result;
    return rows.sort((a, b) => b.priority - a.priority || compareSeq(a.seq, b.seq)).map(toMessage);
  }

  async recordAndStart(step: SendStep): Promise<string[]> {
    const statement = new Statement();
    const parts = outcomeWrites(statement, step.outcomes);
    if (step.start.length > 0) {
      const [ids, tokens, now, leaseUntil, tick] = statement.add(
        step.start.map((c) => c.id),
        step.start.map((c) => c.claimToken),
        step.now,
        step.leaseUntil,
        step.tick ?? null,
      );
      // A row cannot be settled and started by one statement (PostgreSQL would keep one of the two
      // updates): a message among the outcomes is not started.
      const [settling] = statement.add(step.outcomes.map((o) => o.message.id));
      parts.push(`started AS (
         UPDATE messages m SET request_started_at = ${now}, lease_until = ${leaseUntil}
           FROM unnest(${ids}::uuid[], ${tokens}::uuid[]) AS g(id, claim_token)
          WHERE m.id = g.id AND m.claim_token = g.claim_token AND ${BY_ID_ONLY("m.status = 'sending'")} AND m.id <> ALL(${settling}::uuid[])
            AND ${TICK_IS_LATEST(tick)}
         RETURNING m.id)`);
    }
    if (parts.length === 0) return [];
    const select = step.start.length > 0 ? 'SELECT id FROM started' : 'SELECT NULL::uuid AS id WHERE false';
    const rows: { id: string }[] = await this.db.query(`WITH ${parts.join(',\n')}\n${select}`, statement.params);
    return rows.map((r) => r.id);
  }

  async recordOutcomes(outcomes: readonly DeliveryOutcome[]): Promise<void> {
    await this.recordAndStart({ outcomes, start: [], now: new Date(0), leaseUntil: new Date(0) });
  }

  async releaseClaims(claims: readonly ClaimRef[], now: Date): Promise<number> {
    if (claims.length === 0) return 0;
    const [, count]: [unknown[], number] = await this.db.query(
      `UPDATE messages m SET status = 'pending', claim_token = NULL, lease_until = NULL, updated_at = $3
         FROM unnest($1::uuid[], $2::uuid[]) AS g(id, claim_token)
        WHERE m.id = g.id AND m.claim_token = g.claim_token AND ${BY_ID_ONLY("m.status = 'sending'")} AND m.request_started_at IS NULL`,
      [claims.map((c) => c.id), claims.map((c) => c.claimToken), now],
    );
    return count;
  }

  async releaseAbandonedClaims(now: Date, policy: InDoubtPolicy): Promise<AbandonedClaims> {
    // Never started: it cannot have reached the gateway, so it simply goes back to the queue.
    // Started, under hold: the gateway may have it, so park it (keeping the token, so that a late
    // but certain outcome of a sender that was only slow still settles it: lease_lost_at says so).
    // Started, under resend: back to the queue with its id, and so its Idempotency-Key; a late
    // outcome can no longer match (token cleared).
    const inDoubt =
      policy === 'hold'
        ? `status = 'unknown', failure_reason = $2, lease_lost_at = $1, lease_until = NULL, next_attempt_at = NULL, updated_at = $1`
        : `status = 'pending', failure_reason = $2, lease_until = NULL, claim_token = NULL, next_attempt_at = NULL, updated_at = $1`;
    const rows: { requeued: number; in_doubt: number }[] = await this.db.query(
      `WITH requeued AS (
         UPDATE messages SET status = 'pending', claim_token = NULL, lease_until = NULL, updated_at = $1
          WHERE status = 'sending' AND lease_until < $1 AND request_started_at IS NULL
         RETURNING 1
       ), in_doubt AS (
         UPDATE messages SET ${inDoubt}
          WHERE status = 'sending' AND lease_until < $1 AND request_started_at IS NOT NULL
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM requeued)::int AS requeued, (SELECT count(*) FROM in_doubt)::int AS in_doubt`,
      [now, LEASE_LOST],
    );
    return { requeued: rows[0].requeued, inDoubt: rows[0].in_doubt };
  }

  async expireOverdue(now: Date): Promise<number> {
    const [, count]: [unknown[], number] = await this.db.query(
      `UPDATE messages SET status = 'expired', failure_reason = 'expired before it could be sent', next_attempt_at = NULL, updated_at = $1
        WHERE status = 'pending' AND expires_at <= $1`,
      [now],
    );
    return count;
  }

  async replay(id: string, now: Date, actor?: Actor): Promise<{ message: Message; replayedFrom: ReplayableStatus | null } | null> {
    if (!UUID.test(id)) return null;
    return this.db.transaction(async (tx) => {
      const rows: MessageRow[] = await tx.query(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = $1 FOR UPDATE`, [id]);
      if (rows.length === 0) return null;
      const message = toMessage(rows[0]);
      const previousReason = message.failureReason;
      const replayedFrom = message.replay(now);
      if (replayedFrom !== null) {
        const s = message.toProps();
        await tx.query(
          `UPDATE messages SET status = $2, attempt_count = $3, next_attempt_at = $4, failure_reason = $5, claim_token = NULL,
                  lease_lost_at = NULL, expires_at = $6, replay_count = $7, updated_at = $8
            WHERE id = $1`,
          [id, s.status, s.attemptCount, s.nextAttemptAt, s.failureReason, s.expiresAt, s.replayCount, s.updatedAt],
        );
        await tx.query(`INSERT INTO message_replays (message_id, at, previous_status, previous_reason) VALUES ($1, $2, $3, $4)`, [
          id,
          now,
          replayedFrom,
          previousReason,
        ]);
      }
      if (actor) {
        await tx.query(`INSERT INTO operator_audit (source, actor, action, message_count, detail) VALUES ($1, $2, 'replay', $3, $4::jsonb)`, [
          actor.source,
          actor.id,
          replayedFrom === null ? 0 : 1,
          JSON.stringify({ messageId: id, previousStatus: replayedFrom }),
        ]);
      }
      return { message, replayedFrom };
    });
  }

  async replayMatching(filter: ReplayFilter, now: Date, dryRun: boolean, options: ReplayOptions = {}): Promise<number> {
    const params: unknown[] = [filter.statuses, filter.from ?? null, filter.to ?? null];
    const match = `status = ANY($1::text[]) AND ($2::timestamptz IS NULL OR updated_at >= $2) AND ($3::timestamptz IS NULL OR updated_at < $3)`;
    const expected = options.expectedFingerprint;
    if (dryRun && expected === undefined) {
      const rows: { n: number }[] = await this.db.query(`SELECT count(*)::int AS n FROM messages WHERE ${match}`, params);
      return rows[0].n;
    }
    if (dryRun) {
      const rows: { n: number; fingerprint: string }[] = await this.db.query(
        `SELECT count(*)::int AS n, ${FINGERPRINT('$4')} AS fingerprint FROM messages WHERE ${match}`,
        [...params, fingerprintPrefix(filter)],
      );
      if (rows[0].fingerprint !== expected) throw new PreviewChangedError();
      return rows[0].n;
    }
    // The same transition as Message.replay, set-wise: one statement however many rows match, so
    // the replays, their records and the operator log's entry commit together or not at all.
    // With an expected fingerprint every write is conditional on the locked set still having it.
    const statement = new Statement();
    statement.params.push(...params);
    const [at] = statement.add(now);
    const parts = [
      `target AS (
         SELECT id, status, failure_reason FROM messages WHERE ${match} FOR UPDATE
       )`,
    ];
    let guarded = 'true';
    if (expected !== undefined) {
      const [prefix, value] = statement.add(fingerprintPrefix(filter), expected);
      parts.push(`fingerprint AS (SELECT ${FINGERPRINT(prefix)} AS value FROM target)`);
      guarded = `EXISTS (SELECT 1 FROM fingerprint WHERE value = ${value})`;
    }
    parts.push(
      `replayed AS (
         UPDATE messages m
            SET status = 'pending', attempt_count = 0, next_attempt_at = NULL, failure_reason = NULL, claim_token = NULL,
                lease_lost_at = NULL, expires_at = CASE WHEN m.expires_at <= ${at} THEN NULL ELSE m.expires_at END,
                replay_count = m.replay_count + 1, updated_at = ${at}
           FROM target WHERE m.id = target.id AND ${guarded}
         RETURNING m.id
       )`,
      `recorded AS (
         INSERT INTO message_replays (message_id, at, previous_status, previous_reason)
         SELECT id, ${at}, status, failure_reason FROM target WHERE ${guarded}
         RETURNING 1
       )`,
    );
    if (options.actor) {
      const [source, actor, detail] = statement.add(
        options.actor.source,
        options.actor.id,
        JSON.stringify({ ...replayFilterDetail(filter), ...options.logDetail }),
      );
      parts.push(`logged AS (
         INSERT INTO operator_audit (source, actor, action, message_count, detail)
         SELECT ${source}, ${actor}, 'replay', (SELECT count(*) FROM replayed), ${detail}::jsonb WHERE ${guarded}
       )`);
    }
    const rows: { n: number; fingerprint: string }[] = await this.db.query(
      `WITH ${parts.join(',\n')}
       SELECT (SELECT count(*)::int FROM replayed) AS n, ${expected === undefined ? 'NULL' : '(SELECT value FROM fingerprint)'} AS fingerprint`,
      statement.params,
    );
    if (expected !== undefined && rows[0].fingerprint !== expected) throw new PreviewChangedError();
    return rows[0].n;
  }

  async previewReplay(filter: ReplayFilter): Promise<ReplayPreviewData> {
    const rows: {
      count: number;
      by_status: Record<string, number>;
      by_reason: { reason: string | null; count: number }[];
      sample_ids: string[];
      fingerprint: string;
    }[] = await this.db.query(
      `WITH target AS MATERIALIZED (
           SELECT id, seq, status, failure_reason FROM messages
            WHERE status = ANY($1::text[]) AND ($2::timestamptz IS NULL OR updated_at >= $2) AND ($3::timestamptz IS NULL OR updated_at < $3)
         )
         SELECT (SELECT count(*)::int FROM target) AS count,
                (SELECT coalesce(json_object_agg(status, n), '{}') FROM (SELECT status, count(*)::int AS n FROM target GROUP BY status) s) AS by_status,
                (SELECT coalesce(json_agg(json_build_object('reason', reason, 'count', n) ORDER BY n DESC, reason COLLATE "C" NULLS LAST), '[]')
                   FROM (SELECT failure_reason AS reason, count(*)::int AS n FROM target GROUP BY failure_reason
                          ORDER BY n DESC, failure_reason COLLATE "C" NULLS LAST LIMIT 10) r) AS by_reason,
                (SELECT coalesce(json_agg(id ORDER BY seq DESC), '[]') FROM (SELECT id, seq FROM target ORDER BY seq DESC LIMIT 20) x) AS sample_ids,
                (SELECT ${FINGERPRINT('$4')} FROM target) AS fingerprint`,
      [filter.statuses, filter.from ?? null, filter.to ?? null, fingerprintPrefix(filter)],
    );
    const [row] = rows;
    const byStatus = Object.fromEntries(REPLAYABLE_STATUSES.map((status) => [status, row.by_status[status] ?? 0])) as Record<ReplayableStatus, number>;
    return { count: row.count, byStatus, byReason: row.by_reason, sampleIds: row.sample_ids, fingerprint: row.fingerprint };
  }

  async settle(id: string, settlement: Settlement, now: Date, actor: Actor): Promise<Message | null> {
    if (!UUID.test(id)) return null;
    return this.db.transaction(async (tx) => {
      const rows: MessageRow[] = await tx.query(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = $1 FOR UPDATE`, [id]);
      if (rows.length === 0) return null;
      const message = toMessage(rows[0]);
      const previousReason = message.failureReason;
      // The rule (only a message in doubt) is Message.settle's; the UPDATE states it again, set-wise.
      message.settle(settlement, now);
      const s = message.toProps();
      const [, count]: [unknown[], number] = await tx.query(
        `UPDATE messages SET status = $2, sent_at = $3, gateway_message_id = $4, failure_reason = $5, claim_token = NULL, lease_until = NULL,
                lease_lost_at = NULL, next_attempt_at = NULL, updated_at = $6
          WHERE id = $1 AND status = 'unknown'`,
        [id, s.status, s.sentAt, s.gatewayMessageId, s.failureReason, s.updatedAt],
      );
      if (count !== 1) throw new Error(`message ${id} was not in doubt when settled under its lock`);
      const gatewayMessageId = settlement.gatewayMessageId ?? null;
      await tx.query(
        `INSERT INTO message_decisions (message_id, at, source, actor, outcome, reason, gateway_message_id, previous_reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [id, now, actor.source, actor.id, settlement.outcome, settlement.reason, gatewayMessageId, previousReason],
      );
      await tx.query(`INSERT INTO operator_audit (source, actor, action, message_count, detail) VALUES ($1, $2, 'settle', 1, $3::jsonb)`, [
        actor.source,
        actor.id,
        JSON.stringify({ messageId: id, outcome: settlement.outcome, reason: settlement.reason, gatewayMessageId }),
      ]);
      return message;
    });
  }

  async listSent(query: PageQuery): Promise<Page<Message>> {
    // The cursor carries sent_at in whole microseconds, exactly as PostgreSQL stores it, so no
    // row is skipped or repeated between pages whatever wrote sent_at. Seconds and microseconds
    // apart: bigint * interval goes through float8, inexact beyond 2^53 µs (year 2255).
    const params: unknown[] = [query.limit + 1];
    let after = '';
    if (query.cursor !== undefined) {
      const [sentMicros, seq] = decodeCursor('sent', query.cursor, [MICROS_RANGE, SEQ_RANGE]);
      params.push(sentMicros, seq);
      after =
        `AND (sent_at, seq) < ('epoch'::timestamptz + ($2::bigint / 1000000) * interval '1 second' ` +
        `+ ($2::bigint % 1000000) * interval '1 microsecond', $3::bigint)`;
    }
    const rows: (MessageRow & { sent_us: string })[] = await this.db.query(
      `SELECT ${MESSAGE_COLUMNS}, (extract(epoch FROM sent_at) * 1000000)::bigint AS sent_us
         FROM messages WHERE status = 'sent' ${after}
        ORDER BY sent_at DESC, seq DESC LIMIT $1`,
      params,
    );
    return page(rows, query.limit, (last) => encodeCursor('sent', [last.sent_us, last.seq]));
  }

  async list(query: ListQuery): Promise<Page<Message>> {
    const params: unknown[] = [query.limit + 1];
    const where: string[] = [];
    if (query.status !== undefined) {
      params.push(query.status);
      where.push(`status = $${params.length}`);
    }
    if (query.priority !== undefined) {
      // A priority other than 0 is found through messages_priority_seq_idx (partial: priority <> 0).
      params.push(query.priority);
      where.push(`priority = $${params.length}`);
    }
    if (query.search) where.push(searchCondition(query.search, params));
    if (query.createdFrom !== undefined) {
      params.push(query.createdFrom);
      where.push(`created_at >= $${params.length}`);
    }
    if (query.createdTo !== undefined) {
      params.push(query.createdTo);
      where.push(`created_at < $${params.length}`);
    }
    if (query.cursor !== undefined) {
      const [seq] = decodeCursor('all', query.cursor, [SEQ_RANGE]);
      params.push(seq);
      where.push(`seq < $${params.length}`);
    }
    const rows: MessageRow[] = await this.db.query(
      `SELECT ${MESSAGE_COLUMNS} FROM messages ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY seq DESC LIMIT $1`,
      params,
    );
    return page(rows, query.limit, (last) => encodeCursor('all', [last.seq]));
  }

  async countByStatus(): Promise<Record<MessageStatus, number>> {
    // Sums the deltas the messages triggers append (migration MessageStatusCounts): a few rows per
    // status between two compactions, whatever the size of the messages table.
    const rows: { status: MessageStatus; count: number }[] = await this.db.query(
      `SELECT status, sum(delta)::int AS count FROM message_status_counts GROUP BY status`,
    );
    const counts = Object.fromEntries(MESSAGE_STATUSES.map((s) => [s, 0])) as Record<MessageStatus, number>;
    for (const row of rows) counts[row.status] = row.count;
    return counts;
  }

  async countPendingByPriority(): Promise<PriorityCount[]> {
    // The same deltas, kept per status and priority (migration MessagePriority).
    return this.db.query(
      `SELECT priority, sum(delta)::int AS pending FROM message_status_counts
        WHERE status = 'pending' GROUP BY priority HAVING sum(delta) <> 0 ORDER BY priority DESC`,
    );
  }

  async recentRequests(since: Date, limit: number): Promise<RecentRequests> {
    // The latest attempts by their identity (the primary key, newest first), then those answered
    // after `since`; the rows in flight from the sending-lease index. Two index reads.
    const [row]: { answered: Date[]; in_flight: number }[] = await this.db.query(
      `SELECT ARRAY(SELECT a.at FROM (SELECT at FROM message_attempts ORDER BY id DESC LIMIT $2) a WHERE a.at > $1 ORDER BY a.at) AS answered,
              (SELECT count(*)::int FROM messages WHERE status = 'sending' AND request_started_at IS NOT NULL) AS in_flight`,
      [since, limit],
    );
    return { answeredAt: row.answered.map((at) => new Date(at)), inFlight: row.in_flight };
  }

  async oldestDueSince(now: Date): Promise<Date | null> {
    // Lane by lane on the pending-claim index: `lanes` hops from one pending priority to the next
    // lower one (one index descent each, however many rows a priority has), and each lane's first
    // due row in claim order is one lookup; the earliest of those wins. At most 201 lanes.
    const rows: { due_since: Date | null }[] = await this.db.query(
      `WITH RECURSIVE lanes AS (
         (SELECT priority FROM messages WHERE status = 'pending' ORDER BY priority DESC LIMIT 1)
         UNION ALL
         SELECT (SELECT m.priority FROM messages m WHERE m.status = 'pending' AND m.priority < lanes.priority ORDER BY m.priority DESC LIMIT 1)
           FROM lanes WHERE lanes.priority IS NOT NULL
       )
       SELECT min(first.due_since) AS due_since
         FROM lanes
         CROSS JOIN LATERAL (
           SELECT greatest(created_at, coalesce(send_after, created_at)) AS due_since FROM messages
            WHERE status = 'pending' AND priority = lanes.priority
              AND (next_attempt_at IS NULL OR next_attempt_at <= $1)
              AND (send_after IS NULL OR send_after <= $1)
              AND (expires_at IS NULL OR expires_at > $1)
            ORDER BY seq
            LIMIT 1
         ) first`,
      [now],
    );
    return rows[0]?.due_since ?? null;
  }

  async compactStatusCounts(): Promise<void> {
    // Rows appended after this statement's snapshot are neither deleted nor summed: they stay.
    await this.db.query(
      `WITH folded AS (DELETE FROM message_status_counts RETURNING status, priority, delta)
       INSERT INTO message_status_counts (status, priority, delta)
       SELECT status, priority, sum(delta) FROM folded GROUP BY status, priority HAVING sum(delta) <> 0`,
    );
  }
}

interface AttemptRow {
  attempt_no: number;
  at: Date;
  status_code: number | null;
  outcome: AttemptOutcome;
  error: string | null;
  latency_ms: number;
}

interface ReplayRow {
  at: Date;
  previous_status: ReplayableStatus;
  previous_reason: string | null;
}

interface DecisionRow {
  at: Date;
  source: Actor['source'];
  actor: string;
  outcome: SettlementOutcome;
  reason: string;
  gateway_message_id: string | null;
  previous_reason: string | null;
}

/**
 * The fingerprint of a replay's set, as SQL over rows with an `id` (a bulk replay's target): md5
 * of the filter (`prefix`, see fingerprintPrefix) and the ids, sorted. The preview and the replay
 * compute it with this one expression, so equal sets under equal filters have equal fingerprints.
 */
function FINGERPRINT(prefix: string): string {
  return `md5(${prefix} || coalesce(string_agg(id::text, ',' ORDER BY id), ''))`;
}

/** The filter of a replay, canonical (statuses sorted, dates to the millisecond), ahead of the ids it fingerprints. */
function fingerprintPrefix(filter: ReplayFilter): string {
  return `${[...filter.statuses].sort().join(',')}|${filter.from?.toISOString() ?? ''}|${filter.to?.toISOString() ?? ''}|`;
}

/** A bulk replay's filter as the operator log shows it. */
function replayFilterDetail(filter: ReplayFilter): Record<string, unknown> {
  return { statuses: filter.statuses, from: filter.from?.toISOString() ?? null, to: filter.to?.toISOString() ?? null };
}

/**
 * The condition of a search (parseMessageSearch), its values appended to `params`. Each kind is
 * served by an index (migration OperatorTools1795700000000): an id by the primary key and a
 * gateway messageId by messages_gateway_message_id_idx (a bitmap OR of the two); a phone number
 * by messages_phone_seq_idx, in the list's order; a reason by messages_failure_reason_trgm_idx
 * (pg_trgm), `%`, `_` and `\` taken literally.
 */
function searchCondition(search: MessageSearch, params: unknown[]): string {
  switch (search.kind) {
    case 'id':
      params.push(search.id, [search.id, search.id.toUpperCase()]);
      return `(id = $${params.length - 1}::uuid OR gateway_message_id = ANY($${params.length}::text[]))`;
    case 'phone':
      params.push(search.phoneNumber);
      return `phone_number = $${params.length}`;
    case 'reason':
      params.push(`%${search.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      return `(failure_reason IS NOT NULL AND failure_reason ILIKE $${params.length})`;
  }
}

/**
 * A condition on the status of rows found by id. The statements that take a group of claimed
 * rows by id must find each through the primary key: the planner, whose statistics usually saw
 * hardly any `sending` row, would otherwise scan every row of the batch in flight through the
 * status index (up to DISPATCH_BATCH_SIZE rows, for each group). `IS TRUE` keeps the condition
 * off that index.
 */
function BY_ID_ONLY(condition: string): string {
  return `(${condition}) IS TRUE`;
}

/**
 * True when no tick permit is given (the placeholder is null), or when the given one is still the
 * cluster's latest (dispatcher_state.tick_no). Not correlated with the rows: PostgreSQL evaluates
 * it once per statement (a one-time filter), and the claim's plan stays the index scan.
 */
function TICK_IS_LATEST(placeholder: string): string {
  return `(${placeholder}::bigint IS NULL OR EXISTS (SELECT 1 FROM dispatcher_state WHERE id = 1 AND tick_no = ${placeholder}::bigint))`;
}

/** Numbered parameters of one statement built from parts. */
class Statement {
  readonly params: unknown[] = [];

  /** Adds values; returns their placeholders ($n). */
  add(...values: unknown[]): string[] {
    return values.map((value) => `$${this.params.push(value)}`);
  }
}

/**
 * The CTEs that write outcomes: the messages (fenced by their claim token: a sender that lost its
 * claim changes nothing, except that a row the lease sweep parked as `unknown` takes the late
 * outcome, which is now certain) and every attempt that reached the gateway, whoever owns the
 * row now. Empty for no outcomes.
 */
function outcomeWrites(statement: Statement, outcomes: readonly DeliveryOutcome[]): string[] {
  if (outcomes.length === 0) return [];
  const states = outcomes.map((o) => o.message.toProps());
  const p = statement.add(
    states.map((s) => s.id),
    states.map((s) => s.status),
    states.map((s) => s.attemptCount),
    states.map((s) => s.nextAttemptAt),
    states.map((s) => s.gatewayMessageId),
    states.map((s) => s.sentAt),
    states.map((s) => s.failureReason),
    states.map((s) => s.updatedAt),
    states.map((s) => s.claimToken),
  );
  const parts = [
    `settled AS (
       UPDATE messages m
          SET status = v.status, attempt_count = v.attempt_count, next_attempt_at = v.next_attempt_at,
              gateway_message_id = v.gateway_message_id, sent_at = v.sent_at, failure_reason = v.failure_reason,
              updated_at = v.updated_at, lease_until = NULL, lease_lost_at = NULL
         FROM unnest(${p[0]}::uuid[], ${p[1]}::text[], ${p[2]}::int[], ${p[3]}::timestamptz[], ${p[4]}::text[],
                     ${p[5]}::timestamptz[], ${p[6]}::text[], ${p[7]}::timestamptz[], ${p[8]}::uuid[])
              AS v(id, status, attempt_count, next_attempt_at, gateway_message_id, sent_at, failure_reason, updated_at, claim_token)
        WHERE m.id = v.id AND m.claim_token = v.claim_token
          AND ${BY_ID_ONLY("m.status = 'sending' OR (m.status = 'unknown' AND m.lease_lost_at IS NOT NULL)")}
       RETURNING m.id)`,
  ];
  const attempts = outcomes.flatMap((o) => (o.attempt ? [o.attempt] : []));
  if (attempts.length > 0) {
    const a = statement.add(
      attempts.map((x) => x.messageId),
      attempts.map((x) => x.attemptNo),
      attempts.map((x) => x.at),
      attempts.map((x) => x.statusCode),
      attempts.map((x) => x.outcome),
      attempts.map((x) => x.error),
      attempts.map((x) => x.latencyMs),
    );
    parts.push(`attempts AS (
       INSERT INTO message_attempts (message_id, attempt_no, at, status_code, outcome, error, latency_ms)
       SELECT * FROM unnest(${a[0]}::uuid[], ${a[1]}::int[], ${a[2]}::timestamptz[], ${a[3]}::int[], ${a[4]}::text[], ${a[5]}::text[], ${a[6]}::int[]))`);
  }
  return parts;
}

function page<R extends MessageRow>(rows: R[], limit: number, cursorOf: (last: R) => string): Page<Message> {
  const items = rows.slice(0, limit);
  const nextCursor = rows.length > limit ? cursorOf(items[items.length - 1]) : null;
  return { items: items.map(toMessage), nextCursor };
}

function compareSeq(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
