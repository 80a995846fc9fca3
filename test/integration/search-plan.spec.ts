import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { type ListQuery, parseMessageSearch } from '@app/domain';
import { databaseOptions, TypeOrmMessageRepository } from '@app/infrastructure';
import { createTestDatabase, type TestDatabase } from '@test/support/database.js';

/**
 * The plans of the list's searches (GET /api/v1/messages?q=) on 100,000 messages, enough that
 * PostgreSQL would scan the table without the indexes of migration OperatorTools1795700000000:
 * a UUID through the primary key and messages_gateway_message_id_idx, a phone number through
 * messages_phone_seq_idx (in the list's order: no sort), a failure reason through
 * messages_failure_reason_trgm_idx (pg_trgm). Each statement is the one the repository sends
 * (recorded, not copied), run under EXPLAIN ANALYZE in a transaction that is rolled back; the
 * plans are printed.
 */

const ROWS = 100_000;
const NOW = new Date('2030-01-01T12:00:00.000Z');

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Actual Rows'?: number;
  Plans?: PlanNode[];
}

function nodesOf(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];
}

/** A DataSource stand-in that records the statement a repository method sends, and answers nothing. */
function recorder(): { dataSource: DataSource; last: () => { sql: string; params: unknown[] } } {
  let last: { sql: string; params: unknown[] } | undefined;
  const dataSource = {
    query: async (sql: string, params: unknown[] = []) => {
      last = { sql, params };
      return [];
    },
  } as unknown as DataSource;
  return { dataSource, last: () => last as { sql: string; params: unknown[] } };
}

/** The n-th message's values, as the insert below makes them. */
const phoneOf = (i: number) => `+9055510${String(i % 5_000).padStart(5, '0')}`;

describe('search plans on 100,000 messages (integration)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let repository: TypeOrmMessageRepository;
  let recorded: ReturnType<typeof recorder>;
  let recording: TypeOrmMessageRepository;

  /** The plan of the list statement for `query`, executed and rolled back; printed with `what`. */
  async function planOf(what: string, query: ListQuery): Promise<PlanNode[]> {
    await recording.list(query);
    const { sql, params } = recorded.last();
    const client = await db.sql.connect();
    try {
      await client.query('BEGIN');
      const text = await client.query(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ${sql}`, params);
      const json = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
      const [{ Plan: root, 'Execution Time': ms }] = json.rows[0]['QUERY PLAN'] as { Plan: PlanNode; 'Execution Time': number }[];
      console.log(`${what} (${ms.toFixed(2)} ms):\n${text.rows.map((r: Record<string, string>) => `  ${r['QUERY PLAN']}`).join('\n')}`);
      return nodesOf(root);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  }

  const indexesOf = (nodes: PlanNode[]) => new Set(nodes.map((n) => n['Index Name']).filter(Boolean));
  const types = (nodes: PlanNode[]) => nodes.map((n) => n['Node Type']);

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = await new DataSource(databaseOptions(db.url)).initialize();
    repository = new TypeOrmMessageRepository(dataSource);
    recorded = recorder();
    recording = new TypeOrmMessageRepository(recorded.dataSource);
    // One statement: 20 messages per phone number; 4 in 5 sent (with a gateway messageId), the
    // rest failed with one of a few common reasons, and 1 in 10,000 with a rare one.
    const started = Date.now();
    await db.sql.query(
      `INSERT INTO messages (phone_number, content, status, sent_at, gateway_message_id, failure_reason, created_at)
       SELECT '+9055510' || lpad((i % 5000)::text, 5, '0'), 'message ' || i,
              CASE WHEN i % 5 = 0 THEN 'failed' ELSE 'sent' END,
              CASE WHEN i % 5 <> 0 THEN $2::timestamptz END,
              CASE WHEN i % 5 <> 0 THEN md5('gw' || i)::uuid::text END,
              CASE WHEN i % 10000 = 5 THEN 'gateway answered 400: number ported to another operator (#' || i || ')'
                   WHEN i % 5 = 0 THEN (ARRAY['gateway answered 400: bad number', 'gave up after 5 attempts: gateway answered 503',
                                              'outcome unknown: no answer within 10000 ms'])[1 + (i / 5) % 3] END,
              $2::timestamptz - ($1::int - i) * interval '1 second'
         FROM generate_series(1, $1::int) AS i`,
      [ROWS, NOW],
    );
    await db.sql.query('ANALYZE messages');
    console.log(`search plans: inserted ${ROWS.toLocaleString('en')} rows in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 60_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.close();
  });

  it('finds a message id and a gateway messageId through the primary key and messages_gateway_message_id_idx, no table scan', async () => {
    const { rows } = await db.sql.query<{ id: string; gateway_message_id: string }>(
      `SELECT id, gateway_message_id FROM messages WHERE content IN ('message 4242', 'message 77')`,
    );
    const [byId, byGateway] = rows.sort((a, b) => (a.gateway_message_id < b.gateway_message_id ? -1 : 1));

    for (const [what, q, expected] of [
      ['message id', byId.id, byId.id],
      ['gateway messageId', byGateway.gateway_message_id, byGateway.id],
    ] as const) {
      const nodes = await planOf(`q=<${what}>`, { limit: 21, search: parseMessageSearch(q) });

      expect(types(nodes)).not.toContain('Seq Scan');
      expect(indexesOf(nodes)).toEqual(new Set(['messages_pkey', 'messages_gateway_message_id_idx']));
      expect((await repository.list({ limit: 21, search: parseMessageSearch(q.toUpperCase()) })).items.map((m) => m.id)).toEqual([expected]);
    }
  });

  it('finds the messages to a phone number through messages_phone_seq_idx, newest first with no sort, page after page', async () => {
    const search = parseMessageSearch(phoneOf(1234));
    const nodes = await planOf('q=<phone>', { limit: 5, search });

    expect(types(nodes)).not.toEqual(expect.arrayContaining(['Seq Scan', 'Sort', 'Incremental Sort']));
    expect(indexesOf(nodes)).toEqual(new Set(['messages_phone_seq_idx']));
    const first = await repository.list({ limit: 5, search });
    const cursor = first.nextCursor as string;
    const second = await repository.list({ limit: 20, search, cursor });
    expect(types(await planOf('q=<phone>, second page', { limit: 20, search, cursor }))).not.toContain('Seq Scan');
    expect([...first.items, ...second.items].map((m) => m.content)).toEqual(Array.from({ length: 20 }, (_, k) => `message ${ROWS - 5_000 + 1234 - k * 5_000}`));
    expect(second.nextCursor).toBeNull();
  });

  it('finds a failure reason through messages_failure_reason_trgm_idx, ignoring case, no table scan', async () => {
    const search = parseMessageSearch('Ported To Another');
    const nodes = await planOf('q=<rare reason>', { limit: 21, search });

    expect(types(nodes)).not.toContain('Seq Scan');
    expect(indexesOf(nodes)).toEqual(new Set(['messages_failure_reason_trgm_idx']));
    const found = await repository.list({ limit: 21, search });
    expect(found.items.map((m) => m.content)).toEqual(Array.from({ length: ROWS / 10_000 }, (_, k) => `message ${ROWS - 10_000 + 5 - k * 10_000}`));

    const withStatus = await planOf('q=<rare reason>&status=failed', { limit: 21, search, status: 'failed' });
    expect(types(withStatus)).not.toContain('Seq Scan');
    expect(indexesOf(withStatus)).toContain('messages_failure_reason_trgm_idx');
  });
});
