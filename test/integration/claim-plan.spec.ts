import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { databaseOptions, TypeOrmMessageRepository } from '@app/infrastructure';
import { createTestDatabase, type TestDatabase } from '@test/support/database.js';

/**
 * The plans of the statements that must stay cheap with millions of rows, on 1,000,000 of them:
 * the claim (highest priority first, oldest first within one), the queue-lag lookup, the list
 * filtered by priority and the pending counts per priority. Each statement is the one the
 * repository sends (recorded, not copied), run under EXPLAIN ANALYZE in a transaction that is
 * rolled back. The plans are printed, so that CI's log shows them.
 */

const ROWS = 1_000_000;
const NOW = new Date('2030-01-01T12:00:00.000Z');

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
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
      return /^\s*WITH due AS/.test(sql) ? [[], 0] : [];
    },
  } as unknown as DataSource;
  return { dataSource, last: () => last as { sql: string; params: unknown[] } };
}

describe('query plans on 1,000,000 messages (integration)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let recorded: ReturnType<typeof recorder>;
  let recording: TypeOrmMessageRepository;

  /** The plan of the statement `call` sends, executed and rolled back; printed with `what`. */
  async function planOf(
    what: string,
    call: (repository: TypeOrmMessageRepository) => Promise<unknown>,
  ): Promise<{ root: PlanNode; nodes: PlanNode[]; ms: number }> {
    await call(recording);
    const { sql, params } = recorded.last();
    const client = await db.sql.connect();
    try {
      await client.query('BEGIN');
      const text = await client.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) ${sql}`, params);
      const json = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, params);
      await client.query('ROLLBACK');
      const [{ Plan: root, 'Execution Time': ms }] = json.rows[0]['QUERY PLAN'] as { Plan: PlanNode; 'Execution Time': number }[];
      console.log(`${what} (${ms.toFixed(2)} ms):\n${text.rows.map((r: Record<string, string>) => `  ${r['QUERY PLAN']}`).join('\n')}`);
      return { root, nodes: nodesOf(root), ms };
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  /** Neither a scan of the whole table nor a sort: the order comes from an index. */
  function expectIndexOrdered(nodes: PlanNode[]): void {
    expect(nodes.map((n) => n['Node Type'])).not.toEqual(expect.arrayContaining(['Seq Scan']));
    expect(nodes.map((n) => n['Node Type'])).not.toEqual(expect.arrayContaining(['Sort']));
    expect(nodes.map((n) => n['Node Type'])).not.toEqual(expect.arrayContaining(['Incremental Sort']));
    expect(nodes.map((n) => n['Node Type'])).not.toEqual(expect.arrayContaining(['Bitmap Heap Scan']));
  }

  /** Index entries a scan node went through: the rows it kept and the ones its filter dropped, over every loop. */
  const visited = (node: PlanNode) => ((node['Actual Rows'] ?? 0) + (node['Rows Removed by Filter'] ?? 0)) * (node['Actual Loops'] ?? 1);
  const blocks = (node: PlanNode) => (node['Shared Hit Blocks'] ?? 0) + (node['Shared Read Blocks'] ?? 0);

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = await new DataSource(databaseOptions(db.url)).initialize();
    recorded = recorder();
    recording = new TypeOrmMessageRepository(recorded.dataSource);
    // One statement: 950,000 pending (1 in 50 scheduled for later, 1 in 100 at a priority from
    // -100 to 100, the rest at 0) and 50,000 sent, created one second apart in insertion order.
    const started = Date.now();
    await db.sql.query(
      `INSERT INTO messages (phone_number, content, status, sent_at, gateway_message_id, send_after, priority, created_at)
       SELECT '+90555' || (1000000 + i)::text, 'message ' || i,
              CASE WHEN i % 20 = 0 THEN 'sent' ELSE 'pending' END,
              CASE WHEN i % 20 = 0 THEN $2::timestamptz END,
              CASE WHEN i % 20 = 0 THEN 'gw-' || i END,
              CASE WHEN i % 50 = 3 THEN $2::timestamptz + interval '1 day' END,
              CASE WHEN i % 100 = 7 THEN (i % 201) - 100 ELSE 0 END,
              $2::timestamptz - ($1::int - i) * interval '1 second'
         FROM generate_series(1, $1::int) AS i`,
      [ROWS, NOW],
    );
    console.log(`claim plan: inserted ${ROWS.toLocaleString('en')} rows in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 180_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.close();
  });

  /**
   * The claim's plan: the index in claim order, reading the rows it takes and the few not-due ones
   * between them. Made under a tick permit, as the scheduler makes it (tick 0: the one the fresh
   * dispatcher_state row holds); the permit's check is evaluated once, not per row.
   */
  async function expectClaimThroughIndex(limit: number, when: string): Promise<void> {
    const { nodes } = await planOf(`claimBatch(${limit}), ${when}`, (r) => r.claimBatch(limit, NOW, { owner: 'plan', leaseMs: 60_000, tick: 0 }));

    expectIndexOrdered(nodes);
    const scan = nodes.find((n) => n['Index Name'] === 'messages_pending_priority_idx');
    expect(scan?.['Node Type']).toBe('Index Scan');
    expect(scan?.['Actual Rows']).toBe(limit);
    expect(visited(scan as PlanNode)).toBeLessThan(limit * 1.1 + 20);
  }

  // Without statistics PostgreSQL guesses that few rows are due; for a batch larger than its guess
  // (about 60 here) it may sort the pending set instead, until autovacuum analyzes the table (the
  // claim by seq did the same). The default batch of 2 takes the index even then.
  it('claims a batch of the default size through messages_pending_priority_idx even before the table has statistics', async () => {
    await expectClaimThroughIndex(2, 'no statistics yet');
  });

  it('claims batches of 2 and 1,000 through messages_pending_priority_idx with no sort and no table scan', async () => {
    await db.sql.query('ANALYZE messages');

    await expectClaimThroughIndex(2, 'analyzed');
    await expectClaimThroughIndex(1_000, 'analyzed');
  });

  it('takes the highest priority first, the oldest first within it', async () => {
    const claimed = await new TypeOrmMessageRepository(dataSource).claimBatch(3, NOW, { owner: 'plan', leaseMs: 60_000 });

    expect(claimed.map((m) => m.priority)).toEqual([100, 100, 100]);
    expect(claimed[0].createdAt.getTime()).toBeLessThan(claimed[1].createdAt.getTime());
    expect(claimed[1].createdAt.getTime()).toBeLessThan(claimed[2].createdAt.getTime());
  });

  it('finds the oldest due message lane by lane on the same index (201 lanes), with no sort and no table scan', async () => {
    const { root, nodes } = await planOf('oldestDueSince', (r) => r.oldestDueSince(NOW));

    expectIndexOrdered(nodes);
    expect(new Set(nodes.filter((n) => n['Relation Name'] === 'messages').map((n) => n['Index Name']))).toEqual(new Set(['messages_pending_priority_idx']));
    // About 8 blocks per lane, against some 20,000 for the table.
    expect(blocks(root)).toBeLessThan(5_000);
    await expect(new TypeOrmMessageRepository(dataSource).oldestDueSince(NOW)).resolves.toEqual(new Date(NOW.getTime() - (ROWS - 1) * 1000));
  });

  it('lists one priority through an index, newest first, with no sort and no table scan', async () => {
    for (const query of [{ priority: 5 }, { priority: 5, status: 'pending' as const }, { priority: 0 }, { priority: 0, status: 'pending' as const }]) {
      const { root, nodes } = await planOf(`list(${JSON.stringify(query)})`, (r) => r.list({ ...query, limit: 21 }));

      expectIndexOrdered(nodes);
      expect(blocks(root)).toBeLessThan(500);
    }
  });

  it('counts the pending messages per priority from the kept counts, without reading messages', async () => {
    const { nodes } = await planOf('countPendingByPriority', (r) => r.countPendingByPriority());

    expect(nodes.map((n) => n['Relation Name']).filter(Boolean)).toEqual(['message_status_counts']);
    const counts = await new TypeOrmMessageRepository(dataSource).countPendingByPriority();
    expect(counts).toHaveLength(201);
    expect(counts.reduce((sum, c) => sum + c.pending, 0)).toBe((await new TypeOrmMessageRepository(dataSource).countByStatus()).pending);
  });
});
